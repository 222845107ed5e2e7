/**
 * The Kubernetes in-use source against a real Prometheus that scrapes a kube-state-metrics stand-in (a
 * loopback HTTP server whose exposition the test changes). The target carries a `cluster` label, as
 * relabelling adds one on multi-cluster setups. A pod removed from the exposition is gone from an instant
 * query after the next scrape, yet the source still reports it: the lookback window keeps it in use.
 * A second stand-in plays cluster eks-b: when its exposition empties, its pods still count (window) but the
 * source reports that cluster as no longer scraped.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageUse } from '../../sidecar/src/snapshot/model.js';
import { createKubernetesSource } from '../../sidecar/src/uses/kubernetes.js';
import { digest } from '../../sidecar/test/support/builders.js';
import type { PrometheusHandle } from '../support/prometheus.js';
import { startPrometheus } from '../support/prometheus.js';

const WEB = '111111111111.dkr.ecr.us-east-1.amazonaws.com/web';
const API = '111111111111.dkr.ecr.us-east-1.amazonaws.com/api';
const JOBS = '222222222222.dkr.ecr.eu-west-1.amazonaws.com/jobs';
const WEB_V1 = digest('web-v1');
const JOBS_V7 = digest('jobs-v7');
const API_V2 = digest('api-v2');

interface Container {
  readonly metric: 'kube_pod_container_info' | 'kube_pod_init_container_info';
  readonly pod: string;
  readonly container: string;
  readonly spec: string;
  readonly image: string;
  readonly imageId: string;
}

// As kube-state-metrics writes them: containerd and Docker image ids, one still pulling, one not on ECR.
const CONTAINERS: readonly Container[] = [
  {
    metric: 'kube_pod_container_info',
    pod: 'web-1',
    container: 'web',
    spec: `${WEB}:v1`,
    image: `${WEB}:v1`,
    imageId: `${WEB}@${WEB_V1}`,
  },
  { metric: 'kube_pod_container_info', pod: 'api-1', container: 'api', spec: API, image: `${API}:latest`, imageId: '' },
  {
    metric: 'kube_pod_container_info',
    pod: 'cron-1',
    container: 'job',
    spec: `${JOBS}:v7`,
    image: `${JOBS}:v7`,
    imageId: `docker-pullable://${JOBS}@${JOBS_V7}`,
  },
  {
    metric: 'kube_pod_container_info',
    pod: 'proxy-1',
    container: 'nginx',
    spec: 'nginx:1.25',
    image: 'docker.io/library/nginx:1.25',
    imageId: `docker.io/library/nginx@${digest('nginx')}`,
  },
  {
    metric: 'kube_pod_init_container_info',
    pod: 'api-1',
    container: 'migrate',
    spec: `${JOBS}:v7`,
    image: `${JOBS}:v7`,
    imageId: `${JOBS}@${JOBS_V7}`,
  },
];

// Cluster eks-b's only pod.
const CONTAINERS_B: readonly Container[] = [
  {
    metric: 'kube_pod_container_info',
    pod: 'etl-1',
    container: 'etl',
    spec: `${API}:2.0`,
    image: `${API}:2.0`,
    imageId: `${API}@${API_V2}`,
  },
];

let exposed: readonly Container[] = CONTAINERS;
let exposedB: readonly Container[] = CONTAINERS_B;

function exposition(containers: readonly Container[]): string {
  const lines: string[] = [];
  for (const metric of ['kube_pod_container_info', 'kube_pod_init_container_info'] as const) {
    lines.push(`# HELP ${metric} Information about a container in a pod.`, `# TYPE ${metric} gauge`);
    for (const c of containers.filter((x) => x.metric === metric)) {
      lines.push(
        `${metric}{namespace="shop",pod="${c.pod}",uid="uid-${c.pod}",container="${c.container}",image_spec="${c.spec}",image="${c.image}",image_id="${c.imageId}",container_id="containerd://${c.pod}-${c.container}"} 1`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const use = (patch: Partial<ImageUse> & Pick<ImageUse, 'pod' | 'container' | 'reference'>): ImageUse => ({
  kind: 'pod',
  accountId: '111111111111',
  region: 'us-east-1',
  cluster: 'eks-test',
  namespace: 'shop',
  ...patch,
});

const JOBS_USE = { accountId: '222222222222', region: 'eu-west-1' };
// Sorted as the source sorts: by use identity (account, region, cluster, container, namespace, pod, reference).
const EXPECTED: readonly ImageUse[] = [
  use({ pod: 'api-1', container: 'api', reference: `${API}:latest` }),
  use({ pod: 'api-1', container: 'api', reference: API }),
  use({ pod: 'web-1', container: 'web', reference: `${WEB}:v1`, digest: WEB_V1 }),
  use({ ...JOBS_USE, pod: 'cron-1', container: 'job', reference: `${JOBS}:v7`, digest: JOBS_V7 }),
  use({ ...JOBS_USE, pod: 'api-1', container: 'migrate', reference: `${JOBS}:v7`, digest: JOBS_V7 }),
];
// eks-b sorts before eks-test.
const EXPECTED_ALL: readonly ImageUse[] = [
  use({ cluster: 'eks-b', pod: 'etl-1', container: 'etl', reference: `${API}:2.0`, digest: API_V2 }),
  ...EXPECTED,
];

let kube: Server;
let kubeB: Server;
let prometheus: PrometheusHandle;

/** A kube-state-metrics stand-in on loopback serving what `containers()` holds at each scrape. */
async function standIn(containers: () => readonly Container[]): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(exposition(containers()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const clustersNow = async (): Promise<string[]> =>
  (await prometheus.query('count by (cluster) (kube_pod_container_info)')).map((s) => s.metric.cluster ?? '').sort();

beforeAll(async () => {
  const a = await standIn(() => exposed);
  const b = await standIn(() => exposedB);
  kube = a.server;
  kubeB = b.server;
  prometheus = await startPrometheus({
    interval: '1s',
    scrapeConfigs: [
      {
        job_name: 'kube-state-metrics',
        static_configs: [
          { targets: [`127.0.0.1:${a.port}`], labels: { cluster: 'eks-test' } },
          { targets: [`127.0.0.1:${b.port}`], labels: { cluster: 'eks-b' } },
        ],
      },
    ],
  });
  await prometheus.waitFor('kube_pod_container_info', (r) => r.length === 5);
  await prometheus.waitFor('kube_pod_init_container_info', (r) => r.length === 1);
});

afterAll(async () => {
  await prometheus?.stop();
  for (const server of [kube, kubeB])
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('the Kubernetes source on a real Prometheus', () => {
  it('reads every ECR container with its cluster, digest and reference as written', async () => {
    const source = createKubernetesSource({
      url: prometheus.url,
      lookbackHours: 24,
      timeoutMs: 10_000,
      clusters: ['eks-test', 'eks-b'],
    });
    expect(await source.read(Date.now())).toEqual({ uses: EXPECTED_ALL, incomplete: [] });
  });

  it('still reports a pod gone since, within the lookback window', async () => {
    exposed = CONTAINERS.filter((c) => c.pod !== 'web-1');
    // The next scrape writes a staleness marker: an instant query no longer sees the pod.
    await prometheus.waitFor('kube_pod_container_info{pod="web-1"}', (r) => r.length === 0);
    expect(
      (await prometheus.query('kube_pod_container_info{cluster="eks-test"}')).map((s) => s.metric.pod).sort(),
    ).toEqual(['api-1', 'cron-1', 'proxy-1']);
    const source = createKubernetesSource({ url: `${prometheus.url}/`, lookbackHours: 1, timeoutMs: 10_000 });
    expect(await source.read(Date.now())).toEqual({ uses: EXPECTED_ALL, incomplete: [] });
  });

  it('reports a cluster no longer scraped as incomplete, still counting its pods within the lookback', async () => {
    exposedB = [];
    // Every eks-b series gets a staleness marker at the next scrape: only eks-test is there now.
    await prometheus.waitFor('count by (cluster) (kube_pod_container_info)', (r) => r.length === 1);
    expect(await clustersNow()).toEqual(['eks-test']);
    const source = createKubernetesSource({
      url: prometheus.url,
      lookbackHours: 1,
      timeoutMs: 10_000,
      clusters: ['eks-test', 'eks-b', 'eks-c'],
    });
    const entry = { scope: 'kubernetes', accountId: '', region: '', target: `${prometheus.url}/` };
    expect(await source.read(Date.now())).toEqual({
      uses: EXPECTED_ALL,
      incomplete: [
        {
          ...entry,
          operation: 'check KUBERNETES_PROMETHEUS_CLUSTERS',
          error: expect.stringMatching(/^cluster "eks-c" listed in KUBERNETES_PROMETHEUS_CLUSTERS: no kube_pod_/),
        },
        {
          ...entry,
          operation: 'query kube_pod_container_info now',
          error: expect.stringMatching(/^cluster "eks-b": series in the last 1h but none now; check that kube-state-/),
        },
      ],
    });
  });

  it('reports a wrong base path as Incomplete, with Prometheus answering 404', async () => {
    const url = `${prometheus.url}/nothing-here`;
    const read = await createKubernetesSource({ url, lookbackHours: 24, timeoutMs: 10_000 }).read(Date.now());
    expect(read).toEqual({
      uses: [],
      incomplete: [
        {
          scope: 'kubernetes',
          accountId: '',
          region: '',
          target: url,
          operation: 'query kube_pod_container_info',
          error: 'HTTP 404',
        },
      ],
    });
  });
});
