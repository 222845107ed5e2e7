/**
 * Query benchmark: builds a synthetic snapshot in-process, warms the per-snapshot indexes, and prints
 * p50/p99 of every query type, uncached (the pure engine, a distinct request each time), plus peak RSS.
 * Run: `npx tsx sidecar/bench/query.ts` (both scales) or `… --scale small|large`.
 * Targets (issue 3): images with filters and limit 500 p99 ≤ 50 ms; repositories, cost, severity ≤ 20 ms.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createQueryRunner } from '../src/query/cache.js';
import type { QueryContext } from '../src/query/context.js';
import { runQuery } from '../src/query/engine.js';
import { QueryRequest } from '../src/query/request.js';
import { warmQueryIndexes } from '../src/query/warm.js';
import { buildSnapshot } from '../src/snapshot/build.js';
import type { Finding, Image, ImageUse, Repository, ScanResult, Snapshot, SnapshotInput } from '../src/snapshot/model.js';
import { repositoryId, SEVERITIES } from '../src/snapshot/model.js';
import { repositoryUri } from '../src/snapshot/reference.js';
import { mulberry32 } from '../src/demo/prng.js';
import { blobList, blobKey, type BlobKey } from '../src/snapshot/blob-key.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 0, 1);

// Deterministic, so runs are comparable.
const random = mulberry32;

const hex64 = (n: number, salt: string): string => `sha256:${salt}${n.toString(16).padStart(64 - salt.length, '0')}`;

/** A SnapshotInput with `repositories` repositories and about `images` images, shared layers and scans. */
export function syntheticSnapshot(repositories: number, images: number, seed = 1): Snapshot {
  const rnd = random(seed);
  const accounts = ['111111111111', '222222222222', '333333333333', '444444444444'];
  const regions = ['us-east-1', 'eu-west-1', 'us-west-2'];
  const repos: Repository[] = [];
  const imageList: Image[] = [];
  const layerSizes = new Map<BlobKey, number>();
  const findings = new Map<string, readonly Finding[]>();
  const uses: ImageUse[] = [];
  const scans: ScanResult[] = Array.from({ length: 64 }, (_, i) => ({
    state: 'complete',
    status: 'COMPLETE',
    completedAt: NOW - (i % 30) * DAY,
    counts: Object.fromEntries(SEVERITIES.map((s, j) => [s, (i * (j + 3)) % (j + 2)])) as ScanResult['counts'],
  }));
  const sampleFindings: Finding[] = Array.from({ length: 40 }, (_, i) => ({ name: `CVE-2024-${1000 + i}`, severity: SEVERITIES[i % 6]!, source: 'basic', packageName: `pkg${i}` }));
  const perRepo = images / repositories;
  let layerId = 0;
  let imageId = 0;
  for (let r = 0; r < repositories; r++) {
    const accountId = accounts[r % accounts.length]!;
    const region = regions[Math.floor(r / accounts.length) % regions.length]!;
    const name = `team-${r % 50}/service-${r}`;
    const id = repositoryId(accountId, region, name);
    const uri = repositoryUri(accountId, region, name);
    repos.push({
      id,
      accountId,
      region,
      name,
      arn: `arn:aws:ecr:${region}:${accountId}:repository/${name}`,
      uri,
      createdAt: NOW - Math.floor(rnd() * 900) * DAY,
      tagMutability: 'MUTABLE',
      scanOnPush: rnd() < 0.5,
      encryptionType: 'AES256',
      ...(rnd() < 0.4 ? { lifecyclePolicyText: '{"rules":[]}' } : {}),
      policy: { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false },
      replicationDestinations: [],
      tags: {},
    });
    const base = Array.from({ length: 12 }, () => {
      const d = blobKey(hex64(layerId++, 'a'));
      layerSizes.set(d, Math.floor(rnd() * 50_000_000));
      return d;
    });
    const count = Math.max(1, Math.round(perRepo * (0.5 + rnd())));
    for (let i = 0; i < count && imageId < images; i++) {
      const own = blobKey(hex64(layerId++, 'a'));
      layerSizes.set(own, Math.floor(rnd() * 5_000_000));
      const digest = hex64(imageId++, 'b');
      const tagged = rnd() < 0.7;
      const image: Image = {
        repositoryId: id,
        digest,
        tags: tagged ? [`v${i}`, ...(i === 0 ? ['latest'] : [])] : [],
        kind: 'image',
        pushedAt: NOW - Math.floor(rnd() * 700 * DAY),
        ...(rnd() < 0.6 ? { lastPulledAt: NOW - Math.floor(rnd() * 200 * DAY) } : {}),
        sizeBytes: Math.floor(rnd() * 300_000_000),
        status: 'ACTIVE',
        children: [],
        layers: blobList([base[i % 12]!, base[(i + 3) % 12]!, base[(i + 7) % 12]!, own]),
        scan: rnd() < 0.75 ? scans[imageId % 64]! : { state: 'not_scanned' },
      };
      imageList.push(image);
      if (imageId % 200 === 0) findings.set(digest, sampleFindings);
      if (imageId % 100 === 0) {
        uses.push({ kind: 'running-task', accountId, region, cluster: `cluster-${r % 20}`, task: `t${imageId}`, reference: `${uri}@${digest}`, digest, at: NOW - DAY });
      }
    }
  }
  const registries = accounts.flatMap((accountId) => regions.map((region) => ({ accountId, region, replicationRules: [], scanType: 'BASIC' as const, scanningRules: [] })));
  const input: SnapshotInput = {
    version: 1,
    refreshStartedAt: NOW - 60_000,
    builtAt: NOW,
    registries,
    repositories: repos,
    images: imageList,
    layerSizes,
    findings,
    clusters: Array.from({ length: 20 }, (_, i) => ({ accountId: accounts[0]!, region: regions[0]!, name: `cluster-${i}`, arn: `arn:aws:ecs:us-east-1:${accounts[0]}:cluster/cluster-${i}` })),
    uses,
    incomplete: [],
  };
  return buildSnapshot(input);
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Figure {
  readonly name: string;
  readonly p50: number;
  readonly p99: number;
  readonly target?: number;
}

/** A request per iteration: `variant(i)` gives distinct requests, so no figure is a repeat of a cached answer. */
type Variant = (i: number) => Record<string, unknown>;

function measure(name: string, variants: readonly Variant[], run: (r: QueryRequest) => unknown, iterations: number, target?: number): Figure {
  const request = (i: number): QueryRequest => QueryRequest.parse(variants[Math.abs(i) % variants.length]!(i));
  for (let i = 0; i < 20; i++) run(request(-1 - i)); // JIT warm-up only (requests not measured); the indexes are already warm
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const r = request(i);
    const started = performance.now();
    run(r);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { name, p50: percentile(times, 50), p99: percentile(times, 99), ...(target !== undefined ? { target } : {}) };
}

const rssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

export async function benchScale(repositories: number, images: number, iterations = 500): Promise<Figure[]> {
  const started = performance.now();
  const snapshot = syntheticSnapshot(repositories, images);
  const buildMs = performance.now() - started;
  const rssAfterSnapshot = rssMiB();
  const ctx: QueryContext = { now: () => NOW, prices: { defaultUsdPerGbMonth: 0.1 } };
  const warmStarted = performance.now();
  await warmQueryIndexes(snapshot, ctx.prices);
  const warmMs = performance.now() - warmStarted;
  const digests = [...snapshot.findings.keys()];
  const days = (i: number, base: number) => base + (Math.abs(i) % 60);
  // Every request differs from the previous ones (a day, an offset or a glob), and runQuery has no result cache.
  const sets: Record<string, { variants: Variant[]; target?: number }> = {
    'images (filters, sort, limit 500)': {
      target: 50,
      variants: [
        (i) => ({ queryType: 'images', filters: { minSeverity: 'HIGH', notPulledForDays: days(i, 30) }, sort: { field: 'sizeBytes', order: 'desc' }, limit: 500 }),
        (i) => ({ queryType: 'images', filters: { untagged: true, olderThanDays: days(i, 90) }, sort: { field: 'pushedAt', order: 'asc' }, limit: 500 }),
        (i) => ({ queryType: 'images', filters: { repository: `team-${Math.abs(i) % 10}*/**`, tag: 'v*' }, sort: { field: 'lastPulledAt', order: 'desc' }, limit: 500 }),
        (i) => ({ queryType: 'images', filters: { region: 'eu-west-1', scanState: 'not_scanned' }, limit: 500, offset: 500 * (Math.abs(i) % 8) }),
        (i) => ({ queryType: 'images', filters: { inUse: false, pushedAfter: NOW - days(i, 300) * DAY }, sort: { field: 'daysSinceLastPull', order: 'asc' }, limit: 500 }),
        (i) => ({ queryType: 'images', filters: { kind: 'image', notPulledForDays: days(i, 10) }, sort: { field: 'repository', order: 'asc' }, limit: 500 }),
      ],
    },
    repositories: {
      target: 20,
      variants: [
        (i) => ({ queryType: 'repositories', sort: { field: 'monthlyCostUsd', order: 'desc' }, limit: 500, offset: Math.abs(i) % 100 }),
        (i) => ({ queryType: 'repositories', filters: { notPulledForDays: days(i, 90) }, limit: 500 }),
      ],
    },
    cost: {
      target: 20,
      variants: [
        (i) => ({ queryType: 'cost', sort: { field: 'deduplicatedSizeBytes', order: 'desc' }, limit: 500, offset: Math.abs(i) % 100 }),
        (i) => ({ queryType: 'cost', filters: { region: 'us-east-1' }, limit: 500, offset: Math.abs(i) % 100 }),
      ],
    },
    severity: {
      target: 20,
      variants: [
        (i) => ({ queryType: 'severity', sort: { field: 'critical', order: 'desc' }, limit: 500, offset: Math.abs(i) % 100 }),
        (i) => ({ queryType: 'severity', filters: { registry: '111111111111' }, limit: 500, offset: Math.abs(i) % 100 }),
      ],
    },
    'severity (with image filters)': {
      variants: [(i) => ({ queryType: 'severity', filters: { minSeverity: 'HIGH', olderThanDays: days(i, 30) }, sort: { field: 'high', order: 'desc' }, limit: 500 })],
    },
    'severity (level image)': {
      variants: [(i) => ({ queryType: 'severity', filters: { level: 'image', minSeverity: 'CRITICAL', olderThanDays: days(i, 0) }, sort: { field: 'critical', order: 'desc' }, limit: 500 })],
    },
    findings: { variants: [(i) => ({ queryType: 'findings', filters: { digest: digests[Math.abs(i) % digests.length] } })] },
    usage: {
      variants: [
        (i) => ({ queryType: 'usage', filters: { cluster: `cluster-${Math.abs(i) % 20}` }, limit: 500 }),
        (i) => ({ queryType: 'usage', limit: 500, offset: Math.abs(i) % 1000 }),
      ],
    },
  };
  const figures: Figure[] = [];
  for (const [name, set] of Object.entries(sets)) {
    figures.push(measure(name, set.variants, (r) => runQuery(snapshot, r, ctx), iterations, set.target));
  }
  const runner = createQueryRunner({ ctx });
  const cachedRequest = QueryRequest.parse(sets['images (filters, sort, limit 500)']!.variants[0]!(0));
  await runner.run(snapshot, cachedRequest);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await runner.run(snapshot, cachedRequest);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  figures.push({ name: 'images, cached repeat (for contrast)', p50: percentile(times, 50), p99: percentile(times, 99) });
  console.log(`\n${repositories.toLocaleString('en')} repositories / ${snapshot.images.length.toLocaleString('en')} images`);
  console.log(`snapshot built in ${(buildMs / 1000).toFixed(1)} s (peak RSS ${rssAfterSnapshot} MiB); warmQueryIndexes ${warmMs.toFixed(0)} ms`);
  console.log(`uncached: runQuery, ${iterations} distinct requests per type, no result cache; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
  console.log('query type                              p50 ms    p99 ms   target (p99)');
  for (const f of figures) {
    const verdict = f.target === undefined ? '' : `${f.target} ms ${f.p99 <= f.target ? 'met' : 'MISSED'}`;
    console.log(`${f.name.padEnd(38)} ${f.p50.toFixed(2).padStart(8)} ${f.p99.toFixed(2).padStart(9)}   ${verdict}`);
  }
  const targeted = figures.filter((f) => f.target !== undefined);
  const met = targeted.filter((f) => f.p99 <= f.target!);
  console.log(`targets met: ${met.length}/${targeted.length}${met.length < targeted.length ? ` (missed: ${targeted.filter((f) => !met.includes(f)).map((f) => f.name).join(', ')})` : ''}`);
  console.log(`peak RSS: ${rssMiB()} MiB`);
  return figures;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { scale: { type: 'string', default: 'both' }, iterations: { type: 'string', default: '500' } } });
  const iterations = Number(values.iterations);
  if (values.scale === 'both') {
    // One process per scale, so each peak RSS is its own.
    for (const scale of ['small', 'large']) {
      const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--scale', scale, '--iterations', String(iterations)], { stdio: 'inherit' });
      if (child.status !== 0) process.exitCode = child.status ?? 1;
    }
    return;
  }
  if (values.scale === 'small') await benchScale(1_000, 100_000, iterations);
  else if (values.scale === 'large') await benchScale(5_000, 1_000_000, iterations);
  else throw new Error('--scale must be small, large or both');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
