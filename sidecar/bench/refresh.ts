/**
 * Refresh benchmark: AWS calls per full refresh by operation against the floor
 *   ⌈R/1000⌉ DescribeRepositories + Σ_r ⌈I_r/1000⌉ DescribeImages + 2R policy calls (lifecycle + repository policy),
 * for the first refresh and a steady-state one, refresh wall time with emulator latency per call, and the
 * sidecar's peak RSS. The emulator runs in a child process (so its memory is not counted), rate limits off.
 *
 *   tsx bench/refresh.ts                     1,000 repositories / 100,000 images
 *   BENCH_LARGE=1 tsx bench/refresh.ts       also 5,000 / 1,000,000 (several minutes)
 *   BENCH_LATENCY_MS=30 (default), AWS_CONCURRENCY / REGISTRY_CONCURRENCY as in the sidecar.
 *   BENCH_FIRST_LATENCY_MS: latency of the first refresh only (default BENCH_LATENCY_MS).
 *   BENCH_LARGE_PARAMS=key=value,...: generator overrides for the large case (e.g. enhancedShare=0).
 *   BENCH_CPU_PROFILE=file.cpuprofile: write a CPU profile of the steady-state refresh (Chrome DevTools format).
 *   BENCH_FIRST_CPU_PROFILE=file.cpuprofile: the same, of the first refresh.
 *   BENCH_HEAP_SNAPSHOT=file.heapsnapshot: write a heap snapshot after the steady-state refresh (Chrome DevTools format).
 *
 * Peak RSS is the sidecar process's VmHWM (/proc/self/status); the emulator's memory is its own process's.
 * After the steady refresh it also times one full collection of the live heap at once (global.gc after a first one):
 * the pause V8 takes when it must finish a collection rather than mark beside the program.
 * Run directly, the benchmark re-runs itself with the sidecar container's V8 flags (node-flags.ts) and --expose-gc.
 * "Policy calls" in the floor are GetLifecyclePolicy + GetRepositoryPolicy, one each per repository, on the first
 * refresh; a steady refresh within POLICY_REFRESH_INTERVAL reads none of them, nor ListTagsForResource.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { ClientRegistry } from '../src/aws/clients.js';
import type { AwsCallStat } from '../src/aws/stats.js';
import { AwsCallStats } from '../src/aws/stats.js';
import type { AppConfig } from '../src/config.js';
import { loadConfig } from '../src/config.js';
import { DEMO_CREDENTIALS } from '../src/app/demo-sidecar.js';
import { DEMO_PARAMS, LARGE_PARAMS, parseSyntheticParams } from '../src/demo/generate.js';
import type { SyntheticParams } from '../src/demo/generate.js';
import { createCleanupService } from '../src/cleanup/service.js';
import { MetricsRenderer } from '../src/metrics/renderer.js';
import { snapshotPreparer, type SnapshotPreparer } from '../src/app/prepare.js';
import { accountsOf, startEmulatorProcess } from './emulator-process.js';
import type { EmulatorSummary as Summary } from './emulator-process.js';
import { SIDECAR_FLAGS } from './node-flags.js';
import { Refresher } from '../src/refresh/refresher.js';
import type { Snapshot } from '../src/snapshot/model.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export interface Scale {
  readonly name: string;
  readonly params: Partial<SyntheticParams>;
}

export const MEDIUM: Scale = { name: '1,000 repositories / ~100,000 images', params: { ...DEMO_PARAMS, repositories: 1000, imagesPerRepository: 100 } };
export const LARGE: Scale = {
  name: '5,000 repositories / ~1,000,000 images',
  params: { ...LARGE_PARAMS, ...(process.env.BENCH_LARGE_PARAMS ? parseSyntheticParams(process.env.BENCH_LARGE_PARAMS) : {}) },
};

/** Starts the V8 CPU profiler in this process; the returned function stops it and resolves with the profile. */
async function startProfile(): Promise<() => Promise<object>> {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((done, fail) => session.post(method, params, (error, result) => (error ? fail(error) : done(result as Record<string, unknown>))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return async () => {
    const { profile } = await post('Profiler.stop');
    session.disconnect();
    return profile as object;
  };
}

/** The sidecar process's peak resident set (VmHWM), in bytes; falls back to the current RSS. */
function peakRssBytes(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

/**
 * The floor of inventory calls for a snapshot: what any complete lister of repositories, images and policies must
 * make. A steady refresh within POLICY_REFRESH_INTERVAL reuses the policies, so its floor has none (`policies: false`).
 */
export function floorCalls(
  snapshot: Snapshot,
  options: { readonly policies: boolean } = { policies: true },
): { describeRepositories: number; describeImages: number; policies: number; total: number } {
  const perRegistry = new Map<string, number>();
  for (const r of snapshot.repositories) perRegistry.set(`${r.accountId}/${r.region}`, (perRegistry.get(`${r.accountId}/${r.region}`) ?? 0) + 1);
  const describeRepositories = snapshot.registries.reduce((n, g) => n + Math.max(1, Math.ceil((perRegistry.get(`${g.accountId}/${g.region}`) ?? 0) / 1000)), 0);
  let describeImages = 0;
  for (const images of snapshot.imagesByRepository.values()) describeImages += Math.max(1, Math.ceil(images.length / 1000));
  const policies = options.policies ? 2 * snapshot.repositories.length : 0;
  return { describeRepositories, describeImages, policies, total: describeRepositories + describeImages + policies };
}

const INVENTORY_OPS = ['ecr:DescribeRepositories', 'ecr:DescribeImages', 'ecr:GetLifecyclePolicy', 'ecr:GetRepositoryPolicy'];

interface RefreshFigures {
  readonly wallMs: number;
  /** The sidecar process's CPU (user + system) during the refresh; the emulator's is its own process's. */
  readonly cpuMs: number;
  readonly calls: Record<string, number>;
  readonly attempts: number;
}

async function timedRefresh(refresher: Refresher, stats: AwsCallStats): Promise<RefreshFigures> {
  const before: readonly AwsCallStat[] = stats.snapshot();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await refresher.run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const calls = AwsCallStats.diff(before, stats.snapshot());
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, calls, attempts: Object.values(calls).reduce((a, b) => a + b, 0) };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function printCalls(label: string, figures: RefreshFigures, floor: ReturnType<typeof floorCalls>): void {
  const inventory = INVENTORY_OPS.reduce((n, op) => n + (figures.calls[op] ?? 0), 0);
  console.log(`  ${label}: ${(figures.wallMs / 1000).toFixed(1)} s, ${(figures.cpuMs / 1000).toFixed(1)} s of sidecar CPU, ${fmt(figures.attempts)} AWS requests`);
  for (const [op, n] of Object.entries(figures.calls).sort()) console.log(`    ${op.padEnd(36)} ${fmt(n).padStart(9)}`);
  console.log(
    `    inventory calls ${fmt(inventory)} vs floor ${fmt(floor.total)} (${fmt(floor.describeRepositories)} DescribeRepositories + ${fmt(floor.describeImages)} DescribeImages + ${fmt(floor.policies)} policy calls): ${((inventory / floor.total - 1) * 100).toFixed(2)}% over`,
  );
}

/**
 * A refresher against the emulator, each new snapshot prepared as server.ts does (query indexes, the cleanup plan
 * with the default rule, the /metrics text), so benchmarks count that work in wall time and RSS.
 */
export function preparedRefresher(url: string, summary: Summary, stats: AwsCallStats): { config: AppConfig; clients: ClientRegistry; refresher: Refresher } {
  const base = loadConfig({ AWS_REGION: 'us-east-1', CLEANUP_DEFAULT_RULE: 'true', ...process.env, REFRESH_MIN_INTERVAL: '0' });
  const config: AppConfig = { ...base, accounts: accountsOf(summary) };
  const clients = new ClientRegistry({
    maxAttempts: config.aws.maxAttempts,
    stats,
    endpoints: { ecr: url, ecs: url, lambda: url, sts: url },
    credentials: DEMO_CREDENTIALS,
    requestTimeoutMs: 120_000,
  });
  let preparer: SnapshotPreparer | undefined = undefined;
  const refresher = new Refresher({ config, clients, prepare: (snapshot) => preparer?.prepare(snapshot), finish: (snapshot) => preparer?.finish(snapshot) });
  const cleanup = createCleanupService({ config: config.cleanup, inventory: refresher, prices: config.pricing });
  const metrics = new MetricsRenderer({ inventory: refresher, config: config.metrics, prices: config.pricing, cleanup });
  preparer = snapshotPreparer({ prices: config.pricing, cleanup, metrics });
  return { config, clients, refresher };
}

function timedMs(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

/**
 * The first refresh's figures. A function of its own: a block-scoped variable of the async benchmark held the first
 * snapshot (its indexes, plan and `/metrics` text) alive through the steady refresh, from a slot of its suspended frame.
 */
function printFirst(snapshot: Snapshot, first: RefreshFigures): void {
  if (snapshot.incomplete.length > 0) console.log(`  WARNING: ${snapshot.incomplete.length} incomplete entries, first: ${JSON.stringify(snapshot.incomplete[0])}`);
  console.log(`  snapshot: ${fmt(snapshot.repositories.length)} repositories, ${fmt(snapshot.images.length)} images, ${fmt(snapshot.uses.length)} uses, ${fmt(snapshot.layerSizes.size)} blobs`);
  printCalls('first refresh', first, floorCalls(snapshot));
  console.log(`    sidecar peak RSS (VmHWM) so far ${fmt(Math.round(peakRssBytes() / 1048576))} MiB`);
}

export async function benchRefresh(scale: Scale, latencyMs: number, firstLatencyMs = latencyMs): Promise<void> {
  console.log(`\n== ${scale.name} (emulator latency ${latencyMs} ms per call${firstLatencyMs !== latencyMs ? `, ${firstLatencyMs} ms in the first refresh` : ''}, rate limits off)`);
  console.log(`  generator: ${Object.entries(scale.params).filter(([k]) => /Share$/.test(k)).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const t0 = performance.now();
  const emulator = await startEmulatorProcess(scale.params);
  try {
    const summary = await emulator.admin<Summary>('GET', '/summary');
    const repositories = summary.registries.reduce((n, r) => n + r.repositories, 0);
    const images = summary.registries.reduce((n, r) => n + r.images, 0);
    console.log(`  emulator ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${summary.registries.length} registries, ${fmt(repositories)} repositories, ${fmt(images)} images`);
    await emulator.admin('PUT', '/controls', { faults: { '*': { latencyMs: firstLatencyMs } } });

    const stats = new AwsCallStats();
    const { config, clients, refresher } = preparedRefresher(emulator.url, summary, stats);
    console.log(
      `  AWS_CONCURRENCY ${config.aws.concurrency} per registry, REGISTRY_CONCURRENCY ${config.aws.registryConcurrency}; sidecar V8 heap limit ${fmt(Math.round(getHeapStatistics().heap_size_limit / 1048576))} MiB (${process.execArgv.join(' ')})`,
    );
    console.log('  each new snapshot is prepared as server.ts does (query indexes, cleanup plan with the default rule, /metrics text): included in wall time and RSS');

    const baseHeap = (global.gc?.(), process.memoryUsage().heapUsed);
    try {
      const firstProfile = process.env.BENCH_FIRST_CPU_PROFILE ? await startProfile() : undefined;
      const first = await timedRefresh(refresher, stats);
      if (firstProfile) {
        writeFileSync(process.env.BENCH_FIRST_CPU_PROFILE!, JSON.stringify(await firstProfile()));
        console.log(`  CPU profile of the first refresh: ${process.env.BENCH_FIRST_CPU_PROFILE}`);
      }
      printFirst(refresher.snapshot(), first);
      if (firstLatencyMs !== latencyMs) await emulator.admin('PUT', '/controls', { faults: { '*': { latencyMs } } });
      const profile = process.env.BENCH_CPU_PROFILE ? await startProfile() : undefined;
      const steady = await timedRefresh(refresher, stats);
      if (profile) {
        writeFileSync(process.env.BENCH_CPU_PROFILE!, JSON.stringify(await profile()));
        console.log(`  CPU profile of the steady-state refresh: ${process.env.BENCH_CPU_PROFILE}`);
      }
      // Within POLICY_REFRESH_INTERVAL: policies and tags reused, none read.
      printCalls('steady-state refresh', steady, floorCalls(refresher.snapshot(), { policies: false }));
      if (global.gc) global.gc();
      // A second full collection finds nothing to free: its time is what marking the live heap costs at once, the
      // pause V8 takes when it must finish a collection (near the heap cap) rather than mark beside the program.
      const fullGcMs = global.gc ? timedMs(global.gc) : undefined;
      const m = process.memoryUsage();
      const mib = (n: number): string => fmt(Math.round(n / 1048576));
      const images = refresher.snapshot().images.length;
      if (process.env.BENCH_HEAP_SNAPSHOT) console.log(`  heap snapshot after the steady-state refresh: ${writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT)}`);
      console.log(`  sidecar peak RSS (VmHWM) ${mib(peakRssBytes())} MiB; after GC${global.gc ? '' : ' (run with --expose-gc for a forced GC)'}: RSS ${mib(m.rss)} MiB, heap used ${mib(m.heapUsed)} / total ${mib(m.heapTotal)} MiB (${fmt(Math.round((m.heapUsed - baseHeap) / Math.max(1, images)))} B per image over the start), external ${mib(m.external)} MiB`);
      if (fullGcMs !== undefined) console.log(`  a full collection of the live heap at once (global.gc, nothing left to free): ${fmt(Math.round(fullGcMs))} ms`);
    } finally {
      await refresher.stop();
      clients.destroy();
    }
  } finally {
    await emulator.close();
  }
}

export async function main(): Promise<void> {
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 30);
  const firstLatencyMs = Number(process.env.BENCH_FIRST_LATENCY_MS ?? latencyMs);
  if (process.env.BENCH_ONLY_LARGE !== '1') await benchRefresh(MEDIUM, latencyMs, firstLatencyMs);
  if (process.env.BENCH_LARGE === '1' || process.env.BENCH_ONLY_LARGE === '1') await benchRefresh(LARGE, latencyMs, firstLatencyMs);
  else console.log('\n(set BENCH_LARGE=1 for 5,000 repositories / 1,000,000 images)');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.env.BENCH_REFRESH_CHILD === '1') await main();
  else {
    const child = spawnSync(process.execPath, [...SIDECAR_FLAGS, '--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_REFRESH_CHILD: '1' },
    });
    process.exitCode = child.status ?? 1;
  }
}
