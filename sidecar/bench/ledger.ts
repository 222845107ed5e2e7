/**
 * Usage-ledger benchmark: what the SQLite ledger costs per refresh for the 5,000-repository / 1,000,000-image
 * synthetic registry (LARGE_PARAMS).
 *
 * Sightings are the uses the synthetic ECS data produces, derived as the refresh does (assemble-ecs.ts: running
 * and stopped tasks, services' deployments, the newest 5 revisions of each family), keeping those that name an
 * inventoried image (the refresher records uses by image). The default generator runs few services (~650
 * sightings), so a heavier ECS configuration of the same generator (~100,000 sightings) is measured too.
 *
 * Per case: record() of a first refresh (all new) and of a steady one (all known), seenSince() over the
 * refresher's default window (7 days), prune(), and bytes on disk (database + WAL) after 1, 30 and 48 refreshes
 * 30 minutes apart with churn (see `churn`), and the event loop's longest delay while record() and seenSince() ran
 * (the store works on a thread of its own). Last, a steady record() on the main thread, synchronous=NORMAL beside FULL.
 *
 *   tsx bench/ledger.ts       (npm run bench -- ledger)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { generateFixture, LARGE_PARAMS } from '../src/demo/generate.js';
import type { SyntheticParams } from '../src/demo/generate.js';
import type { Fixture, FixtureRegistry, FixtureRepository } from '../src/demo/fixture.js';
import type { ImageUse } from '../src/snapshot/model.js';
import { parseEcrReference } from '../src/snapshot/reference.js';
import { migrate } from '../src/store/migrations.js';
import { SqliteLedger } from '../src/store/sqlite-ledger.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { UseSighting } from '../src/store/types.js';
import { mulberry32 } from '../src/demo/prng.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const REFRESH_EVERY = 30 * MINUTE;
/** The refresher's retention with default settings: max(keepIfUsedWithinDays 7, stopped-task window 24 h). */
const RETENTION = 7 * DAY;
const KEEP_REVISIONS = 5;

interface Case {
  readonly name: string;
  readonly params: Partial<SyntheticParams>;
}

const CASES: readonly Case[] = [
  { name: 'synthetic ECS usage as generated (LARGE_PARAMS)', params: LARGE_PARAMS },
  {
    name: 'heavier ECS usage (LARGE_PARAMS with 8 clusters x 100 services per registry, 5 running + 2 stopped tasks per service)',
    params: {
      ...LARGE_PARAMS,
      clustersPerRegistry: 8,
      servicesPerCluster: 100,
      tasksPerService: 5,
      stoppedTasksPerService: 2,
    },
  },
];

const fmt = (n: number): string => n.toLocaleString('en-US');
const msText = (n: number): string => `${n < 10 ? n.toFixed(2) : fmt(Math.round(n))} ms`;
const mib = (n: number): string => `${(n / 1_048_576).toFixed(1)} MiB`;
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bytesOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};
/** Pages in use (database and WAL together, free pages left out), read with a connection of our own. */
function usedBytes(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const pages =
      (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
    return pages * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}
/** size()'s bytes, split: the WAL is transient (cut back to 4 MiB when the next write restarts it). */
const disk = (file: string, bytes: number): string =>
  `${mib(bytes)} on disk (database ${mib(bytesOf(file))} + WAL ${mib(bytesOf(`${file}-wal`))})`;

/** Time taken, and the event loop's longest delay meanwhile (perf_hooks, 1 ms resolution): what a request waited. */
async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T; loopMaxMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // The monitor's first tick only starts its clock: a call that held the loop from the start would go unseen.
  await new Promise((resolve) => setTimeout(resolve, 3));
  const t0 = performance.now();
  const value = await f();
  const ms = performance.now() - t0;
  // One more turn: a call that held the loop is recorded when the monitor's overdue timer fires, before this.
  await new Promise((resolve) => setImmediate(resolve));
  loop.disable();
  return { ms, value, loopMaxMs: loop.count > 0 ? loop.max / 1e6 : 0 };
}
const maxOf = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), 0);

// ---- sightings from the synthetic fixture, as the refresh would record them ----

/** Resolves a reference to the inventoried image it names (tags through a per-repository index built once). */
function resolver(
  registry: FixtureRegistry,
): (reference: string, pinned?: string) => { repositoryId: string; digest: string } | undefined {
  const repos = new Map(registry.repositories.map((r) => [r.name, r]));
  const tagIndexes = new Map<string, Map<string, string>>();
  const tagIndex = (repo: FixtureRepository): Map<string, string> => {
    let index = tagIndexes.get(repo.name);
    if (!index) {
      index = new Map();
      for (const image of repo.images) for (const tag of image.tags ?? []) index.set(tag, image.digest);
      tagIndexes.set(repo.name, index);
    }
    return index;
  };
  return (reference, pinned) => {
    const ref = parseEcrReference(reference);
    if (!ref || ref.accountId !== registry.accountId || ref.region !== registry.region) return undefined;
    const repo = repos.get(ref.repository);
    if (!repo) return undefined;
    const digest = pinned ?? ref.digest ?? (ref.tag !== undefined ? tagIndex(repo).get(ref.tag) : undefined);
    return digest ? { repositoryId: `${registry.accountId}/${registry.region}/${ref.repository}`, digest } : undefined;
  };
}

function registrySightings(registry: FixtureRegistry): UseSighting[] {
  const ecs = registry.ecs;
  if (!ecs) return [];
  const { accountId, region } = registry;
  const resolve = resolver(registry);
  const out: UseSighting[] = [];
  const add = (use: ImageUse, pinned?: string): void => {
    const target = resolve(use.reference, pinned);
    if (target) out.push({ ...target, use });
  };
  const definitions = new Map((ecs.taskDefinitions ?? []).map((d) => [`${d.family}:${d.revision}`, d]));
  for (const cluster of ecs.clusters ?? []) {
    for (const task of cluster.tasks ?? []) {
      const kind = task.lastStatus === 'STOPPED' ? 'stopped-task' : 'running-task';
      const at = (kind === 'stopped-task' ? task.stoppedAt : (task.startedAt ?? task.createdAt)) ?? 0;
      for (const c of task.containers)
        add(
          {
            kind,
            accountId,
            region,
            cluster: cluster.name,
            service: task.service,
            task: task.id,
            taskDefinition: task.taskDefinition,
            container: c.name,
            reference: c.image,
            digest: c.imageDigest,
            at: at * 1000,
          },
          c.imageDigest,
        );
    }
    for (const service of cluster.services ?? [])
      for (const name of new Set(service.deployments.map((d) => d.taskDefinition))) {
        const deployedAt = service.deployments.find((d) => d.taskDefinition === name)!.createdAt * 1000;
        for (const c of definitions.get(name)?.containers ?? [])
          add({
            kind: 'service',
            accountId,
            region,
            cluster: cluster.name,
            service: service.name,
            taskDefinition: name,
            container: c.name,
            reference: c.image,
            digest: parseEcrReference(c.image)?.digest,
            at: deployedAt,
          });
      }
  }
  const newest = new Map<string, number>();
  for (const d of definitions.values()) newest.set(d.family, Math.max(newest.get(d.family) ?? 0, d.revision));
  for (const [name, d] of definitions) {
    if (d.revision <= newest.get(d.family)! - KEEP_REVISIONS) continue;
    for (const c of d.containers)
      add({
        kind: 'task-definition',
        accountId,
        region,
        taskDefinition: name,
        container: c.name,
        reference: c.image,
        digest: parseEcrReference(c.image)?.digest,
        at: d.registeredAt * 1000,
      });
  }
  return out;
}

function fixtureSightings(fixture: Fixture): UseSighting[] {
  return fixture.registries.flatMap(registrySightings);
}

// ---- churn between refreshes ----


const TASK_CHURN = 0.05;
const DEPLOY_CHURN = 0.01;
const STOPPED_VISIBLE = 2; // refreshes: ECS lists a stopped task for about an hour

/**
 * Each refresh: 5% of running tasks are replaced by new tasks (the old one is then seen as a stopped task for
 * an hour), and 1% of service and task-definition uses move to a new revision and image. Returns the next set.
 */
function churn(
  current: UseSighting[],
  stopping: { until: number; s: UseSighting }[],
  refresh: number,
  now: number,
  rnd: () => number,
): UseSighting[] {
  const next: UseSighting[] = [];
  for (const s of current) {
    const { use } = s;
    if (use.kind === 'running-task' && rnd() < TASK_CHURN) {
      stopping.push({ until: refresh + STOPPED_VISIBLE, s: { ...s, use: { ...use, kind: 'stopped-task', at: now } } });
      next.push({ ...s, use: { ...use, task: `${use.task}-r${refresh}`, at: now } });
    } else if ((use.kind === 'service' || use.kind === 'task-definition') && rnd() < DEPLOY_CHURN) {
      const [family, revision] = use.taskDefinition!.split(':');
      const digest = `sha256:${refresh.toString(16).padStart(8, '0')}${s.digest.slice(15)}`;
      next.push({
        ...s,
        digest,
        use: {
          ...use,
          taskDefinition: `${family}:${Number(revision) + 1}`,
          ...(use.digest ? { digest } : {}),
          at: now,
        },
      });
    } else next.push(s);
  }
  return next;
}

// ---- measurements ----

async function measureCase(c: Case): Promise<UseSighting[]> {
  console.log(`\n== ${c.name}`);
  const t0 = performance.now();
  let base = fixtureSightings(generateFixture(c.params));
  const kinds = new Map<string, number>();
  for (const s of base) kinds.set(s.use.kind, (kinds.get(s.use.kind) ?? 0) + 1);
  console.log(
    `  fixture generated and uses derived in ${msText(performance.now() - t0)}: ${fmt(base.length)} sightings (${[...kinds].map(([k, n]) => `${k} ${fmt(n)}`).join(', ')})`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'ecrlens-ledger-bench-'));
  const store = openSqliteStore(dir);
  try {
    const { ledger } = store;
    const start = Math.max(...base.map((s) => s.use.at ?? 0)) + MINUTE;
    const first = await timed(() => ledger.record(base, start));
    const afterOne = await ledger.size();
    const perEntry = Math.round(usedBytes(store.location) / Math.max(1, afterOne.entries));
    console.log(
      `  first refresh (all new): record() ${msText(first.ms)}; ${fmt(afterOne.entries)} entries, ${disk(store.location, afterOne.bytes)}, ${fmt(perEntry)} B per entry in the database's pages`,
    );

    const steady: number[] = [];
    const steadyLoop: number[] = [];
    for (let k = 1; k <= 5; k++) {
      const one = await timed(() => ledger.record(base, start + k * MINUTE));
      steady.push(one.ms);
      steadyLoop.push(one.loopMaxMs);
    }
    console.log(
      `  steady refresh (all known): record() median ${msText(median(steady))} (${steady.map(msText).join(', ')}); the event loop's longest delay meanwhile ${msText(maxOf(steadyLoop))} (first refresh ${msText(first.loopMaxMs)})`,
    );

    const stopping: { until: number; s: UseSighting }[] = [];
    const rnd = mulberry32(7);
    const perRefresh = { record: [] as number[], seenSince: [] as number[], prune: [] as number[], loop: [] as number[], returned: 0 };
    for (let refresh = 2; refresh <= 48; refresh++) {
      const now = start + (refresh - 1) * REFRESH_EVERY;
      base = churn(base, stopping, refresh, now, rnd);
      const visible = stopping.filter((x) => x.until >= refresh).map((x) => x.s);
      stopping.splice(0, stopping.length, ...stopping.filter((x) => x.until > refresh));
      const recorded = await timed(() => ledger.record([...base, ...visible], now));
      perRefresh.record.push(recorded.ms);
      const seen = await timed(() => ledger.seenSince(now - RETENTION));
      perRefresh.seenSince.push(seen.ms);
      perRefresh.loop.push(recorded.loopMaxMs, seen.loopMaxMs);
      perRefresh.returned = seen.value.length;
      perRefresh.prune.push((await timed(() => ledger.prune(now - RETENTION - DAY))).ms);
      if (refresh === 30 || refresh === 48) {
        const size = await ledger.size();
        console.log(
          `  after ${refresh} refreshes (${((refresh - 1) * 30) / 60} h): ${fmt(size.entries)} entries, ${disk(store.location, size.bytes)}`,
        );
      }
    }
    console.log(
      `  per refresh with churn (median of 47): record() ${msText(median(perRefresh.record))}, seenSince(now - 7 d) ${msText(median(perRefresh.seenSince))} returning ${fmt(perRefresh.returned)} entries, prune() with nothing to forget ${msText(median(perRefresh.prune))}; the event loop's longest delay in record() and seenSince() ${msText(maxOf(perRefresh.loop))}`,
    );
    const end = start + 47 * REFRESH_EVERY;
    const heavy = await timed(() => ledger.prune(end));
    const left = await ledger.size();
    console.log(
      `  prune() of every entry not seen in the last refresh: ${fmt(heavy.value)} entries in ${msText(heavy.ms)}; ${fmt(left.entries)} left, ${disk(store.location, left.bytes)} (freed pages are reused; the file does not shrink)`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return base;
}

/**
 * A steady record() on a connection of our own on the main thread, to compare synchronous=FULL (the store's) with
 * NORMAL: the whole call holds the event loop here, as it did before the store had a thread of its own.
 */
async function measureSynchronous(sightings: readonly UseSighting[]): Promise<void> {
  const figures: string[] = [];
  for (const mode of ['FULL', 'NORMAL'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'ecrlens-ledger-sync-'));
    const file = join(dir, 'ledger.sqlite');
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma(mode === 'FULL' ? 'synchronous = FULL' : 'synchronous = NORMAL');
      migrate(db);
      const ledger = new SqliteLedger(db, file);
      const first = await timed(() => ledger.record(sightings, 1));
      const steady: number[] = [];
      const loop: number[] = [];
      for (let k = 2; k <= 8; k++) {
        const one = await timed(() => ledger.record(sightings, k));
        steady.push(one.ms);
        loop.push(one.loopMaxMs);
      }
      figures.push(`${mode}: first ${msText(first.ms)}, steady median ${msText(median(steady))} (event loop held up to ${msText(maxOf(loop))})`);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`\n== synchronous, ${fmt(sightings.length)} sightings per record(): ${figures.join('; ')}`);
}

export async function main(): Promise<void> {
  console.log(
    "usage ledger benchmark (SQLite, WAL, synchronous=FULL, on the store's thread; refreshes 30 minutes apart; bytes = database + WAL)",
  );
  console.log(
    `  churn per refresh: ${TASK_CHURN * 100}% of running tasks replaced (the old one seen ${STOPPED_VISIBLE} refreshes as stopped), ${DEPLOY_CHURN * 100}% of service and task-definition uses move to a new revision and image`,
  );
  let last: UseSighting[] = [];
  for (const c of CASES) last = await measureCase(c);
  await measureSynchronous(last);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
