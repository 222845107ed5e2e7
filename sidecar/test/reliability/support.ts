import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/**
 * Shared harness of the reliability tests: a small synthetic registry on the emulator, the real sidecar
 * server against it (real HTTP, real AWS SDK clients), a capturing logger and consistency probes.
 */
import type { AppConfig } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';
import type { Fixture, RunningEmulator, SyntheticParams } from '../../src/demo/index.js';
import { generateFixture, startEmulator } from '../../src/demo/index.js';
import { DEMO_CREDENTIALS, demoAccounts } from '../../src/app/demo-sidecar.js';
import type { Logger } from '../../src/log.js';
import { createLogger } from '../../src/log.js';
import type { HttpTimeouts, RunningServer } from '../../src/app/server.js';
import { startServer } from '../../src/app/server.js';
import type { Store } from '../../src/store/types.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** One account, two regions, ten repositories, 300 images, ECS on. */
export const SMALL_PARAMS: Partial<SyntheticParams> = {
  seed: 8,
  accounts: 1,
  regions: 2,
  repositories: 10,
  imagesPerRepository: 30,
  clustersPerRegistry: 1,
  servicesPerCluster: 2,
  tasksPerService: 1,
  stoppedTasksPerService: 1,
  taskDefinitionRevisions: 2,
};

/** The sidecar reads DescribeImages 1000 per page: this repository spans two pages. */
export const BIG_REPOSITORY = 'big/monorepo';
export const BIG_REPOSITORY_IMAGES = 1_100;

/** SMALL_PARAMS plus BIG_REPOSITORY (unscanned, so that it adds few calls) in the default registry. */
export function smallFixture(params: Partial<SyntheticParams> = {}, withBig = true): Fixture {
  const fixture = generateFixture({ ...SMALL_PARAMS, ...params });
  if (!withBig) return fixture;
  const big = generateFixture({
    seed: 3,
    accounts: 1,
    regions: 1,
    repositories: 1,
    imagesPerRepository: BIG_REPOSITORY_IMAGES,
    scannedShare: 0,
    artifactShare: 0,
    multiArchShare: 0,
  });
  const repository = { ...big.registries[0]!.repositories[0]!, name: BIG_REPOSITORY };
  const [first, ...rest] = fixture.registries;
  return { ...fixture, registries: [{ ...first!, repositories: [...first!.repositories, repository] }, ...rest] };
}

/** Totals of a fixture as a snapshot of it must show them. */
export function fixtureTotals(fixture: Fixture): { repositories: number; images: number } {
  const repositories = fixture.registries.flatMap((r) => r.repositories);
  return { repositories: repositories.length, images: repositories.reduce((n, r) => n + r.images.length, 0) };
}

/** A logger (info level) whose lines can be awaited: `logged(pattern)` resolves on the next line that matches. */
export function awaitableLogger(): { log: Logger; logged(pattern: RegExp): Promise<string> } {
  const waiting = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const write = (line: string): void => {
    for (const w of waiting)
      if (w.pattern.test(line)) {
        waiting.delete(w);
        w.resolve(line);
      }
  };
  return {
    log: createLogger({ level: 'info', write }),
    logged: (pattern) => new Promise((resolve) => waiting.add({ pattern, resolve })),
  };
}

/** A logger that keeps every line (at debug level), for the no-secret-in-logs checks. */
export function capturingLogger(secrets: readonly string[] = []): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: 'debug', secrets, write: (line) => lines.push(line) }), lines };
}

export interface TestSidecar {
  readonly url: string;
  readonly server: RunningServer;
  readonly config: AppConfig;
  close(): Promise<void>;
}

export interface SidecarOptions {
  readonly emulator: RunningEmulator;
  readonly env?: Record<string, string>;
  readonly log?: Logger;
  readonly httpTimeouts?: Partial<HttpTimeouts>;
  readonly port?: number;
  /** Default: the demo's dummy keys. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Default: SQLite in the data directory. The campaign benchmark passes one whose audit can be made to fail. */
  readonly store?: Store;
}

/**
 * The sidecar as demo mode wires it (startDemoSidecar), plus HTTP timeouts and a logger of our choice.
 * Refreshes on request are not rate-limited (REFRESH_MIN_INTERVAL=0) and AWS calls time out after 5 s.
 */
export async function startSidecar(options: SidecarOptions): Promise<TestSidecar> {
  const { emulator } = options;
  // Each sidecar its own ledger and audit, unless the test keeps them across a restart.
  const dataDir = options.env?.ECRLENS_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'ecr-lens-test-'));
  const base = loadConfig({
    AWS_REGION: emulator.store.defaultRegion,
    APP_HOST: '127.0.0.1',
    REFRESH_MIN_INTERVAL: '0',
    ...(dataDir ? { ECRLENS_DATA_DIR: dataDir } : {}),
    ...options.env,
  });
  const config: AppConfig = { ...base, port: options.port ?? 0, accounts: demoAccounts(emulator) };
  const server = await startServer(config, {
    log: options.log ?? createLogger({ level: 'error', write: () => undefined }),
    aws: {
      endpoints: { ecr: emulator.url, ecs: emulator.url, lambda: emulator.url, sts: emulator.url },
      credentials: options.credentials ?? DEMO_CREDENTIALS,
      requestTimeoutMs: 5_000,
    },
    ...(options.httpTimeouts ? { httpTimeouts: options.httpTimeouts } : {}),
    ...(options.store ? { store: options.store } : {}),
  });
  await server.firstRefresh;
  const close = async (): Promise<void> => {
    await server.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return { url: server.url, server, config, close };
}

export const startSmallEmulator = (fixture: Fixture = smallFixture(), port = 0): Promise<RunningEmulator> =>
  startEmulator({ fixture, port, host: '127.0.0.1' });

/** fetch with a hard per-request deadline: a hang fails the test instead of stalling it. */
export async function fetchWithin(url: string, init: RequestInit = {}, ms = 15_000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

export interface Readiness {
  ready: boolean;
  stale: boolean;
  snapshotVersion: number;
  refreshing: boolean;
  incomplete: boolean;
  incompleteCount: number;
}

export async function readyz(url: string): Promise<Readiness> {
  const res = await fetchWithin(`${url}/readyz`);
  if (res.status !== 200) throw new Error(`/readyz answered ${res.status}`);
  return (await res.json()) as Readiness;
}

export async function healthz(url: string): Promise<number> {
  return (await fetchWithin(`${url}/healthz`)).status;
}

/** The value of an unlabelled sample in a Prometheus exposition. */
export function metricValue(exposition: string, name: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Sum of every sample of a family (any labels). */
export function metricSum(exposition: string, name: string): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Distinct repositories (account, region, name) with an ecrlens_repository_images sample. */
export function metricRepositories(exposition: string): number {
  const keys = new Set<string>();
  for (const line of exposition.split('\n')) {
    if (!line.startsWith('ecrlens_repository_images{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    keys.add(labels.replace(/,?(kind|tagged)="[^"]*"/g, ''));
  }
  return keys.size;
}

export async function metrics(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetchWithin(`${url}/metrics`, { headers });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/**
 * POST /api/v1/refresh until it ran (200) or the route stopped waiting (202: then wait for that refresh to end).
 * Given the sidecar itself, that wait joins the refresh's own promise; given only a URL (the benchmarks' sidecars),
 * it polls /readyz.
 */
export async function triggerRefresh(
  target: string | TestSidecar,
  headers: Record<string, string> = {},
): Promise<void> {
  const url = typeof target === 'string' ? target : target.url;
  const res = await fetchWithin(`${url}/api/v1/refresh`, { method: 'POST', headers }, 120_000);
  if (res.status !== 200 && res.status !== 202)
    throw new Error(`POST /api/v1/refresh answered ${res.status}: ${await res.text()}`);
  if (res.status !== 202) return;
  if (typeof target === 'string') return waitFor(async () => !(await readyz(url)).refreshing, 120_000);
  // Both read the same in-progress flag in this one turn: refresh() joins the running refresh, or none is left.
  const { inventory } = target.server;
  if (inventory.status().refreshing) await inventory.refresh();
}

/** Polls `check`: for sidecars only reachable over HTTP (the benchmarks); tests wait on promises or events instead. */
export async function waitFor(check: () => Promise<boolean> | boolean, ms = 30_000, every = 50): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** What one consistent snapshot looks like from outside: its version and totals. */
export interface Observation {
  readonly source: string;
  /** Which of the concurrent pollers saw it. */
  readonly poller: number;
  readonly version: number;
  readonly repositories: number;
  readonly images: number;
}

/**
 * Polls the sidecar while `during` runs, through three independent views of the served snapshot: the
 * status route, the repositories and images queries (frame meta) and the metrics exposition. Returns
 * every observation, for the caller to check that each one is a whole snapshot.
 */
export async function observeWhile(
  url: string,
  during: () => Promise<void>,
  headers: Record<string, string> = {},
  metricsHeaders: Record<string, string> = {},
): Promise<Observation[]> {
  const seen: Observation[] = [];
  let done = false;
  const json = { ...headers, 'content-type': 'application/json' };
  const query = async (queryType: string): Promise<{ version: number; total: number }> => {
    const res = await fetchWithin(`${url}/api/v1/query`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ queryType, limit: 1 }),
    });
    if (res.status !== 200) throw new Error(`query ${queryType} answered ${res.status}`);
    const body = (await res.json()) as { total: number; frame: { meta: { snapshotVersion: number } } };
    return { version: body.frame.meta.snapshotVersion, total: body.total };
  };
  const poll = async (poller: number): Promise<void> => {
    // One more round after `during` ended, so the snapshot it produced is observed too.
    for (let last = false; !last;) {
      last = done;
      const status = await fetchWithin(`${url}/api/v1/status`, { headers });
      if (status.status !== 200) throw new Error(`/api/v1/status answered ${status.status}`);
      const s = (await status.json()) as {
        snapshotVersion: number;
        snapshot: { repositories: number; images: number };
      };
      seen.push({
        source: 'status',
        poller,
        version: s.snapshotVersion,
        repositories: s.snapshot.repositories,
        images: s.snapshot.images,
      });
      const [repositories, images] = await Promise.all([query('repositories'), query('images')]);
      // Two requests may straddle a swap; each is whole on its own, so pair them only when versions agree.
      if (repositories.version === images.version)
        seen.push({
          source: 'query',
          poller,
          version: images.version,
          repositories: repositories.total,
          images: images.total,
        });
      const text = await metrics(url, metricsHeaders);
      seen.push({
        source: 'metrics',
        poller,
        version: metricValue(text, 'ecrlens_inventory_snapshot_version') ?? -1,
        repositories: metricRepositories(text),
        images: metricSum(text, 'ecrlens_repository_images'),
      });
    }
  };
  const pollers = [poll(0), poll(1)];
  try {
    await during();
  } finally {
    done = true;
  }
  await Promise.all(pollers);
  return seen;
}
