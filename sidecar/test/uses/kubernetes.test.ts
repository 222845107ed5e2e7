/**
 * The Kubernetes source reading Prometheus (fake-prometheus.ts): the request it makes (form-encoded query,
 * auth headers), how kube-state-metrics' labels and image_id forms become uses, and every failure becoming
 * one Incomplete entry without credentials. The cluster checks are in kubernetes-clusters.test.ts, the
 * settings in kubernetes-env.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { KUBERNETES_NOW_QUERY, createKubernetesSource, kubernetesQuery, usesOfAnswer } from '../../src/uses/kubernetes.js';
import { digest } from '../support/builders.js';
import type { Handler } from './fake-prometheus.js';
import { CONFIG, D1, D2, JOB, WEB, fakePrometheus, json, pod, vector } from './fake-prometheus.js';

const prometheus = fakePrometheus();

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
  const at = (path = '') => `http://127.0.0.1:${prometheus.port}${path}`;

  it('posts the lookback query form-encoded under the base path and reads pods, init containers included', async () => {
    prometheus.handler = vector([
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
    expect(prometheus.seen.map((s) => [s.method, s.url, s.contentType, s.authorization])).toEqual([
      ['POST', '/prom/api/v1/query', 'application/x-www-form-urlencoded;charset=UTF-8', undefined],
      ['POST', '/prom/api/v1/query', 'application/x-www-form-urlencoded;charset=UTF-8', undefined],
    ]);
    expect(prometheus.seen.map((s) => Object.fromEntries(s.form)).sort((a, b) => a.query!.localeCompare(b.query!))).toEqual([
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
    prometheus.handler = json(401, { status: 'error', errorType: 'unauthorized', error: 'bad credentials' });
    const basic = createKubernetesSource({
      url: `http://ops:pa%24s@127.0.0.1:${prometheus.port}`,
      lookbackHours: 24,
      timeoutMs: 5_000,
    });
    const read = await basic.read(0);
    const bearer = createKubernetesSource({ url: at(), bearerToken: 'tok-123', lookbackHours: 24, timeoutMs: 5_000 });
    await bearer.read(0);
    const basicAuth = `Basic ${Buffer.from('ops:pa$s').toString('base64')}`;
    expect(prometheus.seen.map((s) => s.authorization)).toEqual([basicAuth, basicAuth, 'Bearer tok-123', 'Bearer tok-123']);
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
    prometheus.handler = answer;
    const read = await createKubernetesSource({ url: at(), lookbackHours: 24, timeoutMs: 5_000 }).read(0);
    expect(read.uses).toEqual([]);
    expect(read.incomplete.map((i) => i.error)).toEqual([error]);
  });

  it('caps the body, declared or streamed', async () => {
    const big = { status: 'success', data: { resultType: 'vector', result: [{ metric: { pod: 'x'.repeat(500) } }] } };
    prometheus.handler = json(200, big);
    const declared = await createKubernetesSource({
      url: at(),
      lookbackHours: 24,
      timeoutMs: 5_000,
      maxBytes: 256,
    }).read(0);
    prometheus.handler = (_q, res) => {
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
    prometheus.handler = () => undefined;
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
