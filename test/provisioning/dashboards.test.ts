import { describe, expect, it } from 'vitest';
import { QueryRequest } from '../../sidecar/src/query/request.js';
import { DASHBOARD_UIDS, VARIABLE_KINDS } from '@ecr-lens/contract';
import {
  allPanels,
  DASHBOARD_FILES,
  ecrAnnotationTargets,
  ecrPanelTargets,
  ecrVariableQueries,
  readDashboard,
  readText,
  type DataSourceRef,
  type Json,
} from './dashboards-support.js';
import { panelRange, pluginQueryRequest, type VariableValues } from './plugin-request.js';

const dashboards = DASHBOARD_FILES.map(readDashboard);
const byUid = (uid: string) => dashboards.find((d) => d.uid === uid)!;

/** Values a user could pick: several registries and regions, a glob, one digest. */
const SAMPLE: VariableValues = {
  registry: ['123456789012', '210987654321'],
  region: ['us-east-1', 'eu-west-1'],
  repository: ['team-a/*', 'payments-api'],
  digest: `sha256:${'a'.repeat(64)}`,
};
const RANGE = { from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 1, 1) };

/** Dashboards name their data sources through variables (so that they import anywhere), and Grafana's own store. */
const KNOWN_DATASOURCES = [
  { type: 'ecrlens-ecr-datasource', uid: '${ds}' },
  { type: 'prometheus', uid: '${prometheus}' },
  { type: 'grafana', uid: '-- Grafana --' },
];

describe('provisioned dashboards', () => {
  it('have fixed, distinct uids in the ECR Lens set', () => {
    expect(dashboards.map((d) => d.uid)).toEqual([
      'ecr-lens-overview',
      'ecr-lens-cost',
      'ecr-lens-vulnerabilities',
      'ecr-lens-cleanup',
    ]);
    for (const d of dashboards) expect(d.tags).toContain('ecr-lens');
  });

  it.each(DASHBOARD_FILES)('%s has registry, region and repository variables from the ECR Lens plugin', (file) => {
    const d = readDashboard(file);
    const kinds = Object.fromEntries(ecrVariableQueries(d).map((v) => [v.where.split(' variable ')[1], v.value.kind]));
    expect(kinds).toMatchObject({ registry: 'registries', region: 'regions', repository: 'repositories' });
    for (const v of ecrVariableQueries(d)) expect(VARIABLE_KINDS).toContain(v.value.kind);
  });

  it.each(DASHBOARD_FILES)('%s names its data sources through the ds and prometheus variables, which default to the provisioned ones', (file) => {
    const d = readDashboard(file);
    const variable = (name: string) => d.templating.list.find((v) => v.name === name) as { type: string; query: string; current: { value: string } };
    expect(variable('ds')).toMatchObject({ type: 'datasource', query: 'ecrlens-ecr-datasource', current: { value: 'ecr-lens' } });
    expect(variable('prometheus')).toMatchObject({ type: 'datasource', query: 'prometheus', current: { value: 'prometheus' } });
  });

  it.each(DASHBOARD_FILES)('%s references only its data source variables', (file) => {
    const d = readDashboard(file);
    const refs: DataSourceRef[] = [
      ...allPanels(d).flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource as DataSourceRef)]),
      ...d.annotations.list.map((a) => a.datasource as DataSourceRef),
      ...d.templating.list.filter((v) => v.type !== 'datasource').map((v) => v.datasource as DataSourceRef),
    ].filter((r): r is DataSourceRef => r !== undefined);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(KNOWN_DATASOURCES).toContainEqual(ref);
  });

  it.each(DASHBOARD_FILES)('%s numbers its panels uniquely', (file) => {
    const ids = allPanels(readDashboard(file)).map((p) => p.id);
    expect(ids.every((id) => typeof id === 'number' && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(DASHBOARD_FILES)('every ECR Lens target of %s becomes a valid sidecar QueryRequest in the plugin', async (file) => {
    const d = readDashboard(file);
    const targets = ecrPanelTargets(d);
    expect(targets.length).toBeGreaterThan(0);
    for (const { where, value, panel } of targets) {
      const body = await pluginQueryRequest(value, SAMPLE, panelRange(panel, RANGE));
      const parsed = QueryRequest.safeParse(body);
      expect(parsed.success, `${where}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('scope variables reach every ECR Lens panel query as arrays', async () => {
    const [first] = ecrPanelTargets(byUid('ecr-lens-overview'));
    const body = await pluginQueryRequest(first!.value, SAMPLE, RANGE);
    expect(body.filters).toMatchObject({
      registry: ['123456789012', '210987654321'],
      region: ['us-east-1', 'eu-west-1'],
      repository: ['team-a/*', 'payments-api'],
    });
    // The repositories table is current state: it ignores the dashboard range unless the target asks for it.
    expect(body.range).toBeUndefined();
  });

  it('scope variables on "All" send no filter, and the repository variable chains to registry and region', async () => {
    const [first] = ecrPanelTargets(byUid('ecr-lens-overview'));
    const all = { registry: '.*', region: '.*', repository: '.*', digest: '' };
    const body = await pluginQueryRequest(first!.value, all, RANGE);
    expect(body.filters).toEqual({});
    for (const d of dashboards) {
      const variables = (d.templating as { list: { name: string; allValue?: string; query?: Record<string, unknown> }[] }).list;
      const repository = variables.find((v) => v.name === 'repository')!;
      expect(repository.allValue).toBe('.*');
      expect(repository.query).toMatchObject({ kind: 'repositories', registry: '$registry', region: '$region' });
    }
  });

  it('annotation targets use the plugin annotation model', () => {
    const kinds = dashboards.flatMap((d) => ecrAnnotationTargets(d).map((a) => a.value));
    expect(kinds.map((k) => k.annotationKind).sort()).toEqual(['cleanup', 'push']);
    for (const k of kinds) expect(k.queryType).toBe('annotations');
  });
});

describe('panel colours', () => {
  type Steps = { value: number | null; color: string }[];
  const colourPanels = dashboards.flatMap((d) =>
    allPanels(d)
      .filter((p) => ['stat', 'bargauge', 'gauge'].includes(p.type as string))
      .map((p) => ({ dashboard: d.uid as string, panel: p })),
  );

  it('every stat, gauge and bar panel sets its own thresholds, in strictly increasing steps', () => {
    expect(colourPanels.length).toBeGreaterThan(15);
    for (const { dashboard, panel } of colourPanels) {
      const where = `${dashboard} / ${String(panel.title)}`;
      const thresholds = (panel.fieldConfig as { defaults: { thresholds?: { steps: Steps } } }).defaults.thresholds;
      expect(thresholds, where).toBeDefined();
      const [base, ...rest] = thresholds!.steps;
      expect(base!.value, where).toBeNull();
      for (let i = 1; i < rest.length; i++) expect(rest[i]!.value!, where).toBeGreaterThan(rest[i - 1]!.value!);
      // Grafana's default (green, red at 80) would paint ordinary counts and sizes red.
      expect(rest.some((step) => step.value === 80 && step.color === 'red'), where).toBe(false);
    }
  });

  it('sizes, counts and costs are neutral; counts that should be zero turn red, CRITICAL dark red', () => {
    const byTitle = (title: string) => colourPanels.find((p) => p.panel.title === title)!.panel;
    const steps = (title: string) => (byTitle(title).fieldConfig as { defaults: { thresholds: { steps: Steps } } }).defaults.thresholds.steps;
    expect(steps('Stored (deduplicated)')).toEqual([{ value: null, color: 'text' }]);
    expect(steps('CRITICAL images in use')).toEqual([
      { value: null, color: 'green' },
      { value: 1, color: 'dark-red' },
    ]);
    // Trend stats draw their sparkline from a range query.
    const images = byTitle('Images');
    expect((images.options as { graphMode: string }).graphMode).toBe('area');
    expect((images.targets as { range?: boolean; instant?: boolean }[])[0]).toMatchObject({ range: true });
  });
});

describe('dashboard content the issue asks for', () => {
  const queryTypes = (uid: string) => ecrPanelTargets(byUid(uid)).map((t) => t.value.queryType);
  const titles = (uid: string) => allPanels(byUid(uid)).map((p) => p.title);

  it('Overview: inventory counts, growth from Prometheus, freshness', () => {
    expect(titles('ecr-lens-overview')).toEqual(
      expect.arrayContaining(['Repositories', 'Images', 'Inventory age', 'Inventory state', 'Images by repository', 'Storage']),
    );
  });

  it('Cost: per repository, both sizes, top repositories, trend, reclaimable', () => {
    expect(queryTypes('ecr-lens-cost')).toContain('cost');
    expect(titles('ecr-lens-cost')).toEqual(
      expect.arrayContaining([
        'Cost per repository',
        'Top 10 repositories by monthly cost',
        'Monthly cost trend',
        'Deduplicated against summed size',
        'Cleanup would reclaim',
      ]),
    );
  });

  it('Vulnerabilities: severity, CRITICAL/HIGH in use, unscanned or enhanced, findings drill-down by digest', () => {
    const d = byUid('ecr-lens-vulnerabilities');
    const targets = ecrPanelTargets(d).map((t) => t.value);
    expect(targets).toContainEqual(expect.objectContaining({ queryType: 'severity' }));
    expect(targets).toContainEqual(
      expect.objectContaining({ queryType: 'images', filters: expect.objectContaining({ minSeverity: 'HIGH', inUse: true }) }),
    );
    expect(targets).toContainEqual(
      expect.objectContaining({ filters: expect.objectContaining({ scanState: ['not_scanned', 'active'] }) }),
    );
    expect(targets).toContainEqual(
      expect.objectContaining({ queryType: 'findings', filters: expect.objectContaining({ digest: '$digest' }) }),
    );
    expect(d.templating.list.map((v) => v.name)).toContain('digest');
    // No dashboard override hides the plugin's own links (drill-downs and the AWS console).
    const overrides = JSON.stringify(allPanels(d).map((p) => (p.fieldConfig as Json | undefined)?.overrides));
    expect(overrides).not.toContain('"links"');
  });

  it("the plugin's drill-downs land on dashboards that answer them: a repository's images, an image's findings", () => {
    // plugin/src/datasource/frames.ts links a repository to the Overview and a digest to Vulnerabilities (DASHBOARD_UIDS),
    // setting registry, region and repository, and digest.
    const overview = byUid(DASHBOARD_UIDS.overview);
    const vulnerabilities = byUid(DASHBOARD_UIDS.vulnerabilities);
    for (const d of [overview, vulnerabilities]) {
      expect(d.templating.list.map((v) => v.name)).toEqual(expect.arrayContaining(['registry', 'region', 'repository']));
    }
    expect(ecrPanelTargets(overview).map((t) => t.value)).toContainEqual(
      expect.objectContaining({ queryType: 'images', filters: expect.objectContaining({ repository: '$repository' }) }),
    );
    expect(vulnerabilities.templating.list.map((v) => v.name)).toContain('digest');
  });

  it('Cleanup: plan, blocked, lifecycle preview, savings, annotations on storage, executed-cleanup list', () => {
    const d = byUid('ecr-lens-cleanup');
    expect(queryTypes('ecr-lens-cleanup')).toEqual(expect.arrayContaining(['cleanup', 'lifecycle', 'cost']));
    const annolist = allPanels(d).find((p) => p.type === 'annolist');
    expect((annolist?.options as Json).tags).toEqual(['ecr-lens', 'cleanup']);
    expect(allPanels(d).some((p) => p.type === 'timeseries')).toBe(true);
    const names = d.annotations.list.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['Cleanup candidates', 'Executed cleanups']));
  });

  it("Cleanup links to the app's plan page, where the plan is approved and executed; the other dashboards do not", () => {
    const pluginJson = JSON.parse(readText('plugin/src/plugin.json')) as { includes: { type: string; name: string; path?: string }[] };
    const planPage = pluginJson.includes.find((i) => i.type === 'page' && i.name === 'Cleanup plan')!.path;
    for (const d of dashboards) {
      const links = (d as unknown as { links: { type: string; url?: string }[] }).links.filter((l) => l.type === 'link');
      expect(links.map((l) => l.url), d.uid).toEqual(d.uid === 'ecr-lens-cleanup' ? [planPage] : []);
    }
  });

  it('marks executed cleanups, from Grafana by their tags, on the storage and cost trends of Overview and Cost', () => {
    for (const uid of ['ecr-lens-overview', 'ecr-lens-cost', 'ecr-lens-cleanup']) {
      const d = byUid(uid);
      const executed = d.annotations.list.find((a) => a.name === 'Executed cleanups');
      expect(executed, uid).toMatchObject({ enable: true, datasource: { type: 'grafana' }, target: { type: 'tags', tags: ['ecr-lens', 'cleanup'], matchAny: false } });
      // Dashboard annotations show on every time series: the storage (or cost) trend is one of them.
      expect(allPanels(d).filter((p) => p.type === 'timeseries').map((p) => p.title), uid).toEqual(
        expect.arrayContaining([uid === 'ecr-lens-cost' ? 'Deduplicated against summed size' : uid === 'ecr-lens-overview' ? 'Storage' : expect.any(String)]),
      );
    }
  });
});
