/**
 * A real Prometheus on loopback scrapes the sidecar's /metrics (with its METRICS_TOKEN) and a static
 * kube-state-metrics stand-in, loads the provisioned rules, and PromQL answers with the expected series,
 * including the exporter README's joins on `image` with kube_pod_container_info.
 *
 * The sidecar here is the real HTTP app (createApp + the /metrics route module) over a hand-built snapshot
 * (sidecar/test/metrics/fixture.ts), so every value is known exactly and the static kube-state-metrics
 * file (provisioning/prometheus/fixtures) names its images. demo-sidecar.test.ts does the same against
 * the demo sidecar (emulator + refresher).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRICES } from '../../sidecar/src/cost/pricing.js';
import { createApp } from '../../sidecar/src/http/app.js';
import { metricsRoute } from '../../sidecar/src/http/metrics.js';
import { MetricsConfig } from '../../sidecar/src/metrics/config.js';
import { metricsFixture, web } from '../../sidecar/test/metrics/fixture.js';
import { NOW, fakeInventory } from '../../sidecar/test/support/builders.js';
import type { FakeInventory } from '../../sidecar/test/support/builders.js';
import type { PrometheusHandle, VectorSample } from '../support/prometheus.js';
import { startPrometheus } from '../support/prometheus.js';

const PROVISIONING = fileURLToPath(new URL('../../provisioning/prometheus/', import.meta.url));
const TOKEN = 'cross-test-metrics-token';
const MIB = 1024 * 1024;
const WEB = web.uri;

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: Server | undefined): Promise<void> =>
  new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));

const byLabels = (samples: VectorSample[], ...keys: string[]) =>
  samples
    .map((s) => [...keys.map((k) => s.metric[k] ?? ''), s.value])
    .sort((a, b) => String(a).localeCompare(String(b)));

let inventory: FakeInventory;
let sidecar: Server;
let kube: Server;
let prometheus: PrometheusHandle;
/** The Content-Encoding of each /metrics answer that Prometheus read (200). */
const scrapeEncodings: (string | null)[] = [];

beforeAll(async () => {
  inventory = fakeInventory(metricsFixture(7));
  const app = createApp({
    inventory,
    query: { now: () => NOW, prices: DEFAULT_PRICES },
    routes: [
      metricsRoute({ inventory, config: MetricsConfig.parse({ METRICS_TOKEN: TOKEN }), refreshIntervalSeconds: 1800 }),
    ],
  });
  const sidecarPort = await new Promise<number>((resolve) => {
    const fetch = async (request: Request): Promise<Response> => {
      const response = await app.fetch(request);
      if (new URL(request.url).pathname === '/metrics' && response.status === 200) scrapeEncodings.push(response.headers.get('content-encoding'));
      return response;
    };
    sidecar = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)) as Server;
  });

  const kubeText = await readFile(`${PROVISIONING}fixtures/kube-state-metrics.prom`, 'utf8');
  kube = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(kubeText);
  });
  const kubePort = await listen(kube);

  prometheus = await startPrometheus({
    ruleFiles: [`${PROVISIONING}rules/ecr-lens.yml`],
    scrapeConfigs: [
      {
        job_name: 'ecr-lens',
        static_configs: [{ targets: [`127.0.0.1:${sidecarPort}`] }],
        authorization: { type: 'Bearer', credentials: TOKEN },
      },
      { job_name: 'ecr-lens-no-token', static_configs: [{ targets: [`127.0.0.1:${sidecarPort}`] }] },
      { job_name: 'kube-state-metrics', static_configs: [{ targets: [`127.0.0.1:${kubePort}`] }] },
    ],
  });
  await prometheus.waitFor('up{job=~"ecr-lens|kube-state-metrics"} == 1', (r) => r.length === 2);
  // Each target is scraped on its own schedule: wait until the refused one has been tried too.
  await prometheus.waitFor('up{job="ecr-lens-no-token"} == 0', (r) => r.length === 1);
  await prometheus.waitFor('aws_ecr_image_scan_severity_count', (r) => r.length > 0);
  await prometheus.waitFor('kube_pod_container_info', (r) => r.length > 0);
});

afterAll(async () => {
  await prometheus?.stop();
  await close(sidecar);
  await close(kube);
});

describe('Prometheus scraping the sidecar', () => {
  it('scrapes with the metrics token and is refused without it', async () => {
    const targets = await prometheus.targets();
    expect(targets.find((t) => t.job === 'ecr-lens')?.health).toBe('up');
    const refused = targets.find((t) => t.job === 'ecr-lens-no-token');
    expect(refused?.health).toBe('down');
    expect(refused?.lastError).toContain('401');
    // Prometheus asks for gzip: every exposition it read was the sidecar's one gzip member (its kept part and the live part).
    expect(scrapeEncodings.length).toBeGreaterThan(0);
    expect(new Set(scrapeEncodings)).toEqual(new Set(['gzip']));
  });

  it('answers the Go exporter queries', async () => {
    expect(byLabels(await prometheus.query('ecr_repositories_total{job="ecr-lens"}'))).toEqual([[5]]);
    expect(byLabels(await prometheus.query('ecr_images_total{repository_name="web"}'), 'repository_uri')).toEqual([
      ['111111111111.dkr.ecr.eu-west-1.amazonaws.com/web', 1],
      [WEB, 3],
    ]);
    expect(byLabels(await prometheus.query('topk(1, ecr_images_total)'), 'repository_name')).toEqual([['team/api', 4]]);
    expect(byLabels(await prometheus.query(`ecr_image_size_avg_bytes{repository_uri="${WEB}"}`))).toEqual([[60 * MIB]]);
    expect(byLabels(await prometheus.query('ecr_scrape_errors_total{job="ecr-lens"}'))).toEqual([[0]]);
  });

  it('gives every tag the scan series, with image = repositoryUri:tag', async () => {
    const critical = await prometheus.query('aws_ecr_image_scan_severity_count{severity="CRITICAL"}');
    expect(byLabels(critical, 'image', 'name', 'tag')).toEqual([
      [`${WEB}:latest`, 'web', 'latest', 2],
      [`${WEB}:v1`, 'web', 'v1', 2],
    ]);
    // Unknown scans are not zero-filled: web:v0 has a size but no scan series.
    expect(await prometheus.query(`aws_ecr_image_scan_severity_count{image="${WEB}:v0"}`)).toEqual([]);
    expect(byLabels(await prometheus.query(`aws_ecr_image_size_in_bytes{image="${WEB}:v0"}`))).toEqual([[50 * MIB]]);
  });

  it('joins with kube_pod_container_info on image (README query 1: pods with CRITICAL images)', async () => {
    const result = await prometheus.query(
      'max by (namespace, container, image, pod) (kube_pod_container_info) * on (image) group_left(name, tag) aws_ecr_image_scan_severity_count{severity="CRITICAL"}',
    );
    expect(byLabels(result, 'namespace', 'pod', 'image', 'name', 'tag')).toEqual([
      ['shop', 'web-1', `${WEB}:v1`, 'web', 'v1', 2],
      ['shop', 'web-2', `${WEB}:latest`, 'web', 'latest', 2],
      ['shop', 'web-3', `${WEB}:v1`, 'web', 'v1', 2],
    ]);
  });

  it('joins running containers (README query 4) and fires the Kubernetes alert as pending', async () => {
    const result = await prometheus.query(
      'max without (pod) (max by (pod) (kube_pod_container_status_running > 0) * on (pod) group_right() max by (pod, namespace, container, image) (kube_pod_container_info) * on (image) group_left(name, tag) aws_ecr_image_scan_severity_count{severity="CRITICAL"})',
    );
    // web-3 is not running; web-1 and web-2 run v1 and latest.
    expect(byLabels(result, 'namespace', 'container', 'image', 'tag')).toEqual([
      ['shop', 'web', `${WEB}:latest`, 'latest', 2],
      ['shop', 'web', `${WEB}:v1`, 'v1', 2],
    ]);
    const pending = await prometheus.waitFor(
      'ALERTS{alertname="EcrLensCriticalImageRunningInKubernetes"}',
      (r) => r.length === 2,
    );
    expect(byLabels(pending, 'image', 'alertstate')).toEqual([
      [`${WEB}:latest`, 'pending', 1],
      [`${WEB}:v1`, 'pending', 1],
    ]);
  });

  it('serves our per-repository families and the provisioned recording rules', async () => {
    const dedup = await prometheus.query('ecrlens_repository_deduplicated_size_bytes{region="us-east-1"}');
    expect(byLabels(dedup, 'repository_name')).toEqual([
      ['empty', 0],
      ['team/api', 42 * MIB],
      ['web', 135 * MIB],
    ]);
    expect(
      byLabels(await prometheus.query('ecrlens_repository_critical_images_in_use > 0'), 'repository_name'),
    ).toEqual([
      ['team/api', 1],
      ['web', 1],
    ]);
    const thresholds = await prometheus.waitFor(
      'ecrlens:repository_storage_threshold_bytes{region="us-east-1"}',
      (r) => r.length === 3,
    );
    expect(byLabels(thresholds, 'repository_name')).toEqual([
      ['empty', 100 * 1024 ** 3],
      ['team/api', 100 * 1024 ** 3],
      ['web', 1000],
    ]);
    const alerts = await prometheus.waitFor(
      'ALERTS{alertname=~"EcrLensCriticalImageRunning|EcrLensRepositoryStorageOverThreshold"}',
      (r) => r.length === 3,
    );
    expect(byLabels(alerts, 'alertname', 'repository_name', 'alertstate')).toEqual([
      ['EcrLensCriticalImageRunning', 'team/api', 'pending', 1],
      ['EcrLensCriticalImageRunning', 'web', 'pending', 1],
      ['EcrLensRepositoryStorageOverThreshold', 'web', 'pending', 1],
    ]);
  });

  it('follows the inventory: failed refreshes raise the counter, a new snapshot replaces the series', async () => {
    inventory.set(inventory.snapshot(), {
      refreshErrorsTotal: 2,
      stale: true,
      consecutiveFailures: 2,
      lastDurationMs: 1500,
    });
    await prometheus.waitFor('ecr_scrape_errors_total{job="ecr-lens"} == 2', (r) => r.length === 1);
    expect(byLabels(await prometheus.query('ecrlens_inventory_stale{job="ecr-lens"}'))).toEqual([[1]]);
    inventory.set(metricsFixture(8), { refreshErrorsTotal: 2, lastSuccessAt: NOW + 60_000 });
    await prometheus.waitFor('ecrlens_inventory_snapshot_version{job="ecr-lens"} == 8', (r) => r.length === 1);
    expect(byLabels(await prometheus.query('ecrlens_inventory_stale{job="ecr-lens"}'))).toEqual([[0]]);
    const histogram = await prometheus.query('ecrlens_inventory_refresh_duration_seconds_count{job="ecr-lens"}');
    expect(byLabels(histogram)).toEqual([[3]]);
  });
});
