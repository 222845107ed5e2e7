import { FieldType, type DataFrame } from '@grafana/data';

import { ALL_VALUE, type Frame, type InventoryStatus } from '@ecr-lens/contract';

import { SELECT_AN_IMAGE } from './datasource';
import { golden } from './testing/golden';
import {
  INSTANCE_URL,
  RANGE_FROM,
  RANGE_TO,
  fakeBackend,
  fakeTemplateSrv,
  newDataSource,
  queryRequest,
} from './testing/fakes';

const DIGEST = `sha256:${'a'.repeat(64)}`;

// What the sidecar serves from the reference fixture (contract/golden), not frames made up here.
const costAnswer = golden('cost');
const repositoriesFrame: Frame = golden('repositories').frame;
const imagesFrame: Frame = golden('images').frame;
const findingsFrame: Frame = golden('findings').frame;

const field = (frame: DataFrame, name: string) => {
  const f = frame.fields.find((x) => x.name === name);
  if (!f) {
    throw new Error(`no field ${name}`);
  }
  return f;
};

const framesByType: Record<string, Frame> = {
  repositories: repositoriesFrame,
  images: imagesFrame,
  findings: findingsFrame,
};

describe('DataSource.query', () => {
  beforeEach(() => {
    fakeTemplateSrv({ repository: ['team/api', 'team/{web,worker}'], region: 'us-east-1', digest: DIGEST });
  });

  it('posts each target to the sidecar through the proxy route, with variables applied', async () => {
    const requests = fakeBackend((req) => ({
      data: { frame: framesByType[(req.data as { queryType: string }).queryType], total: 4 },
    }));
    const ds = newDataSource();
    await ds.query(
      queryRequest([
        {
          refId: 'A',
          queryType: 'repositories',
          filters: { repository: '$repository, legacy-*', region: '$region', notPulledForDays: 30 },
          sort: { field: 'monthlyCost', order: 'desc' },
          limit: 50,
        },
      ])
    );
    expect(requests).toHaveLength(1);
    expect(requests[0].url).toBe(`${INSTANCE_URL}/sidecar/api/v1/query`);
    expect(requests[0].method).toBe('POST');
    expect(requests[0].data).toEqual({
      queryType: 'repositories',
      filters: {
        repository: ['team/api', 'team/{web,worker}', 'legacy-*'],
        region: ['us-east-1'],
        notPulledForDays: 30,
      },
      sort: { field: 'monthlyCost', order: 'desc' },
      limit: 50,
    });
  });

  it('sends the dashboard time range only when the target filters by it, and only for images and usage', async () => {
    const requests = fakeBackend((req) => ({
      data: { frame: framesByType[(req.data as { queryType: string }).queryType], total: 4 },
    }));
    await newDataSource().query(
      queryRequest([
        { refId: 'A', queryType: 'images' },
        { refId: 'B', queryType: 'images', useTimeRange: true },
        { refId: 'C', queryType: 'usage', useTimeRange: true },
        { refId: 'D', queryType: 'repositories', useTimeRange: true },
      ])
    );
    const ranges = Object.fromEntries(requests.map((r, i) => ['ABCD'[i], (r.data as { range?: unknown }).range]));
    expect(ranges).toEqual({
      A: undefined,
      B: { from: RANGE_FROM, to: RANGE_TO },
      C: { from: RANGE_FROM, to: RANGE_TO },
      D: undefined,
    });
  });

  it('sends a filter on "All" as no filter, whatever the size of the registry', async () => {
    fakeTemplateSrv({ repository: ALL_VALUE, region: 'us-east-1' });
    const requests = fakeBackend(() => ({ data: { frame: repositoriesFrame, total: 4 } }));
    await newDataSource().query(
      queryRequest([
        { refId: 'A', queryType: 'repositories', filters: { repository: '$repository', region: '$region' } },
      ])
    );
    expect((requests[0].data as { filters: unknown }).filters).toEqual({ region: ['us-east-1'] });
  });

  it('interpolates variables into queries for Explore, dropping filters on "All"', () => {
    fakeTemplateSrv({ repository: ['team/api', 'team/web'], region: ALL_VALUE, digest: DIGEST, field: 'pushedAt' });
    const [query] = newDataSource().interpolateVariablesInQueries(
      [
        {
          refId: 'A',
          queryType: 'images',
          filters: { repository: '$repository', region: '$region', digest: '$digest', untagged: true },
          sort: { field: '$field', order: 'desc' },
        },
      ],
      {}
    );
    expect(query).toEqual({
      refId: 'A',
      queryType: 'images',
      filters: { repository: 'team/api,team/web', digest: DIGEST, untagged: true },
      sort: { field: 'pushedAt', order: 'desc' },
    });
  });

  it('interpolates scoped variables (repeated panels) before dashboard variables', async () => {
    const requests = fakeBackend(() => ({ data: { frame: imagesFrame, total: 16 } }));
    await newDataSource().query(
      queryRequest(
        [{ refId: 'A', queryType: 'images', filters: { repository: '$repository', untagged: true, kind: ['image'] } }],
        {
          repository: { text: 'team/web', value: 'team/web' },
        }
      )
    );
    expect(requests[0].data).toMatchObject({ filters: { repository: ['team/web'], untagged: true, kind: ['image'] } });
  });

  it('turns the sidecar frame into a table frame with types, units, descriptions, notices and console links', async () => {
    fakeBackend(() => ({ data: costAnswer }));
    const { data, errors } = await newDataSource().query(queryRequest([{ refId: 'A', queryType: 'cost' }]));
    expect(errors).toBeUndefined();
    const frame = data[0] as DataFrame;
    expect(frame.refId).toBe('A');
    expect(frame.name).toBe('cost');
    expect(frame.length).toBe(4);
    expect(frame.fields.map((f) => [f.name, f.type])).toEqual([
      ['account', FieldType.string],
      ['region', FieldType.string],
      ['repository', FieldType.string],
      ['imageCount', FieldType.number],
      ['summedSizeBytes', FieldType.number],
      ['deduplicatedSizeBytes', FieldType.number],
      ['monthlyCostUsd', FieldType.number],
      ['pricePerGbMonth', FieldType.number],
      ['archivedImageCount', FieldType.number],
      ['archivedSummedSizeBytes', FieldType.number],
      ['deduplicatedComplete', FieldType.boolean],
      ['imagesWithoutSize', FieldType.number],
      ['reclaimableBytes', FieldType.number],
      ['reclaimableImages', FieldType.number],
      ['reclaimableMonthlyUsd', FieldType.number],
    ]);
    const sent = (name: string) => costAnswer.frame.fields.find((f) => f.name === name)!;
    expect(field(frame, 'deduplicatedSizeBytes').values).toEqual(sent('deduplicatedSizeBytes').values);
    expect(field(frame, 'deduplicatedSizeBytes').config).toMatchObject({
      unit: 'bytes',
      description: sent('deduplicatedSizeBytes').config.description,
    });
    expect(field(frame, 'monthlyCostUsd').config.unit).toBe('currencyUSD');
    expect(frame.meta?.preferredVisualisationType).toBe('table');
    expect(frame.meta?.custom).toEqual({ totalRows: 6, snapshotVersion: 1 });
    expect(frame.meta?.notices).toEqual([
      ...costAnswer.frame.meta.notices!,
      { severity: 'info', text: 'Showing 4 of 6 rows. Narrow the filters or raise the limit to see more.' },
    ]);
    expect(field(frame, 'repository').config.links).toEqual([
      {
        title: 'Show the images of this repository',
        url: '/d/ecr-lens-overview?var-registry=${__data.fields.account:raw}&var-region=${__data.fields.region:raw}&var-repository=${__data.fields.repository:raw}&${__url_time_range}',
      },
      {
        title: 'Open repository in the AWS console',
        url: 'https://${__data.fields.region:raw}.console.aws.amazon.com/ecr/repositories/private/${__data.fields.account:raw}/${__data.fields.repository:raw}?region=${__data.fields.region:raw}',
        targetBlank: true,
      },
    ]);
  });

  it('refuses an answer that is not the contract’s frame, saying so on the target', async () => {
    const { fields, ...frameWithoutFields } = costAnswer.frame;
    fakeBackend(() => ({ data: { frame: frameWithoutFields, total: costAnswer.total } }));
    const { data, errors } = await newDataSource().query(queryRequest([{ refId: 'A', queryType: 'cost' }]));
    expect(fields.length).toBeGreaterThan(0);
    expect(data).toEqual([]);
    expect(errors?.[0]).toMatchObject({
      refId: 'A',
      message: expect.stringContaining(
        "The sidecar's answer to /api/v1/query is not what this plugin expects (frame.fields:"
      ),
    });
  });

  it('links images to their console page and findings to their advisory', async () => {
    fakeBackend((req) => ({ data: { frame: framesByType[(req.data as { queryType: string }).queryType], total: 4 } }));
    const { data } = await newDataSource().query(
      queryRequest([
        { refId: 'I', queryType: 'images' },
        { refId: 'F', queryType: 'findings', filters: { digest: '$digest' } },
      ])
    );
    const [images, findings] = data as DataFrame[];
    expect(field(images, 'digest').config.links?.[0]).toEqual({
      title: 'Show the findings of this image',
      url: '/d/ecr-lens-vulnerabilities?var-registry=${__data.fields.account:raw}&var-region=${__data.fields.region:raw}&var-repository=${__data.fields.repository:raw}&var-digest=${__data.fields.digest:raw}&${__url_time_range}',
    });
    expect(field(images, 'digest').config.links?.[1].url).toBe(
      'https://${__data.fields.region:raw}.console.aws.amazon.com/ecr/repositories/private/${__data.fields.account:raw}/${__data.fields.repository:raw}/_/image/${__data.fields.digest:raw}/details?region=${__data.fields.region:raw}'
    );
    expect(field(images, 'repository').config.links?.map((l) => l.title)).toEqual([
      'Show the images of this repository',
      'Open repository in the AWS console',
    ]);
    expect(field(findings, 'name').config.links).toEqual([
      { title: 'Open the advisory', url: '${__data.fields.uri:raw}', targetBlank: true },
    ]);
  });

  it('reports a failing target on that target alone, in the sidecar’s words', async () => {
    fakeBackend((req) =>
      (req.data as { queryType: string }).queryType === 'images'
        ? {
            status: 400,
            data: {
              error: 'bad_request',
              message: 'Invalid query',
              issues: [{ path: 'filters.region', message: 'must be an AWS region such as us-east-1' }],
            },
          }
        : { data: { frame: repositoriesFrame, total: 6 } }
    );
    const { data, errors } = await newDataSource().query(
      queryRequest([
        { refId: 'A', queryType: 'repositories' },
        { refId: 'B', queryType: 'images', filters: { region: 'mars-1' } },
      ])
    );
    expect((data as DataFrame[]).map((f) => f.refId)).toEqual(['A']);
    expect(errors).toEqual([
      { refId: 'B', status: 400, message: 'Invalid query (filters.region: must be an AWS region such as us-east-1)' },
    ]);
  });

  it('shows an empty findings table that asks for an image, without asking the sidecar, while the digest is empty', async () => {
    const requests = fakeBackend(() => ({ data: { frame: findingsFrame, total: 3 } }));
    // Unset, and a dashboard variable that is still empty: both are "no image chosen", after interpolation.
    fakeTemplateSrv({ digest: '' });
    for (const filters of [{}, { digest: '$digest' }]) {
      const { data, errors } = await newDataSource().query(
        queryRequest([{ refId: 'F', queryType: 'findings', filters }])
      );
      expect(errors).toBeUndefined();
      const [frame] = data as DataFrame[];
      expect(frame.refId).toBe('F');
      expect(frame.length).toBe(0);
      expect(frame.fields.map((f) => f.name)).toEqual(findingsFrame.fields.map((f) => f.name));
      expect(frame.meta?.notices).toEqual([{ severity: 'info', text: SELECT_AN_IMAGE }]);
    }
    expect(requests).toHaveLength(0);
    fakeTemplateSrv({ digest: 'sha256:abc' });
    await newDataSource().query(queryRequest([{ refId: 'F', queryType: 'findings', filters: { digest: '$digest' } }]));
    expect(requests).toHaveLength(1);
  });

  it('skips hidden targets', async () => {
    const requests = fakeBackend(() => ({ data: { frame: repositoriesFrame, total: 6 } }));
    const ds = newDataSource();
    expect(ds.filterQuery({ refId: 'A', queryType: 'cost', hide: true })).toBe(false);
    const { data } = await ds.query(queryRequest([{ refId: 'A', queryType: 'cost', hide: true }]));
    expect(data).toEqual([]);
    expect(requests).toHaveLength(0);
  });
});

describe('annotations', () => {
  beforeEach(() => fakeTemplateSrv({ repository: 'team/api' }));

  it('reads pushes in the dashboard range into time, text and tags fields', async () => {
    const requests = fakeBackend(() => ({
      data: [
        { time: 1_767_225_600_000, title: 'Push', text: 'Pushed team/api:v1', tags: ['push', 'team/api'] },
        { time: Date.UTC(2026, 0, 2), title: 'Push', text: 'Pushed team/api:v2', tags: ['push', 'team/api'] },
      ],
    }));
    const ds = newDataSource();
    const target = ds.annotations.prepareQuery!({
      name: 'Pushes',
      enable: true,
      iconColor: 'blue',
      target: { refId: 'Anno', annotationKind: 'push', filters: { repository: '$repository' } },
    });
    const { data } = await ds.query(queryRequest([target!]));
    expect(requests[0].url).toBe(`${INSTANCE_URL}/sidecar/api/v1/annotations`);
    expect(requests[0].params).toEqual({ from: RANGE_FROM, to: RANGE_TO, kind: 'push', repository: 'team/api' });
    const frame = data[0] as DataFrame;
    expect(frame.fields.map((f) => [f.name, f.type])).toEqual([
      ['time', FieldType.time],
      ['text', FieldType.string],
      ['tags', FieldType.other],
      ['title', FieldType.string],
    ]);
    expect(field(frame, 'time').values).toEqual([1_767_225_600_000, Date.UTC(2026, 0, 2)]);
    expect(field(frame, 'tags').values).toEqual([
      ['push', 'team/api'],
      ['push', 'team/api'],
    ]);
  });

  it('asks for cleanup candidates when that kind is chosen, scoped like the panels', async () => {
    const requests = fakeBackend(() => ({ data: [] }));
    await newDataSource().query(
      queryRequest([
        {
          refId: 'Anno',
          queryType: 'annotations',
          annotationKind: 'cleanup',
          filters: { registry: '111122223333', region: 'us-east-1,eu-west-1' },
        },
      ])
    );
    expect(requests[0].params).toEqual({
      from: RANGE_FROM,
      to: RANGE_TO,
      kind: 'cleanup',
      registry: '111122223333',
      region: 'us-east-1,eu-west-1',
    });
  });

  it('shows an error on the annotation query when the sidecar answers something else than a list', async () => {
    fakeBackend(() => ({ data: { frame: {} } }));
    const response = await newDataSource().query(queryRequest([{ refId: 'Anno', queryType: 'annotations' }]));
    expect(response.errors?.[0]).toMatchObject({
      refId: 'Anno',
      message: expect.stringContaining("The sidecar's answer to /api/v1/annotations is not what this plugin expects"),
    });
  });
});

describe('variables', () => {
  beforeEach(() => fakeTemplateSrv({ repository: 'team/api' }));

  it('lists values of a kind through the variable support', async () => {
    const requests = fakeBackend(() => ({
      data: [
        { text: 'us-east-1', value: 'us-east-1' },
        { text: 'eu-west-1', value: 'eu-west-1' },
      ],
    }));
    const ds = newDataSource();
    const { lastValueFrom } = await import('rxjs');
    const support = ds.variables as unknown as { query: (r: unknown) => import('rxjs').Observable<{ data: unknown }> };
    const result = await lastValueFrom(support.query(queryRequest([{ refId: 'V', kind: 'regions' } as never])));
    expect(requests[0].url).toBe(`${INSTANCE_URL}/sidecar/api/v1/variables/regions`);
    expect(result.data).toEqual([
      { text: 'us-east-1', value: 'us-east-1' },
      { text: 'eu-west-1', value: 'eu-west-1' },
    ]);
  });

  it('lists the tags of an interpolated repository, also from the string form', async () => {
    const requests = fakeBackend(() => ({
      data: [
        { text: 'v1', value: 'v1' },
        { text: 'v2', value: 'v2' },
      ],
    }));
    const values = await newDataSource().metricFindQuery('tags:$repository');
    expect(requests[0].url).toBe(`${INSTANCE_URL}/sidecar/api/v1/variables/tags`);
    expect(requests[0].params).toEqual({ repository: 'team/api' });
    expect(values).toEqual([
      { text: 'v1', value: 'v1' },
      { text: 'v2', value: 'v2' },
    ]);
  });

  it('chains: multi-value variables narrow the list as comma lists, and "All" narrows nothing', async () => {
    fakeTemplateSrv({
      registry: ['111122223333', '444455556666'],
      region: ALL_VALUE,
      repository: ['team/api', 'team/web'],
    });
    const requests = fakeBackend(() => ({ data: [] }));
    const ds = newDataSource();
    await ds.variableValues({ refId: 'V', kind: 'repositories', registry: '$registry', region: '$region' });
    expect(requests[0].params).toEqual({ registry: '111122223333,444455556666' });
    await ds.variableValues({ refId: 'V', kind: 'tags', repository: '$repository' });
    expect(requests[1].params).toEqual({ repository: 'team/api,team/web' });
    // Tags of "All" repositories, or of none yet: an empty list, without asking the sidecar.
    fakeTemplateSrv({ repository: ALL_VALUE });
    expect(await ds.variableValues({ refId: 'V', kind: 'tags', repository: '$repository' })).toEqual([]);
    expect(requests).toHaveLength(2);
  });

  it('rejects an unknown kind in plain words', async () => {
    fakeBackend(() => ({ data: [] }));
    await expect(newDataSource().metricFindQuery('buckets')).rejects.toThrow('Unknown variable kind "buckets"');
  });
});

describe('testDatasource', () => {
  const minutesAgo = (n: number) => Date.now() - n * 60_000;
  /** GET /api/v1/status as the contract defines it: a fresh, complete inventory unless `overrides` say otherwise. */
  const status = (overrides: Partial<InventoryStatus>): InventoryStatus => ({
    ready: true,
    stale: false,
    snapshotVersion: 3,
    refreshing: false,
    consecutiveFailures: 0,
    refreshErrorsTotal: 0,
    incomplete: [],
    snapshot: { builtAt: minutesAgo(3), registries: 2, repositories: 6, images: 16, clusters: 1 },
    sources: [],
    rememberedUses: 0,
    ...overrides,
  });

  it('reports a reachable sidecar, an accepted token and a fresh inventory', async () => {
    const requests = fakeBackend(() => ({
      data: status({ lastSuccessAt: minutesAgo(3) }),
    }));
    const result = await newDataSource().testDatasource();
    expect(requests[0].url).toBe(`${INSTANCE_URL}/sidecar/api/v1/status`);
    expect(result.status).toBe('success');
    expect(result.message).toBe(
      'The sidecar is reachable and accepted the API token. Inventory refreshed 3 minutes ago.'
    );
  });

  it('says the token was rejected on 401', async () => {
    fakeBackend(() => ({ status: 401, data: { error: 'unauthorized', message: 'Missing or invalid bearer token' } }));
    const result = await newDataSource().testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toMatch(/^The sidecar rejected the API token\./);
  });

  it("says the token was rejected when Grafana's proxy turns the 401 into its 400", async () => {
    // What BackendSrv gives for ds_proxy's plain-text 400 body.
    const grafana400 = {
      status: 400,
      data: {
        message: 'Authentication to data source failed',
        error: 'Bad Request',
        response: 'Authentication to data source failed',
      },
    };
    fakeBackend(() => grafana400);
    const health = await newDataSource().testDatasource();
    expect(health.message).toMatch(/^The sidecar rejected the API token\./);
    const panel = await newDataSource().query(queryRequest([{ refId: 'A', queryType: 'repositories' }]));
    expect(panel.errors?.[0]?.message).toBe(
      "The sidecar rejected the API token: set the data source's API token to the sidecar's SIDECAR_API_TOKEN."
    );
    // Any other 400 is the sidecar's own answer about the request.
    fakeBackend(() => ({ status: 400, data: { error: 'bad_request', message: 'filters.tag: too long' } }));
    const other = await newDataSource().testDatasource();
    expect(other.message).toBe('The sidecar answered with an error: filters.tag: too long');
  });

  it('says the sidecar cannot be reached when the proxy gets no answer', async () => {
    fakeBackend(() => ({ status: 502, data: { message: 'Bad Gateway' } }));
    const result = await newDataSource().testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toContain('The sidecar could not be reached at http://sidecar:8080');
  });

  it('warns about a stale inventory, the AWS error and the parts it could not read', async () => {
    fakeBackend(() => ({
      data: status({
        stale: true,
        lastSuccessAt: minutesAgo(120),
        lastError: 'AccessDeniedException: User is not authorized to perform ecr:DescribeImages',
        incomplete: [
          {
            scope: 'repository',
            accountId: '111122223333',
            region: 'us-east-1',
            target: 'team/db',
            operation: 'DescribeImages',
            error: 'AccessDeniedException',
          },
        ],
      }),
    }));
    const result = await newDataSource().testDatasource();
    expect(result.status).toBe('warning');
    expect(result.message).toContain('Inventory refreshed 2 hours ago.');
    expect(result.message).toContain('The inventory is stale');
    expect(result.message).toContain(
      'The last refresh failed with an AWS error: AccessDeniedException: User is not authorized'
    );
    expect(result.message).toContain(
      'Part of the inventory could not be read (1): team/db in 111122223333/us-east-1: DescribeImages: AccessDeniedException.'
    );
  });

  it('says when the sidecar answers in another shape than this plugin’s contract', async () => {
    fakeBackend(() => ({ data: { ready: true, stale: false } }));
    const result = await newDataSource().testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toBe(
      "The sidecar answered with an error: The sidecar's answer to /api/v1/status is not what this plugin expects (snapshotVersion: Invalid input: expected number, received undefined). Are the sidecar and the plugin of the same version?"
    );
  });

  it('warns while the first refresh is still running', async () => {
    fakeBackend(() => ({ data: status({ ready: false }) }));
    const result = await newDataSource().testDatasource();
    expect(result.status).toBe('warning');
    expect(result.message).toContain('first inventory refresh has not finished yet');
  });
});
