/**
 * Benchmark: time and bytes to render /metrics at 1,000 and 5,000 repositories, per-image families on
 * and off. Images per repository follow a long-tailed (Pareto) distribution. Prints a table.
 * Then the heap the snapshot part's prom-client registry holds at 5,000 repositories with the default series cap
 * (the part is made from it after each swap, while two snapshots may share the heap).
 * Run: `npx tsx sidecar/bench/metrics.ts [meanImagesPerRepository]`.
 */
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_PRICES } from '../src/cost/pricing.js';
import { buildSnapshotRegistry } from '../src/metrics/snapshot-registry.js';
import { MetricsConfig } from '../src/metrics/config.js';
import { MetricsRenderer } from '../src/metrics/renderer.js';
import { createRandom } from '../src/demo/prng.js';
import type { Random } from '../src/demo/prng.js';
import { buildSnapshot } from '../src/snapshot/build.js';
import type { Image, ImageUse, Repository, ScanResult, Snapshot } from '../src/snapshot/model.js';
import { SEVERITIES, repositoryId } from '../src/snapshot/model.js';
import { repositoryUri } from '../src/snapshot/reference.js';
import type { Inventory, InventoryStatus } from '../src/snapshot/inventory.js';
import { blobList, blobKey, type BlobKey } from '../src/snapshot/blob-key.js';

const ACCOUNT = '123456789012';
const REGIONS = ['us-east-1', 'eu-west-1'];
const NOW = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

function scan(random: Random): ScanResult {
  if (!random.chance(0.75)) return { state: random.pick(['not_scanned', 'pending', 'failed'] as const) };
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, random.chance(0.4) ? random.int(1, 30) : 0])) as Record<
    (typeof SEVERITIES)[number],
    number
  >;
  counts.CRITICAL = random.chance(0.1) ? random.int(1, 3) : 0;
  return {
    state: 'complete',
    status: 'COMPLETE',
    scanType: 'BASIC',
    completedAt: NOW - random.int(0, 30) * DAY,
    counts,
  };
}

/** A synthetic snapshot: Pareto images per repository (mean ≈ `meanImages`), 30% untagged, 10% multi-arch. */
export function syntheticSnapshot(repositories: number, meanImages: number, seed = 42): Snapshot {
  const random = createRandom(seed);
  const repos: Repository[] = [];
  const images: Image[] = [];
  const uses: ImageUse[] = [];
  const layerSizes = new Map<BlobKey, number>();
  const alpha = 1.5;
  const scale = (meanImages * (alpha - 1)) / alpha;
  for (let r = 0; r < repositories; r++) {
    const region = REGIONS[r % REGIONS.length]!;
    const name = `team-${r % 97}/service-${r}`;
    const repository: Repository = {
      id: repositoryId(ACCOUNT, region, name),
      accountId: ACCOUNT,
      region,
      name,
      arn: `arn:aws:ecr:${region}:${ACCOUNT}:repository/${name}`,
      uri: repositoryUri(ACCOUNT, region, name),
      createdAt: NOW - 400 * DAY,
      tagMutability: random.chance(0.3) ? 'IMMUTABLE' : 'MUTABLE',
      scanOnPush: random.chance(0.6),
      encryptionType: 'AES256',
      policy: { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false },
      replicationDestinations: [],
      tags: random.chance(0.05) ? { 'ecrlens:storage-threshold-bytes': '10737418240' } : {},
    };
    repos.push(repository);
    const count = Math.min(5000, Math.max(1, Math.round(scale * random.pareto(alpha))));
    const base = blobKey(random.digest()); // shared base layer
    layerSizes.set(base, 30_000_000);
    for (let i = 0; i < count; i++) {
      const layer = blobKey(random.digest());
      const size = random.int(1_000_000, 200_000_000);
      layerSizes.set(layer, size);
      const tagged = !random.chance(0.3);
      const tags = tagged ? (random.chance(0.3) ? [`v${i}`, `build-${i}`] : [`v${i}`]) : [];
      const image: Image = {
        repositoryId: repository.id,
        digest: random.digest(),
        tags: i === 0 ? ['latest', ...tags] : tags,
        kind: random.chance(0.1) ? 'index' : 'image',
        pushedAt: NOW - random.int(0, 365) * DAY,
        ...(random.chance(0.6) ? { lastPulledAt: NOW - random.int(0, 90) * DAY } : {}),
        sizeBytes: size + 30_000_000,
        status: 'ACTIVE',
        children: [],
        layers: blobList([base, layer]),
        scan: scan(random),
      };
      images.push(image);
      if (i === 0 && random.chance(0.5))
        uses.push({
          kind: 'running-task',
          accountId: ACCOUNT,
          region,
          cluster: 'prod',
          reference: `${repository.uri}:latest`,
        });
    }
  }
  return buildSnapshot({
    version: 1,
    refreshStartedAt: NOW - 60_000,
    builtAt: NOW,
    registries: REGIONS.map((region) => ({
      accountId: ACCOUNT,
      region,
      replicationRules: [],
      scanType: 'BASIC' as const,
      scanningRules: [],
    })),
    repositories: repos,
    images,
    layerSizes,
    findings: new Map(),
    clusters: [],
    uses,
    incomplete: [],
  });
}

const staticInventory = (snapshot: Snapshot): Inventory => {
  const status: InventoryStatus = {
    ready: true,
    stale: false,
    snapshotVersion: snapshot.version,
    lastSuccessAt: NOW,
    lastAttemptAt: NOW - 60_000,
    lastDurationMs: 60_000,
    refreshing: false,
    consecutiveFailures: 0,
    refreshErrorsTotal: 0,
    incomplete: [],
  };
  return { snapshot: () => snapshot, status: () => status, refresh: async () => ({ started: false, status }), refreshUses: async () => snapshot };
};

export interface MetricsBenchRow {
  readonly repositories: number;
  readonly images: number;
  readonly perImage: 'on' | 'off';
  readonly imageSeries: number;
  readonly coldMs: number;
  readonly warmMs: number;
  readonly bytes: number;
  readonly lines: number;
}

export async function main(meanImages = 40): Promise<MetricsBenchRow[]> {
  const rows: MetricsBenchRow[] = [];
  for (const repositories of [1_000, 5_000]) {
    const snapshot = syntheticSnapshot(repositories, meanImages);
    for (const perImage of ['on', 'off'] as const) {
      const config = MetricsConfig.parse({
        METRICS_IMAGE_SERIES: perImage === 'on' ? 'true' : 'false',
        // No cap: every series is rendered (a setting is at most 15 digits).
        METRICS_IMAGE_SERIES_CAP: '999999999999999',
      });
      const renderer = new MetricsRenderer({ inventory: staticInventory(snapshot), config });
      const t0 = performance.now();
      const first = await renderer.render('prometheus');
      const coldMs = performance.now() - t0;
      const t1 = performance.now();
      const warmRuns = 5;
      for (let i = 0; i < warmRuns; i++) await renderer.render('prometheus');
      const warmMs = (performance.now() - t1) / warmRuns;
      const series = /^ecrlens_image_series (\d+)$/m.exec(first.body);
      rows.push({
        repositories,
        images: snapshot.images.length,
        perImage,
        imageSeries: Number(series?.[1] ?? 0),
        coldMs: Math.round(coldMs),
        warmMs: Math.round(warmMs * 10) / 10,
        bytes: Buffer.byteLength(first.body),
        lines: first.body.split('\n').filter((l) => l && !l.startsWith('#')).length,
      });
    }
  }
  console.log(
    `/metrics render benchmark (mean ${meanImages} images per repository, Pareto; cold = first scrape of a snapshot, warm = cached)`,
  );
  console.table(rows.map((r) => ({ ...r, MB: Math.round((r.bytes / 1_048_576) * 10) / 10 })));
  registryHeap(meanImages);
  return rows;
}

/** A full collection, made callable in this process (the benchmark runs without --expose-gc). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Prints the heap held by the snapshot part's registry (default METRICS_IMAGE_SERIES_CAP) and the time to build it. */
function registryHeap(meanImages: number): void {
  const gc = collector();
  const snapshot = syntheticSnapshot(5_000, meanImages);
  const input = { snapshot, config: MetricsConfig.parse({}), prices: DEFAULT_PRICES };
  buildSnapshotRegistry(input, 'openmetrics'); // builds the per-snapshot indexes it reads, so they are not counted
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const registry = buildSnapshotRegistry(input, 'openmetrics');
  const ms = performance.now() - t0;
  gc();
  const held = process.memoryUsage().heapUsed - before;
  const series = registry.getMetricsAsArray().length;
  console.log(
    `snapshot part's registry at 5,000 repositories / ${snapshot.images.length.toLocaleString('en-US')} images (default series cap): ` +
      `${(held / 1_048_576).toFixed(1)} MiB of heap held, built in ${Math.round(ms)} ms (${series} families)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await main(process.argv[2] ? Number(process.argv[2]) : undefined);
