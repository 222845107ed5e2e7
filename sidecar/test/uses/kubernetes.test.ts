/**
 * The Kubernetes source against a node:http server on loopback that answers like the Prometheus HTTP API:
 * the request it makes (form-encoded query, auth headers), how kube-state-metrics' labels and image_id
 * forms become uses, every failure becoming one Incomplete entry without credentials, and the cluster checks:
 * listed clusters missing from the window, and clusters in the window that are not scraped now.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageUse } from '../../src/snapshot/model.js';
import type { KubernetesSourceOptions } from '../../src/uses/kubernetes.js';
import {
  KUBERNETES_NOW_QUERY,
  createKubernetesSource,
  kubernetesQuery,
  kubernetesSourceFromEnv,
  usesOfAnswer,
} from '../../src/uses/kubernetes.js';
import { digest } from '../support/builders.js';

const HOST = '111111111111.dkr.ecr.us-east-1.amazonaws.com';
const WEB = `${HOST}/web`;
const JOB = '222222222222.dkr.ecr.eu-west-1.amazonaws.com/jobs/nightly';
const D1 = digest('web-v1');
const D2 = digest('job');
const CONFIG = digest('config');

interface Seen {
  method: string;
  url: string;
  contentType: string;
  authorization: string | undefined;
  form: URLSearchParams;
}
type Handler = (req: IncomingMessage, res: ServerResponse, form: URLSearchParams) => void;

let server: Server;
let port: number;
let seen: Seen[];
let handler: Handler;

const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
const vector = (series: Record<string, string>[]): Handler =>
  json(200, {
    status: 'success',
    data: { resultType: 'vector', result: series.map((metric) => ({ metric, value: [1717200000, '1'] })) },
  });
/** Answers the window query with `window` and the instant query of the clusters scraped now with `now`. */
const byQuery =
  (window: Handler, now: Handler): Handler =>
  (req, res, form) =>
    (form.get('query') === KUBERNETES_NOW_QUERY ? now : window)(req, res, form);

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        authorization: req.headers.authorization,
        form,
      });
      handler(req, res, form);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

beforeEach(() => {
  seen = [];
  handler = vector([]);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const pod = (patch: Partial<ImageUse> & { reference: string }): ImageUse => ({
  kind: 'pod',
  accountId: '111111111111',
  region: 'us-east-1',
  namespace: 'shop',
  pod: 'web-1',
  container: 'web',
  ...patch,
});

describe('usesOfAnswer', () => {
  const series = (labels: Record<string, string>) => ({ namespace: 'shop', pod: 'web-1', container: 'web', ...labels });

  it('takes the digest from a repository image_id (containerd, CRI-O, Docker) and the reference as written', () => {
    expect(
      usesOfAnswer([
        series({ cluster: 'prod', image_spec: `${WEB}:v1`, image: `${WEB}:v1`, image_id: `${WEB}@${D1}` }),
        series({ pod: 'web-2', image: `${WEB}:v1`, image_id: `docker-pullable://${WEB}@${D1}` }),
        series({ pod: 'web-3', image_spec: WEB, image: `${WEB}:latest`, image_id: `${WEB}@${D1}` }),
      ]),
    ).toEqual([
      // Sorted by use identity, which names the workload's container, not the pod.
      pod({ cluster: 'prod', reference: `${WEB}:v1`, digest: D1 }),
      // The spec wrote no tag (latest); the runtime reports the tag: both are kept.
      pod({ pod: 'web-3', reference: `${WEB}:latest`, digest: D1 }),
      pod({ pod: 'web-2', reference: `${WEB}:v1`, digest: D1 }),
      pod({ pod: 'web-3', reference: WEB, digest: D1 }),
    ]);
  });

  it('ignores image ids that are config digests or empty, keeping the tag', () => {
    expect(
      usesOfAnswer([
        series({ image: `${WEB}:v1`, image_id: `docker://${CONFIG}` }),
        series({ pod: 'web-2', image: `${WEB}:v2`, image_id: CONFIG }),
        series({ pod: 'web-3', image_spec: `${WEB}:v3`, image: `${WEB}:v3`, image_id: '' }),
      ]),
    ).toEqual([
      pod({ reference: `${WEB}:v1` }),
      pod({ pod: 'web-2', reference: `${WEB}:v2` }),
      pod({ pod: 'web-3', reference: `${WEB}:v3` }),
    ]);
  });

  it('falls back on the image_id repository when the runtime reports only an image id, and skips non-ECR images', () => {
    expect(
      usesOfAnswer([
        series({ namespace: 'batch', pod: 'nightly-x', container: 'job', image: CONFIG, image_id: `${JOB}@${D2}` }),
        series({
          pod: 'nginx',
          container: 'nginx',
          image: 'docker.io/library/nginx:1.25',
          image_id: `docker.io/library/nginx@${D2}`,
        }),
        series({ pod: 'local', image: 'sha256:abc', image_id: CONFIG }),
      ]),
    ).toEqual([
      pod({
        accountId: '222222222222',
        region: 'eu-west-1',
        namespace: 'batch',
        pod: 'nightly-x',
        container: 'job',
        reference: `${JOB}@${D2}`,
        digest: D2,
      }),
    ]);
  });

  it('keeps a container seen on two digests in the window, once each', () => {
    const D0 = digest('web-v0');
    expect(
      usesOfAnswer([
        series({ image: `${WEB}:v1`, image_id: `${WEB}@${D1}` }),
        series({ image: `${WEB}:v1`, image_id: `${WEB}@${D0}` }),
        series({ image: `${WEB}:v1`, image_id: `docker-pullable://${WEB}@${D1}` }),
      ]),
    ).toEqual([D0, D1].sort().map((d) => pod({ reference: `${WEB}:v1`, digest: d })));
  });
});

describe('createKubernetesSource', () => {
  const at = (path = '') => `http://127.0.0.1:${port}${path}`;

  it('posts the lookback query form-encoded under the base path and reads pods, init containers included', async () => {
    handler = vector([
      {
        cluster: 'prod',
        namespace: 'shop',
        pod: 'web-1',
        container: 'web',
        image: `${WEB}:v1`,
        image_id: `${WEB}@${D1}`,
      },
      { cluster: 'prod', namespace: 'shop', pod: 'web-1', container: 'migrate', image: `${JOB}:v7`, image_id: '' },
    ]);
    const source = createKubernetesSource({ url: at('/prom/'), lookbackHours: 48, timeoutMs: 5_000 });
    expect(source.source).toBe('kubernetes');
    expect(source.description).toBe(`Prometheus ${at('/prom/')} (kube_pod_container_info, last 48h)`);
    const read = await source.read(0);
    expect(read).toEqual({
      uses: [
        pod({ cluster: 'prod', reference: `${WEB}:v1`, digest: D1 }),
        pod({
          cluster: 'prod',
          container: 'migrate',
          accountId: '222222222222',
          region: 'eu-west-1',
          reference: `${JOB}:v7`,
        }),
      ],
      incomplete: [],
    });
    // Two queries in one read: the window, and the clusters scraped now (asked together, in either order).
    expect(seen.map((s) => [s.method, s.url, s.contentType, s.authorization])).toEqual([
      ['POST', '/prom/api/v1/query', 'application/x-www-form-urlencoded;charset=UTF-8', undefined],
      ['POST', '/prom/api/v1/query', 'application/x-www-form-urlencoded;charset=UTF-8', undefined],
    ]);
    expect(seen.map((s) => Object.fromEntries(s.form)).sort((a, b) => a.query!.localeCompare(b.query!))).toEqual([
      { query: KUBERNETES_NOW_QUERY, partial_response: 'false' },
      { query: kubernetesQuery(48), partial_response: 'false' },
    ]);
    expect(KUBERNETES_NOW_QUERY).toBe(
      'count by (cluster) (kube_pod_container_info) or count by (cluster) (kube_pod_init_container_info)',
    );
    expect(kubernetesQuery(48)).toBe(
      'max by (cluster, namespace, pod, container, image_spec, image, image_id) (max_over_time(kube_pod_container_info[48h])) or ' +
        'max by (cluster, namespace, pod, container, image_spec, image, image_id) (max_over_time(kube_pod_init_container_info[48h]))',
    );
  });

  it('sends Basic auth from the URL and a bearer token, and never shows the password', async () => {
    handler = json(401, { status: 'error', errorType: 'unauthorized', error: 'bad credentials' });
    const basic = createKubernetesSource({
      url: `http://ops:pa%24s@127.0.0.1:${port}`,
      lookbackHours: 24,
      timeoutMs: 5_000,
    });
    const read = await basic.read(0);
    const bearer = createKubernetesSource({ url: at(), bearerToken: 'tok-123', lookbackHours: 24, timeoutMs: 5_000 });
    await bearer.read(0);
    const basicAuth = `Basic ${Buffer.from('ops:pa$s').toString('base64')}`;
    expect(seen.map((s) => s.authorization)).toEqual([basicAuth, basicAuth, 'Bearer tok-123', 'Bearer tok-123']);
    expect(basic.description).toBe(`Prometheus ${at('/')} (kube_pod_container_info, last 24h)`);
    expect(read.incomplete).toEqual([
      {
        scope: 'kubernetes',
        accountId: '',
        region: '',
        target: at('/'),
        operation: 'query kube_pod_container_info',
        error: 'HTTP 401: unauthorized: bad credentials',
      },
    ]);
    expect(JSON.stringify([basic.description, read])).not.toMatch(/pa\$s|pa%24s/);
  });

  it.each<[string, Handler, string]>([
    [
      'an error answer',
      json(422, { status: 'error', errorType: 'execution', error: 'query processing would load too many samples' }),
      'HTTP 422: execution: query processing would load too many samples',
    ],
    ['a non-2xx page from a proxy', (_q, res) => res.writeHead(502).end('<html>Bad gateway</html>'), 'HTTP 502'],
    ['a body that is not JSON', (_q, res) => res.writeHead(200).end('hello'), 'not a Prometheus API answer (not JSON)'],
    [
      'a matrix instead of a vector',
      json(200, { status: 'success', data: { resultType: 'matrix', result: [] } }),
      'not a Prometheus API answer: data.resultType: Invalid input: expected "vector"',
    ],
    [
      'labels that are not strings',
      json(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: { pod: 1 } }] } }),
      'not a Prometheus API answer: data.result.0.metric.pod: Invalid input: expected string, received number',
    ],
    ['an empty answer', vector([]), 'no kube_pod_container_info series in the last 24h'],
    [
      'a partial answer',
      json(200, {
        status: 'success',
        data: { resultType: 'vector', result: [] },
        warnings: ['store 10.0.0.1 unavailable'],
      }),
      'partial answer: store 10.0.0.1 unavailable',
    ],
  ])('reports %s as Incomplete', async (_name, answer, error) => {
    handler = answer;
    const read = await createKubernetesSource({ url: at(), lookbackHours: 24, timeoutMs: 5_000 }).read(0);
    expect(read.uses).toEqual([]);
    expect(read.incomplete.map((i) => i.error)).toEqual([error]);
  });

  it('caps the body, declared or streamed', async () => {
    const big = { status: 'success', data: { resultType: 'vector', result: [{ metric: { pod: 'x'.repeat(500) } }] } };
    handler = json(200, big);
    const declared = await createKubernetesSource({
      url: at(),
      lookbackHours: 24,
      timeoutMs: 5_000,
      maxBytes: 256,
    }).read(0);
    handler = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify(big).slice(0, 200));
      res.end(JSON.stringify(big).slice(200));
    };
    const streamed = await createKubernetesSource({
      url: at(),
      lookbackHours: 24,
      timeoutMs: 5_000,
      maxBytes: 256,
    }).read(0);
    expect([...declared.incomplete, ...streamed.incomplete].map((i) => i.error)).toEqual([
      'larger than the 256-byte cap',
      'larger than the 256-byte cap',
    ]);
  });

  it('times out a Prometheus that never answers and reports a refused connection', async () => {
    handler = () => undefined;
    const slow = await createKubernetesSource({ url: at(), lookbackHours: 24, timeoutMs: 150 }).read(0);
    expect(slow.incomplete.map((i) => i.error)).toEqual(['timed out after 150 ms']);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await createKubernetesSource({
      url: `http://u:hunter2@127.0.0.1:${closedPort}`,
      lookbackHours: 24,
      timeoutMs: 5_000,
    }).read(0);
    expect(refused.incomplete).toEqual([
      expect.objectContaining({
        target: `http://127.0.0.1:${closedPort}/`,
        error: `fetch failed: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
      }),
    ]);
  });

  it('reports an invalid URL on read, without echoing it', async () => {
    const source = createKubernetesSource({ url: 'http://u:se cret@[bad', lookbackHours: 24, timeoutMs: 1_000 });
    const read = await source.read(0);
    expect(source.description).toBe('Prometheus (invalid URL) (kube_pod_container_info, last 24h)');
    expect(read.incomplete.map((i) => [i.target, i.error])).toEqual([['(invalid URL)', 'Invalid URL']]);
  });
});

describe('the cluster checks', () => {
  const target = () => `http://127.0.0.1:${port}/`;
  const read = (o: Partial<KubernetesSourceOptions> = {}) =>
    createKubernetesSource({ url: `http://127.0.0.1:${port}`, lookbackHours: 24, timeoutMs: 5_000, ...o }).read(0);
  const web = (cluster?: string) => ({
    ...(cluster ? { cluster } : {}),
    namespace: 'shop',
    pod: 'web-1',
    container: 'web',
    image: `${WEB}:v1`,
    image_id: `${WEB}@${D1}`,
  });
  const useIn = (cluster?: string) => pod({ ...(cluster ? { cluster } : {}), reference: `${WEB}:v1`, digest: D1 });
  const now = (...clusters: string[]) =>
    vector(clusters.map((cluster): Record<string, string> => (cluster ? { cluster } : {})));
  const entry = (operation: string, error: string) => ({
    scope: 'kubernetes',
    accountId: '',
    region: '',
    target: target(),
    operation,
    error,
  });
  const STALE =
    ': series in the last 24h but none now; check that kube-state-metrics is up and scraped (its Prometheus ' +
    'target, its cluster label). A cluster that really runs no pods, or was removed, stops being reported once ' +
    'its last pod is older than the lookback window';

  it('reports listed clusters without series in the window, and still returns the others', async () => {
    handler = byQuery(vector([web('prod'), web('staging')]), now('prod', 'staging'));
    expect(await read({ clusters: ['prod', 'staging', 'dr', 'qa'] })).toEqual({
      uses: [useIn('prod'), useIn('staging')],
      incomplete: [
        entry(
          'check KUBERNETES_PROMETHEUS_CLUSTERS',
          'clusters "dr", "qa" listed in KUBERNETES_PROMETHEUS_CLUSTERS: no kube_pod_container_info series in the ' +
            'last 24h; check that kube-state-metrics runs there, that Prometheus scrapes it and that relabelling ' +
            'sets this cluster label',
        ),
      ],
    });
    expect(await read({ clusters: ['staging', 'prod'] })).toEqual({
      uses: [useIn('prod'), useIn('staging')],
      incomplete: [],
    });
  });

  it('reports a cluster in the window that is not scraped now, keeping its pods', async () => {
    handler = byQuery(vector([web('prod'), web('staging'), web('dev')]), now('prod'));
    expect(await read()).toEqual({
      uses: [useIn('dev'), useIn('prod'), useIn('staging')],
      incomplete: [entry('query kube_pod_container_info now', `clusters "dev", "staging"${STALE}`)],
    });
    // Both checks at once: one entry each.
    handler = byQuery(vector([web('prod'), web('staging')]), now('prod'));
    expect((await read({ clusters: ['prod', 'dr'] })).incomplete.map((i) => [i.operation, i.error])).toEqual([
      [
        'check KUBERNETES_PROMETHEUS_CLUSTERS',
        expect.stringMatching(/^cluster "dr" listed in KUBERNETES_PROMETHEUS_CLUSTERS: /),
      ],
      ['query kube_pod_container_info now', `cluster "staging"${STALE}`],
    ]);
  });

  it('without a cluster label, reports the whole source when nothing is scraped now', async () => {
    handler = byQuery(vector([web()]), now());
    expect(await read()).toEqual({
      uses: [useIn()],
      incomplete: [entry('query kube_pod_container_info now', `kube_pod_container_info${STALE}`)],
    });
    handler = byQuery(vector([web(), web('prod'), web('dev')]), now('prod'));
    expect((await read()).incomplete.map((i) => i.error)).toEqual([`clusters (no cluster label), "dev"${STALE}`]);
    handler = byQuery(vector([web()]), now(''));
    expect(await read()).toEqual({ uses: [useIn()], incomplete: [] });
  });

  it.each<[string, Handler, Partial<KubernetesSourceOptions>, string]>([
    ['a proxy error page', (_q, res) => res.writeHead(503).end('unavailable'), {}, 'HTTP 503'],
    [
      'a partial answer',
      json(200, { status: 'success', data: { resultType: 'vector', result: [] }, warnings: ['store down'] }),
      {},
      'partial answer: store down',
    ],
    ['an answer over the cap', now('x'.repeat(2_000)), { maxBytes: 1_024 }, 'larger than the 1024-byte cap'],
    ['no answer in time', () => undefined, { timeoutMs: 500 }, 'timed out after 500 ms'],
  ])('keeps the uses and reports %s to the query of clusters scraped now', async (_name, answer, o, error) => {
    handler = byQuery(vector([web('prod')]), answer);
    expect(await read(o)).toEqual({
      uses: [useIn('prod')],
      incomplete: [entry('query kube_pod_container_info now', error)],
    });
  });
});

describe('kubernetesSourceFromEnv', () => {
  it('is disabled without a URL and applies the defaults', () => {
    expect(kubernetesSourceFromEnv({})).toBeUndefined();
    expect(
      kubernetesSourceFromEnv({ KUBERNETES_PROMETHEUS_URL: '', KUBERNETES_PROMETHEUS_TOKEN: 'x' }),
    ).toBeUndefined();
    expect(kubernetesSourceFromEnv({ KUBERNETES_PROMETHEUS_URL: 'http://prometheus:9090' })).toEqual({
      url: 'http://prometheus:9090',
      lookbackHours: 24,
      timeoutMs: 30_000,
    });
    expect(
      kubernetesSourceFromEnv({
        KUBERNETES_PROMETHEUS_URL: 'https://thanos.example.com/prom',
        KUBERNETES_PROMETHEUS_TOKEN: 'abc',
        KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: '2160',
        KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS: '5',
      }),
    ).toEqual({ url: 'https://thanos.example.com/prom', bearerToken: 'abc', lookbackHours: 2160, timeoutMs: 5_000 });
  });

  it('reads KUBERNETES_PROMETHEUS_CLUSTERS as a trimmed list without duplicates', () => {
    const url = 'http://prometheus:9090';
    expect(
      kubernetesSourceFromEnv({
        KUBERNETES_PROMETHEUS_URL: url,
        KUBERNETES_PROMETHEUS_CLUSTERS: ' prod , eks-b,prod ',
      }),
    ).toEqual({ url, lookbackHours: 24, timeoutMs: 30_000, clusters: ['prod', 'eks-b'] });
    expect(kubernetesSourceFromEnv({ KUBERNETES_PROMETHEUS_URL: url, KUBERNETES_PROMETHEUS_CLUSTERS: ' ' })).toEqual({
      url,
      lookbackHours: 24,
      timeoutMs: 30_000,
    });
  });

  it.each([
    ['an empty entry', 'prod,,staging'],
    ['a trailing comma', 'prod,'],
    ['only a comma', ','],
    ['a 257-character name', 'x'.repeat(257)],
    ['1001 clusters', Array.from({ length: 1001 }, (_, i) => `c${i}`).join(',')],
  ])('rejects KUBERNETES_PROMETHEUS_CLUSTERS with %s, without echoing it', (_name, clusters) => {
    expect(() =>
      kubernetesSourceFromEnv({ KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_CLUSTERS: clusters }),
    ).toThrow(
      new Error(
        'KUBERNETES_PROMETHEUS_CLUSTERS: must be 1-1000 comma-separated cluster label values, none empty, each 1-256 characters',
      ),
    );
  });

  it.each<[Record<string, string>, string]>([
    [{ KUBERNETES_PROMETHEUS_URL: 'prometheus:9090' }, 'KUBERNETES_PROMETHEUS_URL: must be an http(s) URL'],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: '0' },
      'KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: must be an integer 1-2160',
    ],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: '2161' },
      'KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: must be an integer 1-2160',
    ],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: '1.5' },
      'KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: must be an integer 1-2160',
    ],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS: 'abc' },
      'KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS: must be an integer 1-600',
    ],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://u:p@p', KUBERNETES_PROMETHEUS_TOKEN: 't' },
      'KUBERNETES_PROMETHEUS_TOKEN: cannot be combined',
    ],
  ])('rejects %j with a message starting with the variable', (env, message) => {
    let thrown = '';
    try {
      kubernetesSourceFromEnv(env);
    } catch (error) {
      thrown = (error as Error).message;
    }
    expect(thrown.slice(0, message.length)).toBe(message);
  });
});
