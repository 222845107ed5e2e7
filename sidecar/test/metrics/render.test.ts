import { crc32, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipMember } from '../../src/metrics/deflated-text.js';
import { MetricsConfig, defaultMetricsConfig } from '../../src/metrics/config.js';
import type { MetricsDeps } from '../../src/metrics/renderer.js';
import { MetricsRenderer } from '../../src/metrics/renderer.js';
import { DAY, NOW, fakeInventory, makeIncomplete, makeSnapshot } from '../support/builders.js';
import { collectGarbage } from '../support/collect.js';
import { keptText } from '../support/deflated.js';
import { familyTypes, find, parseSamples, value } from './exposition.js';
import { api, apiIndex, broken, empty, metricsFixture, web, webEu, webV0, webV1 } from './fixture.js';

const MIB = 1024 * 1024;
const config = (env: Record<string, string> = {}) => MetricsConfig.parse(env);

async function render(patch: Partial<MetricsDeps> = {}, format: 'prometheus' | 'openmetrics' = 'prometheus') {
  const renderer = new MetricsRenderer({
    inventory: fakeInventory(metricsFixture()),
    config: defaultMetricsConfig(),
    ...patch,
  });
  const out = await renderer.render(format);
  return { ...out, samples: parseSamples(out.body) };
}

const goLabels = (repo: { name: string; uri: string }) => ({ repository_name: repo.name, repository_uri: repo.uri });
const repoLabels = (repo: { accountId: string; region: string; name: string }) => ({
  registry_id: repo.accountId,
  region: repo.region,
  repository_name: repo.name,
});

describe('the Go exporter set', () => {
  it('has the same names and labels, with per-repository figures', async () => {
    const { samples } = await render();
    expect(value(samples, 'ecr_repositories_total')).toBe(5);
    expect(value(samples, 'ecr_images_total', goLabels(web))).toBe(3);
    expect(value(samples, 'ecr_images_total', goLabels(api))).toBe(4);
    expect(value(samples, 'ecr_image_size_max_bytes', goLabels(web))).toBe(100 * MIB);
    expect(value(samples, 'ecr_image_size_min_bytes', goLabels(web))).toBe(30 * MIB);
    expect(value(samples, 'ecr_image_size_avg_bytes', goLabels(web))).toBe(60 * MIB);
    expect(value(samples, 'ecr_latest_push_timestamp', goLabels(web))).toBe((NOW - 2 * DAY) / 1000);
    expect(value(samples, 'ecr_latest_pull_timestamp', goLabels(web))).toBe((NOW - DAY) / 1000);
    // Never pulled: no pull series (as the Go exporter).
    expect(find(samples, 'ecr_latest_pull_timestamp', goLabels(api))).toEqual([]);
  });

  it('gives an empty repository 0 images and no sizes, and an unreadable one no image series at all', async () => {
    const { samples } = await render();
    expect(value(samples, 'ecr_images_total', goLabels(empty))).toBe(0);
    expect(find(samples, 'ecr_image_size_max_bytes', goLabels(empty))).toEqual([]);
    expect(find(samples, 'ecr_images_total', goLabels(broken))).toEqual([]);
    expect(find(samples, 'ecrlens_repository_size_bytes', repoLabels(broken))).toEqual([]);
    expect(value(samples, 'ecrlens_repository_incomplete', repoLabels(broken))).toBe(1);
  });

  it('counts refresh errors with a true counter that rises without a new snapshot', async () => {
    const inventory = fakeInventory(metricsFixture());
    const renderer = new MetricsRenderer({ inventory, config: defaultMetricsConfig() });
    const first = parseSamples((await renderer.render('prometheus')).body);
    expect(value(first, 'ecr_scrape_errors_total')).toBe(0);
    expect(value(first, 'ecr_scrape_duration_seconds')).toBe(60);
    inventory.set(inventory.snapshot(), {
      refreshErrorsTotal: 3,
      stale: true,
      consecutiveFailures: 3,
      lastDurationMs: 2500,
    });
    const second = (await renderer.render('prometheus')).body;
    expect(familyTypes(second).get('ecr_scrape_errors_total')).toBe('counter');
    const samples = parseSamples(second);
    expect(value(samples, 'ecr_scrape_errors_total')).toBe(3);
    expect(value(samples, 'ecr_scrape_duration_seconds')).toBe(2.5);
    expect(value(samples, 'ecrlens_inventory_stale')).toBe(1);
    expect(value(samples, 'ecrlens_inventory_consecutive_failures')).toBe(3);
  });

  it('drops the _total-named gauges when METRICS_COMPAT_GO=false and keeps the rest', async () => {
    const { body, samples } = await render({ config: config({ METRICS_COMPAT_GO: 'false' }) });
    expect(body).not.toContain('ecr_repositories_total');
    expect(body).not.toContain('ecr_images_total');
    expect(value(samples, 'ecr_image_size_max_bytes', goLabels(web))).toBe(100 * MIB);
    expect(value(samples, 'ecr_scrape_errors_total')).toBe(0);
  });
});

describe('the Python exporter set', () => {
  it('keeps the repository families and label names', async () => {
    const { body, samples } = await render();
    // Both regions of the account are one registry_id: the counts are summed, never duplicated.
    expect(find(samples, 'aws_ecr_repository_count')).toEqual([
      { name: 'aws_ecr_repository_count', labels: { registry_id: '111111111111' }, value: 5 },
    ]);
    expect(find(samples, 'aws_ecr_repository_info', { repository_uri: web.uri })).toEqual([
      {
        name: 'aws_ecr_repository_info',
        labels: {
          name: 'web',
          registry_id: '111111111111',
          repository_uri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web',
          tag_mutability: 'IMMUTABLE',
          scan_on_push: 'true',
          encryption_type: 'AES256',
        },
        value: 1,
      },
    ]);
    expect(
      value(samples, 'aws_ecr_repository_info', {
        repository_uri: webEu.uri,
        encryption_type: 'KMS',
        scan_on_push: 'false',
      }),
    ).toBe(1);
    expect(familyTypes(body).get('aws_ecr_repository_count')).toBe('untyped');
  });

  it('emits every per-image family for every tag, with image = repositoryUri:tag', async () => {
    const { samples } = await render();
    for (const tag of ['v1', 'latest']) {
      const labels = {
        name: 'web',
        tag,
        digest: webV1.digest,
        registry_id: '111111111111',
        image: `${web.uri}:${tag}`,
      };
      expect(value(samples, 'aws_ecr_image_size_in_bytes', labels)).toBe(100 * MIB);
      expect(value(samples, 'aws_ecr_image_pushed_at_timestamp_seconds', labels)).toBe((NOW - 2 * DAY) / 1000);
      expect(value(samples, 'aws_ecr_image_scan_completed_at_timestamp_seconds', labels)).toBe((NOW - DAY) / 1000);
      expect(value(samples, 'aws_ecr_image_scan_severity_count', { ...labels, severity: 'CRITICAL' })).toBe(2);
      expect(value(samples, 'aws_ecr_image_scan_severity_count', { ...labels, severity: 'HIGH' })).toBe(1);
      // Zero severities are absent, as in ECR's findingSeverityCounts.
      expect(find(samples, 'aws_ecr_image_scan_severity_count', { ...labels, severity: 'MEDIUM' })).toEqual([]);
    }
    expect(find(samples, 'aws_ecr_image_size_in_bytes', { image: `${api.uri}:prod` })[0]?.labels).toEqual({
      name: 'team/api',
      tag: 'prod',
      digest: apiIndex.digest,
      registry_id: '111111111111',
      image: '111111111111.dkr.ecr.us-east-1.amazonaws.com/team/api:prod',
    });
  });

  it('never zero-fills unknown scans and leaves untagged images out', async () => {
    const { samples } = await render();
    // web:v0 was never scanned, eu web:v1 is pending, team/api:prod is an index (unsupported).
    for (const image of [`${web.uri}:v0`, `${webEu.uri}:v1`, `${api.uri}:prod`]) {
      expect(find(samples, 'aws_ecr_image_size_in_bytes', { image })).toHaveLength(1);
      expect(find(samples, 'aws_ecr_image_scan_severity_count', { image })).toEqual([]);
      expect(find(samples, 'aws_ecr_image_scan_completed_at_timestamp_seconds', { image })).toEqual([]);
    }
    expect(find(samples, 'aws_ecr_image_size_in_bytes', { digest: webV0.digest })).toHaveLength(1);
    const images = new Set(find(samples, 'aws_ecr_image_size_in_bytes').map((s) => s.labels.image));
    expect([...images].sort()).toEqual(
      [`${web.uri}:v1`, `${web.uri}:latest`, `${web.uri}:v0`, `${api.uri}:prod`, `${webEu.uri}:v1`].sort(),
    );
  });
});

describe('the per-image cardinality guard', () => {
  // 20 series: web v1 2 tags × (size, pushed, completed, CRITICAL, HIGH, last used) + web:v0, api:prod × (size,
  // pushed, last used) + eu web:v1 (never used) × (size, pushed).
  it('emits the per-image families up to the cap', async () => {
    const { samples } = await render({ config: config({ METRICS_IMAGE_SERIES_CAP: '20' }) });
    expect(value(samples, 'ecrlens_image_series_enabled')).toBe(1);
    expect(value(samples, 'ecrlens_image_series_dropped')).toBe(0);
    expect(value(samples, 'ecrlens_image_series')).toBe(20);
    expect(value(samples, 'ecrlens_image_series_cap')).toBe(20);
    const perImage = samples.filter((s) => s.name.startsWith('aws_ecr_image_') || s.name === 'ecrlens_image_last_used_timestamp_seconds');
    expect(perImage).toHaveLength(20);
  });

  it('degrades past the cap: images in use keep their series, the rest are counted as dropped', async () => {
    const { samples } = await render({ config: config({ METRICS_IMAGE_SERIES_CAP: '19' }) });
    expect(value(samples, 'ecrlens_image_series_enabled')).toBe(1);
    expect(value(samples, 'ecrlens_image_series')).toBe(20);
    // web:v1 (both tags), web:v0 and api:prod are in use (18 series); eu web:v1 (2) would pass the cap.
    expect(value(samples, 'ecrlens_image_series_dropped')).toBe(2);
    const perImage = samples.filter((s) => s.name.startsWith('aws_ecr_image_') || s.name === 'ecrlens_image_last_used_timestamp_seconds');
    expect(perImage).toHaveLength(18);
    const images = new Set(find(samples, 'aws_ecr_image_size_in_bytes').map((s) => s.labels.image));
    expect([...images].sort()).toEqual([`${web.uri}:v1`, `${web.uri}:latest`, `${web.uri}:v0`, `${api.uri}:prod`].sort());
    // Per-repository families stay whole.
    expect(value(samples, 'aws_ecr_repository_count', { registry_id: '111111111111' })).toBe(5);
    expect(value(samples, 'ecrlens_repository_size_bytes', repoLabels(web))).toBe(180 * MIB);
  });

  it('keeps whole images in use first, then what still fits', async () => {
    const { samples } = await render({ config: config({ METRICS_IMAGE_SERIES_CAP: '13' }) });
    // web:v1 with its two tags (12 series) fits; web:v0 and api:prod (3 each) would not.
    expect(value(samples, 'ecrlens_image_series_dropped')).toBe(8);
    const images = new Set(find(samples, 'aws_ecr_image_size_in_bytes').map((s) => s.labels.image));
    expect([...images].sort()).toEqual([`${web.uri}:v1`, `${web.uri}:latest`].sort());
  });

  it('switches them off entirely with METRICS_IMAGE_SERIES=false', async () => {
    const { body, samples } = await render({ config: config({ METRICS_IMAGE_SERIES: 'false' }) });
    expect(value(samples, 'ecrlens_image_series_enabled')).toBe(0);
    expect(value(samples, 'ecrlens_image_series')).toBe(20);
    expect(value(samples, 'ecrlens_image_series_dropped')).toBe(20);
    expect(body).not.toContain('aws_ecr_image_');
    expect(body).not.toContain('ecrlens_image_last_used');
  });
});

describe('our per-repository families', () => {
  it('gives both sizes, the cost, images by kind and the quota ratio', async () => {
    const { samples } = await render({ prices: { defaultUsdPerGbMonth: 0.1, byRegion: { 'eu-west-1': 0.5 } } });
    const w = repoLabels(web);
    expect(value(samples, 'ecrlens_repository_size_bytes', w)).toBe(180 * MIB);
    // Layers l1 60 + l2 40 + l3 5 + l4 30 MiB, each counted once.
    expect(value(samples, 'ecrlens_repository_deduplicated_size_bytes', w)).toBe(135 * MIB);
    expect(value(samples, 'ecrlens_repository_monthly_cost_usd', w)).toBeCloseTo((135 / 1024) * 0.1, 6);
    // eu web has no layer list: its size is used, and it is flagged.
    expect(value(samples, 'ecrlens_repository_monthly_cost_usd', repoLabels(webEu))).toBeCloseTo((10 / 1024) * 0.5, 6);
    expect(value(samples, 'ecrlens_repository_images_without_layers', repoLabels(webEu))).toBe(1);
    expect(find(samples, 'ecrlens_repository_images', w).map((s) => [s.labels.kind, s.labels.tagged, s.value])).toEqual(
      [
        ['image', 'true', 2],
        ['image', 'false', 1],
      ],
    );
    expect(
      find(samples, 'ecrlens_repository_images', repoLabels(api)).map((s) => [s.labels.kind, s.labels.tagged, s.value]),
    ).toEqual([
      ['image', 'false', 2],
      ['index', 'true', 1],
      ['attestation', 'false', 1],
    ]);
    expect(value(samples, 'ecrlens_repository_images_quota_ratio', repoLabels(api))).toBe(4 / 100_000);
    expect(value(samples, 'ecrlens_images_per_repository_quota')).toBe(100_000);
  });

  it('uses the configured quota', async () => {
    const { samples } = await render({ config: config({ METRICS_IMAGES_PER_REPOSITORY_QUOTA: '4' }) });
    expect(value(samples, 'ecrlens_repository_images_quota_ratio', repoLabels(api))).toBe(1);
    expect(value(samples, 'ecrlens_repository_images_quota_ratio', repoLabels(web))).toBe(0.75);
  });

  it('counts findings of scanned images and unscanned images apart, and critical images that run', async () => {
    const { samples } = await render();
    const w = repoLabels(web);
    expect(
      find(samples, 'ecrlens_repository_vulnerability_findings', w).map((s) => [s.labels.severity, s.value]),
    ).toEqual([
      ['CRITICAL', 2],
      ['HIGH', 1],
      ['MEDIUM', 0],
      ['LOW', 0],
      ['INFORMATIONAL', 0],
      ['UNDEFINED', 0],
    ]);
    expect(value(samples, 'ecrlens_repository_images_unscanned', w)).toBe(1);
    expect(value(samples, 'ecrlens_repository_images_by_scan_state', { ...w, scan_state: 'not_scanned' })).toBe(1);
    expect(value(samples, 'ecrlens_repository_images_by_scan_state', { ...w, scan_state: 'complete' })).toBe(2);
    expect(value(samples, 'ecrlens_repository_images_unscanned', repoLabels(webEu))).toBe(1);
    // web:v1 runs with CRITICAL findings; web:v0 is only in a task definition.
    expect(value(samples, 'ecrlens_repository_critical_images_in_use', w)).toBe(1);
    // team/api:prod is an index used by a service; its arm64 child has the CRITICAL finding.
    expect(value(samples, 'ecrlens_repository_critical_images_in_use', repoLabels(api))).toBe(1);
    expect(value(samples, 'ecrlens_repository_critical_images_in_use', repoLabels(webEu))).toBe(0);
  });

  it('exposes the storage threshold only for repositories tagged with one', async () => {
    const { samples } = await render();
    expect(find(samples, 'ecrlens_repository_storage_threshold_bytes')).toEqual([
      { name: 'ecrlens_repository_storage_threshold_bytes', labels: repoLabels(web), value: 1000 },
    ]);
  });

  it('adds the cleanup-reclaimable figures and execution counters from the provider, re-rendering on a new plan', async () => {
    let plan = 'plan-a';
    let deleted = 0;
    const inventory = fakeInventory(metricsFixture());
    const renderer = new MetricsRenderer({
      inventory,
      config: defaultMetricsConfig(),
      cleanup: {
        planKey: () => plan,
        reclaimableFor: (_snapshot, id) =>
          id === web.id ? { bytes: plan === 'plan-a' ? 30 * MIB : 35 * MIB, images: 1, monthlyUsd: 0.003 } : undefined,
        executions: () => ({
          executions: { succeeded: 2, refused: 1 },
          deletedImages: deleted,
          deletedBytes: deleted * MIB,
        }),
      },
    });
    let samples = parseSamples((await renderer.render('prometheus')).body);
    expect(value(samples, 'ecrlens_repository_reclaimable_bytes', repoLabels(web))).toBe(30 * MIB);
    expect(value(samples, 'ecrlens_repository_reclaimable_images', repoLabels(web))).toBe(1);
    expect(find(samples, 'ecrlens_repository_reclaimable_bytes', repoLabels(api))).toEqual([]);
    expect(value(samples, 'ecrlens_cleanup_executions_total', { outcome: 'succeeded' })).toBe(2);
    expect(value(samples, 'ecrlens_cleanup_deleted_images_total')).toBe(0);
    plan = 'plan-b';
    deleted = 4;
    // The part of the plan before answers while the new plan's is made; the counters are live.
    samples = parseSamples((await renderer.render('prometheus')).body);
    expect(value(samples, 'ecrlens_repository_reclaimable_bytes', repoLabels(web))).toBe(30 * MIB);
    expect(value(samples, 'ecrlens_cleanup_deleted_images_total')).toBe(4);
    await renderer.warm(undefined, 'prometheus');
    samples = parseSamples((await renderer.render('prometheus')).body);
    expect(value(samples, 'ecrlens_repository_reclaimable_bytes', repoLabels(web))).toBe(35 * MIB);
    expect(value(samples, 'ecrlens_cleanup_deleted_images_total')).toBe(4);
    expect(value(samples, 'ecrlens_cleanup_deleted_bytes_total')).toBe(4 * MIB);
  });
});

describe('the inventory families', () => {
  it('reports freshness, readiness, incompleteness and the API call counters', async () => {
    const { samples } = await render({
      refreshIntervalSeconds: 1800,
      awsStats: {
        snapshot: () => [
          { service: 'ecr', operation: 'DescribeImages', calls: 12, errors: 2, throttles: 1 },
          { service: 'ecs', operation: 'ListTasks', calls: 3, errors: 0, throttles: 0 },
        ],
      },
    });
    expect(value(samples, 'ecrlens_inventory_last_success_timestamp_seconds')).toBe(NOW / 1000);
    expect(value(samples, 'ecrlens_inventory_ready')).toBe(1);
    expect(value(samples, 'ecrlens_inventory_stale')).toBe(0);
    expect(value(samples, 'ecrlens_inventory_snapshot_version')).toBe(7);
    expect(value(samples, 'ecrlens_inventory_refresh_interval_seconds')).toBe(1800);
    expect(value(samples, 'ecrlens_inventory_incomplete', { scope: 'images' })).toBe(1);
    expect(value(samples, 'ecrlens_inventory_incomplete', { scope: 'ecs' })).toBe(0);
    expect(value(samples, 'ecrlens_aws_api_calls_total', { service: 'ecr', operation: 'DescribeImages' })).toBe(12);
    expect(value(samples, 'ecrlens_aws_api_errors_total', { service: 'ecr', operation: 'DescribeImages' })).toBe(2);
    expect(value(samples, 'ecrlens_aws_api_throttles_total', { service: 'ecr', operation: 'DescribeImages' })).toBe(1);
    expect(value(samples, 'ecrlens_aws_api_calls_total', { service: 'ecs', operation: 'ListTasks' })).toBe(3);
  });

  it('observes each refresh once in the duration histogram, whether it succeeded or failed', async () => {
    const inventory = fakeInventory(metricsFixture(1));
    const renderer = new MetricsRenderer({ inventory, config: defaultMetricsConfig() });
    const histogram = async () => {
      const samples = parseSamples((await renderer.render('prometheus')).body);
      return {
        count: value(samples, 'ecrlens_inventory_refresh_duration_seconds_count'),
        sum: value(samples, 'ecrlens_inventory_refresh_duration_seconds_sum'),
        le5: value(samples, 'ecrlens_inventory_refresh_duration_seconds_bucket', { le: '5' }),
      };
    };
    expect(await histogram()).toEqual({ count: 1, sum: 60, le5: 0 });
    // Scraped again with no new refresh: nothing observed.
    expect(await histogram()).toEqual({ count: 1, sum: 60, le5: 0 });
    // A successful refresh (new snapshot), then a failed one (same snapshot, error total up).
    const next = metricsFixture(2);
    inventory.set(next, { lastSuccessAt: NOW + 1000, lastDurationMs: 2000 });
    expect(await histogram()).toEqual({ count: 2, sum: 62, le5: 1 });
    inventory.set(next, { lastSuccessAt: NOW + 1000, lastDurationMs: 4000, refreshErrorsTotal: 1, stale: true });
    expect(await histogram()).toEqual({ count: 3, sum: 66, le5: 2 });
  });

  it('leaves out what is not known yet before the first refresh', async () => {
    const inventory = fakeInventory(undefined);
    const renderer = new MetricsRenderer({ inventory, config: defaultMetricsConfig() });
    const samples = parseSamples((await renderer.render('prometheus')).body);
    expect(value(samples, 'ecrlens_inventory_ready')).toBe(0);
    expect(find(samples, 'ecrlens_inventory_last_success_timestamp_seconds')).toEqual([]);
    // No inventory series at all: a 0 would read as "no repositories", not "not read yet".
    expect(find(samples, 'ecr_repositories_total')).toEqual([]);
    expect(samples.filter((s) => s.name.startsWith('ecrlens_repository_') || s.name.startsWith('aws_'))).toEqual([]);
    expect(find(samples, 'ecrlens_inventory_incomplete')).toEqual([]);
    // Both formats, and the gzip member the HTTP route sends.
    const open = await renderer.renderParts('openmetrics');
    expect(open.snapshotPart.blocks).toEqual([]);
    const text = gunzipSync(Buffer.concat(await gzipMember(open.snapshotPart, open.live))).toString();
    expect(text).toMatch(/^ecrlens_inventory_ready 0$/m);
    expect(text).not.toMatch(/^ecr_repositories_total/m);
    expect(text.endsWith('# EOF\n')).toBe(true);
  });
});

describe('rendering', () => {
  it('renders OpenMetrics with _total counter samples and one # EOF at the end', async () => {
    const { body, contentType } = await render({}, 'openmetrics');
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(body.endsWith('\n# EOF\n')).toBe(true);
    expect(body.match(/# EOF/g)).toHaveLength(1);
    expect(body).toContain('# TYPE ecr_scrape_errors counter\n');
    expect(body).toMatch(/^ecr_scrape_errors_total 0$/m);
    expect(body).toContain('# TYPE aws_ecr_image_scan_severity_count unknown\n');
    // OpenMetrics allows no blank lines.
    expect(body.slice(0, -1).split('\n')).not.toContain('');
  });

  it('keeps the text format right after an OpenMetrics scrape (counter names are not mangled)', async () => {
    const renderer = new MetricsRenderer({
      inventory: fakeInventory(metricsFixture()),
      config: defaultMetricsConfig(),
    });
    await renderer.render('openmetrics');
    const text = await renderer.render('prometheus');
    expect(text.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.body).toContain('# TYPE ecr_scrape_errors_total counter\n');
    expect(text.body).toMatch(/^ecr_scrape_errors_total 0$/m);
    expect(text.body).not.toContain('# EOF');
  });

  it('renders the snapshot part once per snapshot and again for a new one', async () => {
    const inventory = fakeInventory(metricsFixture(1));
    const renderer = new MetricsRenderer({ inventory, config: defaultMetricsConfig() });
    const a = (await renderer.render('prometheus')).body;
    const b = (await renderer.render('prometheus')).body;
    expect(b).toBe(a);
    inventory.set(metricsFixture(2));
    // Just after a swap, the part made before answers while the new one is made: whole, with its own version.
    let samples = parseSamples((await renderer.render('prometheus')).body);
    expect(value(samples, 'ecrlens_inventory_snapshot_version')).toBe(1);
    await renderer.warm(undefined, 'prometheus');
    samples = parseSamples((await renderer.render('prometheus')).body);
    expect(value(samples, 'ecrlens_inventory_snapshot_version')).toBe(2);
  });

  it('answers a scrape just after a swap from the snapshot before, whole, while the new one’s plan and part are made', async () => {
    const before = metricsFixture(1);
    const inventory = fakeInventory(before);
    let release!: () => void;
    let gate: Promise<void> = Promise.resolve();
    const renderer = new MetricsRenderer({
      inventory,
      config: defaultMetricsConfig(),
      cleanup: {
        planned: () => gate,
        planKey: (snapshot) => `plan-${snapshot.version}`,
        reclaimableFor: (snapshot, id) => (id === web.id ? { bytes: snapshot.version * MIB, images: 1, monthlyUsd: 0.001 } : undefined),
      },
    });
    await renderer.warm(before, 'openmetrics');
    gate = new Promise<void>((resolve) => (release = resolve));
    // The next snapshot has one repository fewer and marks one incomplete: no scrape may mix it with the one before.
    const after = makeSnapshot({
      version: 2,
      repositories: before.repositories.filter((r) => r.id !== empty.id),
      images: before.images,
      layerSizes: before.layerSizes,
      uses: before.uses,
      incomplete: [...before.incomplete, makeIncomplete({ scope: 'images', target: 'web', operation: 'DescribeImages' })],
    });
    inventory.set(after);
    const stale = parseSamples((await renderer.render('openmetrics')).body);
    expect(value(stale, 'ecrlens_inventory_snapshot_version')).toBe(1);
    expect(value(stale, 'ecr_repositories_total')).toBe(before.repositories.length);
    expect(value(stale, 'ecrlens_repository_reclaimable_bytes', repoLabels(web))).toBe(MIB);
    expect(value(stale, 'ecrlens_inventory_incomplete', { scope: 'images' })).toBe(1);
    release();
    await renderer.warm(after, 'openmetrics');
    const fresh = parseSamples((await renderer.render('openmetrics')).body);
    expect(value(fresh, 'ecrlens_inventory_snapshot_version')).toBe(2);
    expect(value(fresh, 'ecr_repositories_total')).toBe(after.repositories.length);
    expect(value(fresh, 'ecrlens_repository_reclaimable_bytes', repoLabels(web))).toBe(2 * MIB);
    expect(value(fresh, 'ecrlens_inventory_incomplete', { scope: 'images' })).toBe(2);
  });

  it('keeps no replaced snapshot alive while its part is shown, and still says which snapshot the part describes', async () => {
    const inventory = fakeInventory(metricsFixture(1));
    const first = new WeakRef(inventory.snapshot());
    let gate: Promise<void> = Promise.resolve();
    const renderer = new MetricsRenderer({
      inventory,
      config: defaultMetricsConfig(),
      cleanup: { planned: () => gate, planKey: (snapshot) => `plan-${snapshot.version}`, reclaimableFor: () => undefined },
    });
    await renderer.warm(undefined, 'openmetrics');
    // The next snapshot's plan is on its way: scrapes are answered from the first snapshot's part.
    gate = new Promise<void>(() => undefined);
    const next = makeSnapshot({ version: 2, repositories: [], images: [], layerSizes: new Map(), uses: [], incomplete: [] });
    inventory.set(next);
    await collectGarbage();
    expect(first.deref()).toBeUndefined();
    const stale = parseSamples((await renderer.render('openmetrics')).body);
    expect(value(stale, 'ecrlens_inventory_snapshot_version')).toBe(1);
    expect(value(stale, 'ecr_repositories_total')).toBe(metricsFixture(1).repositories.length);
    expect(value(stale, 'ecrlens_inventory_incomplete', { scope: 'images' })).toBe(
      metricsFixture(1).incomplete.filter((entry) => entry.scope === 'images').length,
    );
  });

  it('shows the part before only while the new one is on its way: after a failure a scrape waits for another try', async () => {
    const inventory = fakeInventory(metricsFixture(1));
    let failing = true;
    const renderer = new MetricsRenderer({
      inventory,
      config: defaultMetricsConfig(),
      cleanup: {
        planKey: (snapshot) => {
          if (snapshot.version === 2 && failing) throw new Error('no plan for version 2');
          return `plan-${snapshot.version}`;
        },
        reclaimableFor: () => undefined,
      },
    });
    await renderer.warm(undefined, 'prometheus');
    inventory.set(metricsFixture(2));
    const first = parseSamples((await renderer.render('prometheus')).body);
    expect(value(first, 'ecrlens_inventory_snapshot_version')).toBe(1);
    // The failure of the make that scrape started is known by the next turn.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await expect(renderer.render('prometheus')).rejects.toThrow('no plan for version 2');
    failing = false;
    const fresh = parseSamples((await renderer.render('prometheus')).body);
    expect(value(fresh, 'ecrlens_inventory_snapshot_version')).toBe(2);
  });

  it('holds no part of an older snapshot for a format once a newer snapshot’s part is made', async () => {
    const inventory = fakeInventory(metricsFixture(1));
    const renderer = new MetricsRenderer({ inventory, config: defaultMetricsConfig() });
    await renderer.warm(undefined, 'prometheus');
    await renderer.warm(undefined, 'openmetrics');
    inventory.set(metricsFixture(2));
    await renderer.warm(undefined, 'openmetrics');
    // The text part of version 1 was let go when version 2's OpenMetrics part was made: this scrape makes version 2's.
    const samples = parseSamples((await renderer.render('prometheus')).body);
    expect(value(samples, 'ecrlens_inventory_snapshot_version')).toBe(2);
  });
});

describe('bytes', () => {
  it('sends the same exposition as one gzip member, the snapshot part compressed once', async () => {
    const renderer = new MetricsRenderer({ inventory: fakeInventory(metricsFixture()), config: defaultMetricsConfig() });
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const text = (await renderer.render(format)).body;
      const first = await renderer.renderParts(format);
      const again = await renderer.renderParts(format);
      expect(again.snapshotPart).toBe(first.snapshotPart);
      expect(keptText(first.snapshotPart) + Buffer.from(first.live).toString()).toBe(text);
      expect(text).toContain('aws_ecr_image_size_in_bytes{');
      // zlib reads it as one member (gunzip would go on to a second one; the trailer's CRC-32 and length are checked).
      const member = Buffer.concat(await gzipMember(first.snapshotPart, first.live));
      expect(gunzipSync(member).toString()).toBe(text);
      expect(member.readUInt32LE(member.length - 4)).toBe(Buffer.byteLength(text));
      expect(member.readUInt32LE(member.length - 8)).toBe(crc32(text));
      expect(first.contentType).toBe((await renderer.render(format)).contentType);
    }
  });
});

describe('warming', () => {
  it('renders the snapshot part ahead of the scrape, which then reuses it', async () => {
    const renderer = new MetricsRenderer({
      inventory: fakeInventory(metricsFixture()),
      config: defaultMetricsConfig(),
    });
    await renderer.warm(undefined, 'prometheus');
    const samples = parseSamples((await renderer.render('prometheus')).body);
    expect(value(samples, 'ecr_repositories_total')).toBe(5);
  });

  it('waits for a plan in progress before reading its key and reclaimable bytes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let made = false;
    const asked: boolean[] = [];
    const renderer = new MetricsRenderer({
      inventory: fakeInventory(metricsFixture()),
      config: defaultMetricsConfig(),
      cleanup: {
        planned: () => gate,
        planKey: () => (asked.push(made), 'plan-a'),
        reclaimableFor: (_snapshot, id) => (asked.push(made), id === web.id ? { bytes: 30 * MIB, images: 1, monthlyUsd: 0.003 } : undefined),
      },
    });
    const scrape = renderer.render('prometheus');
    const warming = renderer.warm();
    made = true;
    release();
    const samples = parseSamples((await scrape).body);
    await warming;
    expect(asked.length).toBeGreaterThan(1);
    expect(asked.every((wasMade) => wasMade)).toBe(true);
    expect(value(samples, 'ecrlens_repository_reclaimable_bytes', repoLabels(web))).toBe(30 * MIB);
  });
});
