/**
 * Reliability suite: `npm run bench:reliability` (tsx bench/reliability.ts). Prints two tables.
 *
 * 1. Faults, injected through the emulator's admin API (/_emulator/controls, /repositories/delete) into a
 *    moderate registry, each against the sidecar running in its own process: 30% throttling and 10% 5xx
 *    on every ECR and ECS operation, added latency, a repository deleted mid-refresh, a failure on the 2nd
 *    page, ECS unavailable (cleanup must block), every registry unreadable, and the emulator stopped for
 *    a minute then restarted on the same port. While each fault acts, pollers check that every answer is
 *    a whole snapshot (status, query frames and /metrics agree with a full snapshot's totals).
 * 2. Load: autocannon on loopback against the sidecar holding the large registry, with a refresh running,
 *    sending a mix of queries, /metrics scrapes and cleanup plans. Throughput, p50, p99, errors, RSS.
 *
 * The emulator runs in a child process (CLI, rate limits off) and so does the sidecar (this file with
 * --sidecar-child), so that the RSS figures are the sidecar's own.
 *
 *   RELIABILITY_IMAGES=1000000 RELIABILITY_REPOSITORIES=5000   load scale (default: LARGE_PARAMS)
 *   RELIABILITY_PARAMS=key=value,...   generator overrides for the load registry (e.g. enhancedShare=0)
 *   RELIABILITY_FAULT_IMAGES=20000 RELIABILITY_FAULT_REPOSITORIES=200   fault scale
 *   RELIABILITY_OUTAGE_SECONDS=60   emulator outage
 *   RELIABILITY_LOAD_SECONDS=60 RELIABILITY_CONNECTIONS=16   autocannon
 *   RELIABILITY_RATE=0   requests per second over all connections (0: as fast as they go)
 *   RELIABILITY_OTHERS_NICE=0   niceness for the emulator and the load generator during the load (e.g. 10: the
 *     sidecar runs first when the 2 cores are short, as where AWS and the clients are other machines)
 *   RELIABILITY_SIDECAR_HELPERS_NICE=0   niceness for every sidecar thread but its main one during the load (the
 *     collector's helper threads, libuv's pool): whether the main thread waits for a CPU behind its own helpers
 *   RELIABILITY_SKIP=faults|load   run one half only
 *   RELIABILITY_CPU_PROFILE=file.cpuprofile   the sidecar's CPU profile during the load, and its pauses over 250 ms (LONG_PAUSE lines on its standard output: see RELIABILITY_SIDECAR_STDOUT)
 *   RELIABILITY_HEAP_SAMPLING=file.heapprofile   the sidecar's sampled allocations during the load that outlived the young
 *     generation (still alive at its end, or freed by a full collection): what the requests and the refresh promote;
 *     also prints the LONG_PAUSE lines
 *   RELIABILITY_SIDECAR_FLAGS="--trace-gc"   more V8 flags for the sidecar (after the container's)
 *   RELIABILITY_SIDECAR_STDOUT=file   the sidecar's standard output (e.g. that trace), written to a file
 */
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { AccountConfig, AppConfig } from '../src/config.js';
import { loadConfig } from '../src/config.js';
import { LARGE_PARAMS, parseSyntheticParams } from '../src/demo/generate.js';
import { DEMO_CREDENTIALS } from '../src/app/demo-sidecar.js';
import { createLogger } from '../src/log.js';
import { startServer } from '../src/app/server.js';
import { cpuShareLine, lowerPriority, readCpu } from './cpu-share.js';
import { accountsOf, SIDECAR_DIR, startEmulatorProcess, stopChild, waitForLine } from './emulator-process.js';
import type { Child, EmulatorSummary as Summary } from './emulator-process.js';
import { SIDECAR_FLAGS } from './node-flags.js';
import { PauseLedger, type PauseReport } from './pause-ledger.js';
import { freePort } from '../test/support/free-port.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const THIS_FILE = fileURLToPath(import.meta.url);
const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name}: must be a non-negative number, got ${JSON.stringify(raw)}`);
  return value;
};
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (kib: number): string => fmt(kib / 1024);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the sidecar child ---------------------------------------------------------------------------

/** Child mode: the sidecar against the emulator at BENCH_EMULATOR_URL, accounts from BENCH_ACCOUNTS. */
async function sidecarChild(): Promise<void> {
  const env = process.env;
  const emulatorUrl = env.BENCH_EMULATOR_URL!;
  const accounts = JSON.parse(env.BENCH_ACCOUNTS!) as AccountConfig[];
  const dataDir = env.ECRLENS_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'ecr-lens-bench-'));
  const config: AppConfig = { ...loadConfig({ ...env, ECRLENS_DATA_DIR: dataDir }), accounts };
  const server = await startServer(config, {
    log: createLogger({ level: config.logLevel }),
    aws: { endpoints: { ecr: emulatorUrl, ecs: emulatorUrl, lambda: emulatorUrl, sts: emulatorUrl }, credentials: DEMO_CREDENTIALS },
  });
  console.log(`SIDECAR ${server.url}`);
  // The main thread's pauses, as requests feel them: SIGUSR2 prints p99 and max since the last one, then resets.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // RELIABILITY_CPU_PROFILE=file: a CPU profile from one SIGUSR2 to the next (the load window), and (with it or
  // RELIABILITY_HEAP_SAMPLING) a line for each pause over 250 ms (`LONG_PAUSE <end, µs of the monotonic clock the profile's timestamps use> <ms>`), so the
  // profile can be read over exactly that pause.
  let profiling: (() => void) | undefined;
  let sampling: (() => void) | undefined;
  if (env.RELIABILITY_CPU_PROFILE || env.RELIABILITY_HEAP_SAMPLING) {
    let last = process.hrtime.bigint();
    setInterval(() => {
      const now = process.hrtime.bigint();
      const pause = Number(now - last) / 1e6 - 20;
      if (pause > 250) console.log(`LONG_PAUSE ${now / 1000n} ${pause.toFixed(0)}`);
      last = now;
    }, 20).unref();
  }
  // What the peak RSS is made of: the sample with the highest RSS since the last SIGUSR2 (MiB: RSS, V8 heap
  // committed and used, external memory and the array buffers within it).
  let peak = process.memoryUsage();
  setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  }, 250).unref();
  const pauses = new PauseLedger(50);
  process.on('SIGUSR2', () => {
    console.log(`PAUSES ${JSON.stringify(pauses.report())}`);
    const at = [peak.rss, peak.heapTotal, peak.heapUsed, peak.external, peak.arrayBuffers].map((b) => (b / 2 ** 20).toFixed(0));
    console.log(`MEMORY_AT_PEAK ${at.join(' ')}`);
    peak = process.memoryUsage();
    console.log(`EVENT_LOOP_DELAY ${(delay.percentile(99) / 1e6).toFixed(1)} ${(delay.max / 1e6).toFixed(1)}`);
    delay.reset();
    if (env.RELIABILITY_HEAP_SAMPLING) {
      if (sampling) {
        sampling();
        sampling = undefined;
      } else sampling = sampleAllocationsTo(env.RELIABILITY_HEAP_SAMPLING);
    }
    if (!env.RELIABILITY_CPU_PROFILE) return;
    if (profiling) {
      profiling();
      profiling = undefined;
    } else profiling = profileTo(env.RELIABILITY_CPU_PROFILE);
  });
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Starts the CPU profiler; the returned function stops it and writes the profile to `file`. */
function profileTo(file: string): () => void {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')));
  return () =>
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(file, JSON.stringify(result.profile));
      session.disconnect();
    });
}

/**
 * Starts V8's sampling heap profiler, keeping the samples a full collection freed as well as those still alive, but not
 * those a scavenge freed; the returned function stops it and writes the profile (Chrome DevTools' .heapprofile) to `file`.
 */
function sampleAllocationsTo(file: string): () => void {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable', () =>
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: false,
    }),
  );
  return () =>
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(file, JSON.stringify(result.profile));
      session.disconnect();
    });
}

// ---- processes -----------------------------------------------------------------------------------


async function startSidecarProcess(emulatorUrl: string, summary: Summary, env: Record<string, string>): Promise<Child> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...SIDECAR_FLAGS, ...extraSidecarFlags(), '--import', 'tsx', THIS_FILE, '--sidecar-child'],
    {
      cwd: SIDECAR_DIR,
      env: {
        ...process.env,
        AWS_REGION: summary.defaultRegion,
        APP_HOST: '127.0.0.1',
        APP_PORT: String(port),
        LOG_LEVEL: 'error',
        REFRESH_MIN_INTERVAL: '0',
        CLEANUP_DEFAULT_RULE: 'true',
        ...env,
        BENCH_EMULATOR_URL: emulatorUrl,
        BENCH_ACCOUNTS: JSON.stringify(accountsOf(summary)),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (process.env.RELIABILITY_SIDECAR_STDOUT) child.stdout!.pipe(createWriteStream(process.env.RELIABILITY_SIDECAR_STDOUT));
  const url = await waitForLine(child, /SIDECAR (http:\/\/\S+)/, 'the sidecar', 120_000);
  child.stdout!.resume();
  return { url, child, close: () => stopChild(child) };
}

/** RELIABILITY_SIDECAR_FLAGS: V8 flags of V8's own (`--trace-gc`), split on blanks. */
function extraSidecarFlags(): string[] {
  const flags = (process.env.RELIABILITY_SIDECAR_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const bad = flags.find((flag) => !/^--[a-z][a-z0-9-]*(=[\w.-]+)?$/.test(flag));
  if (bad) throw new Error(`RELIABILITY_SIDECAR_FLAGS: ${JSON.stringify(bad)} is not a --flag or --flag=value`);
  return flags;
}

/** VmRSS and VmHWM (peak) of a process, in KiB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

// ---- probes --------------------------------------------------------------------------------------

interface Readiness {
  ready: boolean;
  stale: boolean;
  snapshotVersion: number;
  refreshing: boolean;
  incomplete: boolean;
  incompleteCount: number;
}
interface Status {
  snapshotVersion: number;
  lastDurationMs?: number;
  consecutiveFailures: number;
  snapshot: { repositories: number; images: number };
}

const getJson = async <T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  return { status: res.status, body: (await res.json()) as T };
};
const readyz = async (url: string) => (await getJson<Readiness>(`${url}/readyz`)).body;
const status = async (url: string) => (await getJson<Status>(`${url}/api/v1/status`)).body;

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return true;
    } catch {
      // keep polling
    }
    await sleep(everyMs);
  }
  return false;
}

/** POST /api/v1/refresh, then wait for the refresh to end. */
async function refresh(url: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/refresh`, { method: 'POST', signal: AbortSignal.timeout(30 * 60_000) });
  await res.text();
  await waitUntil(async () => !(await readyz(url)).refreshing, 30 * 60_000);
}

const metricValue = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

interface Observed {
  polls: number;
  /** Answers whose totals match no whole snapshot, or a version seen with two different totals. */
  torn: number;
  /** Versions that went backwards for one poller. */
  backwards: number;
  healthFailures: number;
  staleSeen: boolean;
  versions: Set<number>;
}

/**
 * Two pollers read the status, two query frames and /metrics while `during` runs. Every answer must
 * carry the totals of one whole snapshot (`allowed`), and a given version must always carry the same.
 */
async function observe(
  url: string,
  allowed: () => { repositories: number; images: number }[],
  during: () => Promise<void>,
): Promise<Observed> {
  const o: Observed = { polls: 0, torn: 0, backwards: 0, healthFailures: 0, staleSeen: false, versions: new Set() };
  const byVersion = new Map<number, string>();
  const check = (version: number, repositories: number, images: number): void => {
    o.polls++;
    o.versions.add(version);
    const key = `${repositories}/${images}`;
    if (!allowed().some((a) => a.repositories === repositories && a.images === images)) o.torn++;
    if ((byVersion.get(version) ?? key) !== key) o.torn++;
    byVersion.set(version, key);
  };
  let done = false;
  const query = async (queryType: string) => {
    const { body } = await getJson<{ total: number; frame: { meta: { snapshotVersion: number } } }>(
      `${url}/api/v1/query`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ queryType, limit: 1 }),
      },
    );
    return { version: body.frame.meta.snapshotVersion, total: body.total };
  };
  const poll = async () => {
    let last = -1;
    for (let final = false; !final;) {
      final = done;
      try {
        if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) })).status !== 200) o.healthFailures++;
        const s = await status(url);
        if (s.snapshotVersion < last) o.backwards++;
        last = s.snapshotVersion;
        check(s.snapshotVersion, s.snapshot.repositories, s.snapshot.images);
        const [r, i] = await Promise.all([query('repositories'), query('images')]);
        if (r.version === i.version) check(i.version, r.total, i.total);
        if ((await readyz(url)).stale) o.staleSeen = true;
      } catch {
        o.healthFailures++;
        await sleep(200);
      }
      await sleep(20);
    }
  };
  const pollers = [poll(), poll()];
  try {
    await during();
  } finally {
    done = true;
  }
  await Promise.all(pollers);
  return o;
}

// ---- faults --------------------------------------------------------------------------------------

interface FaultRow {
  fault: string;
  refreshS: string;
  polls: number;
  torn: number;
  health: number;
  servedStale: string;
  incomplete: string;
  recoveredS: string;
  note: string;
}

async function runFaults(): Promise<FaultRow[]> {
  const repositories = num('RELIABILITY_FAULT_REPOSITORIES', 200);
  const images = num('RELIABILITY_FAULT_IMAGES', 20_000);
  const outageMs = num('RELIABILITY_OUTAGE_SECONDS', 60) * 1000;
  const params = {
    accounts: 2,
    regions: 2,
    repositories,
    imagesPerRepository: Math.max(1, Math.round(images / repositories)),
    clustersPerRegistry: 2,
  };
  console.log(`\n== Faults: ${fmt(repositories)} repositories / ~${fmt(images)} images, outage ${outageMs / 1000} s`);
  let emulator = await startEmulatorProcess(params);
  const port = Number(new URL(emulator.url).port);
  const summary = await emulator.admin<Summary>('GET', '/summary');
  const full = {
    repositories: summary.registries.reduce((n, r) => n + r.repositories, 0),
    images: summary.registries.reduce((n, r) => n + r.images, 0),
  };
  // CACHE_REFRESH_INTERVAL=10: background refreshes, and a retry at most 10 s after a failed one.
  const sidecar = await startSidecarProcess(emulator.url, summary, { CACHE_REFRESH_INTERVAL: '10' });
  const rows: FaultRow[] = [];
  try {
    await waitUntil(async () => (await readyz(sidecar.url)).ready, 30 * 60_000);
    console.log(
      `  first refresh ${fmt(((await status(sidecar.url)).lastDurationMs ?? 0) / 1000, 1)} s: ${fmt(full.repositories)} repositories, ${fmt(full.images)} images`,
    );
    let allowed = [full];

    const recover = async (): Promise<string> => {
      const t0 = performance.now();
      await emulator.admin('PUT', '/controls', { faults: {} });
      // No manual refresh: the next background refresh must clear the flags by itself.
      const ok = await waitUntil(async () => {
        const r = await readyz(sidecar.url);
        return !r.stale && !r.incomplete && !r.refreshing;
      }, 5 * 60_000);
      return ok ? fmt((performance.now() - t0) / 1000, 1) : 'NO';
    };

    const scenario = async (
      fault: string,
      faults: Record<string, unknown>,
      note: (o: Observed) => Promise<string> | string,
      extra?: () => Promise<void>,
    ) => {
      await waitUntil(async () => !(await readyz(sidecar.url)).refreshing, 30 * 60_000);
      await emulator.admin('POST', '/calls/reset');
      await emulator.admin('PUT', '/controls', { faults });
      const t0 = performance.now();
      const o = await observe(
        sidecar.url,
        () => allowed,
        async () => {
          await Promise.all([refresh(sidecar.url), extra?.()]);
        },
      );
      const refreshS = fmt((performance.now() - t0) / 1000, 1);
      const r = await readyz(sidecar.url);
      const text = await (await fetch(`${sidecar.url}/metrics`)).text();
      const stale = `${r.stale ? 'yes' : 'no'} (metric ${metricValue(text, 'ecrlens_inventory_stale')})`;
      const noteText = await note(o);
      const recoveredS = await recover();
      rows.push({
        fault,
        refreshS,
        polls: o.polls,
        torn: o.torn + o.backwards,
        health: o.healthFailures,
        servedStale: stale,
        incomplete: String(r.incompleteCount),
        recoveredS,
        note: noteText,
      });
      console.log(
        `  ${fault}: refresh ${refreshS} s, ${o.polls} polls, ${o.torn + o.backwards} torn, stale ${stale}, incomplete ${r.incompleteCount}, recovered ${recoveredS} s; ${noteText}`,
      );
    };

    const calls = async () => {
      const c = await emulator.admin<Record<string, { calls: number; throttled: number; faulted: number }>>(
        'GET',
        '/calls',
      );
      const sum = (k: 'calls' | 'throttled' | 'faulted') => Object.values(c).reduce((n, v) => n + v[k], 0);
      return `${fmt(sum('calls'))} AWS calls, ${fmt(sum('throttled'))} throttled, ${fmt(sum('faulted'))} 5xx`;
    };

    await scenario(
      '30% throttling (all ECR+ECS)',
      { 'ecr:*': { throttleProbability: 0.3 }, 'ecs:*': { throttleProbability: 0.3 } },
      calls,
    );
    await scenario('10% 5xx (all)', { '*': { serverErrorProbability: 0.1 } }, calls);
    await scenario(
      '+200 ms latency (all)',
      { '*': { latencyMs: 200 } },
      (o) => `versions served during it: ${[...o.versions].sort((a, b) => a - b).join(', ')}`,
    );
    await scenario(
      'failure on page 2 (DescribeImages, repositories > 1,000 images)',
      { 'ecr:DescribeImages': { failOnPage: 2 } },
      calls,
    );
    await scenario(
      'every registry unreadable',
      { 'ecr:DescribeRepositories': { failOnPage: 1 } },
      (o) => `stale seen while polling: ${o.staleSeen}`,
    );
    await scenario('ECS unavailable', { 'ecs:*': { serverErrorProbability: 1 } }, async () => {
      const { body } = await getJson<{
        summary: { delete: number };
        repositories: { status: string; blockedReasons: { code: string }[] }[];
      }>(`${sidecar.url}/api/v1/cleanup/plan?limit=1`);
      const blocked = body.repositories.filter(
        (r) => r.status === 'blocked' && r.blockedReasons.some((b) => b.code === 'blocked-ecs'),
      ).length;
      return `cleanup plan: ${blocked}/${body.repositories.length} repositories blocked (blocked-ecs), ${body.summary.delete} deletable`;
    });

    // A repository deleted while the (slowed) refresh runs: answers are the snapshot before or after.
    const victim = await (async () => {
      const { body } = await getJson<{ frame: { fields: { name: string; values: unknown[] }[] } }>(
        `${sidecar.url}/api/v1/query`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            queryType: 'repositories',
            filters: { registry: summary.defaultAccountId, region: summary.defaultRegion },
            limit: 1,
            sort: { field: 'imageCount', order: 'desc' },
          }),
        },
      );
      const field = (n: string) => body.frame.fields.find((f) => f.name === n)?.values[0];
      return { name: String(field('repository')), images: Number(field('imageCount')) };
    })();
    allowed = [full, { repositories: full.repositories - 1, images: full.images - victim.images }];
    await scenario(
      'repository deleted mid-refresh',
      { 'ecr:DescribeImages': { latencyMs: 300 } },
      () => `deleted ${victim.name} (${victim.images} images) while DescribeImages calls were in flight`,
      async () => {
        await waitUntil(
          async () =>
            ((await emulator.admin<Record<string, { calls: number }>>('GET', '/calls'))['ecr:DescribeImages']?.calls ??
              0) > 0,
          60_000,
          20,
        );
        await emulator.admin('POST', '/repositories/delete', { repositoryName: victim.name });
      },
    );
    const after = allowed[1]!;

    // The emulator stopped for a while, then restarted on the same port (from the same parameters, so
    // the deleted repository is back: the snapshot after recovery is the full one again).
    {
      const t0 = performance.now();
      const o = await observe(
        sidecar.url,
        () => [full, after],
        async () => {
          await emulator.close();
          // A refresh now fails at once (the background ones every 10 s fail too): the data turns stale.
          await refresh(sidecar.url);
          await sleep(Math.max(0, outageMs - (performance.now() - t0)));
        },
      );
      const r = await readyz(sidecar.url);
      const text = await (await fetch(`${sidecar.url}/metrics`)).text();
      const stale = `${r.stale ? 'yes' : 'no'} (metric ${metricValue(text, 'ecrlens_inventory_stale')})`;
      const t1 = performance.now();
      emulator = await startEmulatorProcess(params, port);
      const ok = await waitUntil(async () => !(await readyz(sidecar.url)).stale, 5 * 60_000);
      const recoveredS = ok ? fmt((performance.now() - t1) / 1000, 1) : 'NO';
      const s = await status(sidecar.url);
      const row = {
        fault: `emulator stopped ${outageMs / 1000} s, restarted`,
        refreshS: fmt((t1 - t0) / 1000, 1),
        polls: o.polls,
        torn: o.torn + o.backwards,
        health: o.healthFailures,
        servedStale: stale,
        incomplete: String(r.incompleteCount),
        recoveredS,
        note: `served v${[...o.versions].join(', v')} throughout; after: ${fmt(s.snapshot.repositories)} repositories, ${fmt(s.snapshot.images)} images`,
      };
      rows.push(row);
      console.log(
        `  ${row.fault}: ${row.polls} polls, ${row.torn} torn, stale ${stale}, recovered ${recoveredS} s after the restart`,
      );
    }
    const rss = memoryOf(sidecar.child.pid!);
    console.log(`  sidecar RSS ${mib(rss.rss)} MiB, peak ${mib(rss.peak)} MiB`);
  } finally {
    await sidecar.close();
    await emulator.close();
  }
  return rows;
}

// ---- load ----------------------------------------------------------------------------------------

interface LoadFigures {
  scale: string;
  firstRefreshS: string;
  loadRefreshS: string;
  seconds: number;
  connections: number;
  requests: number;
  throughput: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  rssBeforeMiB: string;
  rssAfterMiB: string;
  peakMiB: string;
  /** The sidecar's event-loop delay during the load and its refresh (perf_hooks.monitorEventLoopDelay). */
  loopDelayP99Ms: string;
  loopDelayMaxMs: string;
  /** The sidecar's own sample with the highest RSS during the load, broken down (process.memoryUsage()). */
  memoryAtPeak: string;
  /** The sidecar's pauses during the load, set against the collector's (bench/pause-ledger.ts). */
  pauses: string;
  /** Where the machine's CPU went during the load (bench/cpu-share.ts). */
  cpu: string;
  mix: string;
}

async function runLoad(): Promise<LoadFigures> {
  const images = num('RELIABILITY_IMAGES', LARGE_PARAMS.imagesPerRepository * LARGE_PARAMS.repositories);
  const repositories = num(
    'RELIABILITY_REPOSITORIES',
    Math.min(LARGE_PARAMS.repositories, Math.max(1, Math.round(images / 200))),
  );
  const seconds = num('RELIABILITY_LOAD_SECONDS', 60);
  const connections = num('RELIABILITY_CONNECTIONS', 16);
  // 0: as fast as the connections go (the machine's cores shared with the load generator and the emulator).
  const rate = num('RELIABILITY_RATE', 0);
  const othersNice = num('RELIABILITY_OTHERS_NICE', 0);
  if (othersNice > 19) throw new Error(`RELIABILITY_OTHERS_NICE: a niceness is at most 19, got ${othersNice}`);
  const helpersNice = num('RELIABILITY_SIDECAR_HELPERS_NICE', 0);
  if (helpersNice > 19) throw new Error(`RELIABILITY_SIDECAR_HELPERS_NICE: a niceness is at most 19, got ${helpersNice}`);
  const overrides = process.env.RELIABILITY_PARAMS ? parseSyntheticParams(process.env.RELIABILITY_PARAMS) : {};
  const params = { ...LARGE_PARAMS, ...overrides, repositories, imagesPerRepository: Math.max(1, Math.round(images / repositories)) };
  console.log(
    `\n== Load: ${fmt(repositories)} repositories / ~${fmt(images)} images, ${connections} connections${rate > 0 ? ` at ${fmt(rate)} req/s in all` : ''}, ${seconds} s; sidecar ${[...SIDECAR_FLAGS, ...extraSidecarFlags()].join(' ')}` +
      (othersNice > 0 ? `; the emulator and the load generator at nice ${othersNice} during the load` : '') +
      (helpersNice > 0 ? `; the sidecar's threads but its main one at nice ${helpersNice} during the load` : ''),
  );
  if (Object.keys(overrides).length) console.log(`  generator overrides: ${process.env.RELIABILITY_PARAMS}`);
  const t0 = performance.now();
  const emulator = await startEmulatorProcess(params);
  const summary = await emulator.admin<Summary>('GET', '/summary');
  const total = summary.registries.reduce((n, r) => n + r.images, 0);
  console.log(
    `  emulator ready in ${fmt((performance.now() - t0) / 1000, 1)} s: ${summary.registries.length} registries, ${fmt(total)} images`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'ecr-lens-reliability-'));
  const sidecar = await startSidecarProcess(emulator.url, summary, { CLEANUP_AUDIT_LOG: join(dir, 'audit.jsonl') });
  try {
    const t1 = performance.now();
    let last = 0;
    const ok = await waitUntil(
      async () => {
        if (performance.now() - last > 30_000) {
          last = performance.now();
          const m = memoryOf(sidecar.child.pid!);
          console.log(
            `  ... first refresh running ${fmt((performance.now() - t1) / 1000)} s, sidecar RSS ${mib(m.rss)} MiB`,
          );
        }
        return (await readyz(sidecar.url)).ready;
      },
      60 * 60_000,
      1000,
    );
    if (!ok) throw new Error('the first refresh did not finish within an hour');
    const first = await status(sidecar.url);
    const firstRefreshS = fmt((first.lastDurationMs ?? 0) / 1000, 1);
    console.log(
      `  first refresh ${firstRefreshS} s: ${fmt(first.snapshot.repositories)} repositories, ${fmt(first.snapshot.images)} images`,
    );
    // After the sidecar started: it keeps its own priority (a child inherits its parent's niceness).
    if (othersNice > 0 && !(lowerPriority(emulator.child.pid!, othersNice) && lowerPriority(process.pid, othersNice)))
      throw new Error('RELIABILITY_OTHERS_NICE: could not lower the emulator and the load generator (Linux /proc and setpriority)');
    if (helpersNice > 0 && !lowerPriority(sidecar.child.pid!, helpersNice, true))
      throw new Error("RELIABILITY_SIDECAR_HELPERS_NICE: could not lower the sidecar's helper threads (Linux /proc and setpriority)");

    const json = { 'content-type': 'application/json' };
    const query = (body: unknown) => ({
      method: 'POST' as const,
      path: '/api/v1/query',
      headers: json,
      body: JSON.stringify(body),
    });
    const requests = [
      query({ queryType: 'repositories', limit: 100 }),
      query({ queryType: 'images', filters: { repository: 'a*', untagged: false }, limit: 500 }),
      query({ queryType: 'cost', limit: 100 }),
      query({ queryType: 'severity', limit: 100 }),
      query({
        queryType: 'images',
        filters: { olderThanDays: 90, inUse: false },
        sort: { field: 'sizeBytes', order: 'desc' },
        limit: 100,
      }),
      query({ queryType: 'usage', limit: 100 }),
      // As Prometheus asks for it.
      { method: 'GET' as const, path: '/metrics', headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5', 'accept-encoding': 'gzip' } },
      { method: 'GET' as const, path: '/api/v1/cleanup/plan?limit=100' },
    ];
    const mix =
      'repositories, images (glob), cost, severity, images (age/in-use, sorted), usage queries; /metrics; cleanup plan (limit 100)';
    // Warm every route once (first renders build the per-snapshot indexes and plan).
    for (const r of requests) {
      const res = await fetch(`${sidecar.url}${r.path}`, {
        method: r.method,
        headers: 'headers' in r ? r.headers : {},
        ...('body' in r ? { body: r.body } : {}),
      });
      await res.arrayBuffer();
      if (res.status !== 200) console.log(`  WARNING: warm-up ${r.method} ${r.path} answered ${res.status}`);
    }
    if (global.gc) global.gc();
    const before = memoryOf(sidecar.child.pid!);

    // A refresh during the load: started at once, timed until it ends.
    const t2 = performance.now();
    let loadRefreshS = 'still running';
    // Start the event-loop delay window with the load (the line this prints is the warm-up's).
    const warmupDelay = eventLoopDelay(sidecar);
    await warmupDelay;
    const refreshing = refresh(sidecar.url).then(() => {
      loadRefreshS = fmt((performance.now() - t2) / 1000, 1);
    });
    let peakRss = before.rss;
    const sampler = setInterval(() => {
      try {
        peakRss = Math.max(peakRss, memoryOf(sidecar.child.pid!).rss);
      } catch {
        // the child is gone: reported below
      }
    }, 250);
    const cpuBefore = readCpu(sidecar.child.pid!, emulator.child.pid!);
    const result = await autocannon({ url: sidecar.url, connections, duration: seconds, requests, timeout: 30, ...(rate > 0 ? { overallRate: rate } : {}) });
    const cpu = cpuShareLine(cpuBefore, readCpu(sidecar.child.pid!, emulator.child.pid!));
    clearInterval(sampler);
    console.log(`  load done; waiting for the refresh (${loadRefreshS})`);
    await refreshing;
    const loopDelay = await eventLoopDelay(sidecar);
    const after = memoryOf(sidecar.child.pid!);
    return {
      scale: `${fmt(first.snapshot.repositories)} repositories / ${fmt(first.snapshot.images)} images`,
      firstRefreshS,
      loadRefreshS,
      seconds,
      connections,
      requests: result.requests.total,
      throughput: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      errors: result.errors,
      non2xx: result.non2xx,
      timeouts: result.timeouts,
      rssBeforeMiB: mib(before.rss),
      rssAfterMiB: mib(after.rss),
      peakMiB: mib(Math.max(after.peak, peakRss)),
      loopDelayP99Ms: loopDelay.p99,
      loopDelayMaxMs: loopDelay.max,
      memoryAtPeak: loopDelay.memoryAtPeak,
      pauses: loopDelay.pauses,
      cpu,
      mix,
    };
  } finally {
    await sidecar.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The sidecar's event-loop delay since the last ask (its SIGUSR2 handler prints it), in ms. */
async function eventLoopDelay(sidecar: Child): Promise<{ p99: string; max: string; memoryAtPeak: string; pauses: string }> {
  const pauseLine = waitForLine(sidecar.child, /PAUSES (\{.*\})\n/, 'the pause report', 10_000);
  const memory = waitForLine(sidecar.child, /MEMORY_AT_PEAK ([\d ]+)\n/, 'the memory report', 10_000);
  const line = waitForLine(sidecar.child, /EVENT_LOOP_DELAY ([\d.]+ [\d.]+)\n/, 'the event-loop delay report', 10_000);
  sidecar.child.kill('SIGUSR2');
  const [rss, heapTotal, heapUsed, external, arrayBuffers] = (await memory).split(' ').map(Number) as [number, number, number, number, number];
  const memoryAtPeak =
    `${fmt(rss)} MiB = V8 heap ${fmt(heapTotal)} committed (${fmt(heapUsed)} used) + external ${fmt(external)} ` +
    `(array buffers ${fmt(arrayBuffers)}) + ${fmt(rss - heapTotal - external)} the rest (code, stacks, native)`;
  // JSON writes an unknown wait (NaN) as null.
  const p = JSON.parse(await pauseLine) as Omit<PauseReport, 'waitingMs' | 'longest'> & {
    waitingMs: number | null;
    longest: { ms: number; gcMs: number; waitingMs: number | null };
  };
  const waitedLongest = p.longest.waitingMs === null ? 'an unknown time' : `${fmt(p.longest.waitingMs)} ms`;
  const pauses =
    `${fmt(p.count)} pauses of ${p.over} ms or more, ${fmt(p.totalMs / 1000, 1)} s in all: ${fmt(p.gcMs / 1000, 1)} s in the collector's ` +
    `stop-the-world pauses, ${p.waitingMs === null ? 'an unknown time (no schedstat)' : `${fmt(p.waitingMs / 1000, 1)} s`} waiting for a CPU (the thread runnable, the 2 cores busy elsewhere); ` +
    `the longest part of one outside the collector's pauses ${fmt(p.longestOutsideGcMs)} ms (in a pause of ${fmt(p.inPauseMs)} ms; ` +
    `JavaScript or the collector's incremental marking steps, which have no gc entry); the longest pause ${fmt(p.longest.ms)} ms: ` +
    `${fmt(p.longest.gcMs)} ms in the collector's stop-the-world pauses, ${waitedLongest} waiting for a CPU, ` +
    `${p.longest.waitingMs === null ? 'the rest' : `${fmt(p.longest.ms - p.longest.gcMs - p.longest.waitingMs)} ms`} running`;
  const [p99, max] = (await line).split(' ');
  return { p99: p99!, max: max!, memoryAtPeak, pauses };
}

// ---- tables --------------------------------------------------------------------------------------

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join(
    '\n',
  );
}

async function main(): Promise<void> {
  const skip = process.env.RELIABILITY_SKIP ?? '';
  const faults = skip === 'faults' ? [] : await runFaults();
  const load = skip === 'load' ? undefined : await runLoad();

  if (faults.length > 0) {
    console.log('\n### Faults\n');
    console.log(
      table(
        [
          'Fault',
          'Refresh (s)',
          'Polls',
          'Torn answers',
          'Health failures',
          'Stale after',
          'Incomplete after',
          'Recovered in (s)',
          'Notes',
        ],
        faults.map((r) => [
          r.fault,
          r.refreshS,
          r.polls,
          r.torn,
          r.health,
          r.servedStale,
          r.incomplete,
          r.recoveredS,
          r.note,
        ]),
      ),
    );
  }
  if (load) {
    console.log('\n### Load\n');
    console.log(
      table(
        [
          'Scale',
          'Connections',
          'Duration (s)',
          'Requests',
          'Throughput (req/s)',
          'p50 (ms)',
          'p99 (ms)',
          'Max (ms)',
          'Errors',
          'Non-2xx',
          'Timeouts',
        ],
        [
          [
            load.scale,
            load.connections,
            load.seconds,
            fmt(load.requests),
            fmt(load.throughput, 1),
            load.p50,
            load.p99,
            load.max,
            load.errors,
            load.non2xx,
            load.timeouts,
          ],
        ],
      ),
    );
    console.log('');
    console.log(
      table(
        [
          'First refresh (s)',
          'Refresh under load (s)',
          'Event-loop delay p99 (ms)',
          'Event-loop delay max (ms)',
          'RSS before load (MiB)',
          'RSS after (MiB)',
          'Peak RSS (MiB)',
        ],
        [
          [
            load.firstRefreshS,
            load.loadRefreshS,
            load.loopDelayP99Ms,
            load.loopDelayMaxMs,
            load.rssBeforeMiB,
            load.rssAfterMiB,
            load.peakMiB,
          ],
        ],
      ),
    );
    console.log(`\nThe sidecar's event loop during the load: ${load.pauses}.`);
    console.log(`\nDuring the load, ${load.cpu}.`);
    console.log(`\nAt the sidecar's highest RSS sample during the load: ${load.memoryAtPeak}.`);
    console.log(`\nMix (round-robin per connection): ${load.mix}.`);
  }
}

if (process.argv.includes('--sidecar-child')) {
  await sidecarChild();
} else {
  await main();
}
