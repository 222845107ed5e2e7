/**
 * The Kubernetes source's cluster checks against a fake Prometheus (fake-prometheus.ts): listed clusters
 * missing from the window, and clusters in the window that are not scraped now.
 */
import { describe, expect, it } from 'vitest';
import type { KubernetesSourceOptions } from '../../src/uses/kubernetes.js';
import { createKubernetesSource } from '../../src/uses/kubernetes.js';
import type { Handler } from './fake-prometheus.js';
import { D1, WEB, byQuery, fakePrometheus, json, pod, vector } from './fake-prometheus.js';

const prometheus = fakePrometheus();

describe('the cluster checks', () => {
  const target = () => `http://127.0.0.1:${prometheus.port}/`;
  const read = (o: Partial<KubernetesSourceOptions> = {}) =>
    createKubernetesSource({ url: `http://127.0.0.1:${prometheus.port}`, lookbackHours: 24, timeoutMs: 5_000, ...o }).read(0);
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
    prometheus.handler = byQuery(vector([web('prod'), web('staging')]), now('prod', 'staging'));
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
    prometheus.handler = byQuery(vector([web('prod'), web('staging'), web('dev')]), now('prod'));
    expect(await read()).toEqual({
      uses: [useIn('dev'), useIn('prod'), useIn('staging')],
      incomplete: [entry('query kube_pod_container_info now', `clusters "dev", "staging"${STALE}`)],
    });
    // Both checks at once: one entry each.
    prometheus.handler = byQuery(vector([web('prod'), web('staging')]), now('prod'));
    expect((await read({ clusters: ['prod', 'dr'] })).incomplete.map((i) => [i.operation, i.error])).toEqual([
      [
        'check KUBERNETES_PROMETHEUS_CLUSTERS',
        expect.stringMatching(/^cluster "dr" listed in KUBERNETES_PROMETHEUS_CLUSTERS: /),
      ],
      ['query kube_pod_container_info now', `cluster "staging"${STALE}`],
    ]);
  });

  it('without a cluster label, reports the whole source when nothing is scraped now', async () => {
    prometheus.handler = byQuery(vector([web()]), now());
    expect(await read()).toEqual({
      uses: [useIn()],
      incomplete: [entry('query kube_pod_container_info now', `kube_pod_container_info${STALE}`)],
    });
    prometheus.handler = byQuery(vector([web(), web('prod'), web('dev')]), now('prod'));
    expect((await read()).incomplete.map((i) => i.error)).toEqual([`clusters (no cluster label), "dev"${STALE}`]);
    prometheus.handler = byQuery(vector([web()]), now(''));
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
    prometheus.handler = byQuery(vector([web('prod')]), answer);
    expect(await read(o)).toEqual({
      uses: [useIn('prod')],
      incomplete: [entry('query kube_pod_container_info now', error)],
    });
  });
});
