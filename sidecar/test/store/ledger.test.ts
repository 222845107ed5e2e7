/**
 * The SQLite usage ledger: what survives a restart, how sightings merge (first/last seen, `at`), what
 * identifies a use, and the exact boundaries of seenSince and prune.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageUse } from '../../src/snapshot/model.js';
import type { LedgerEntry, UseSighting } from '../../src/store/types.js';
import { ACCOUNT, REGION, digest } from '../support/builders.js';
import { openStore } from './temp.js';

const REPO = `${ACCOUNT}/${REGION}/web`;
const WEB_V1 = digest('web-v1');
const WEB_V2 = digest('web-v2');
const URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web`;

const task = (id: string, patch: Partial<ImageUse> = {}): ImageUse => ({
  kind: 'running-task',
  accountId: ACCOUNT,
  region: REGION,
  cluster: 'prod',
  service: 'web',
  task: id,
  taskDefinition: 'web:3',
  // The workload, not the task id, identifies a use: one container per test task keeps them apart.
  container: `app-${id}`,
  reference: `${URI}:v1`,
  digest: WEB_V1,
  ...patch,
});

const sighting = (use: ImageUse, imageDigest = WEB_V1): UseSighting => ({
  repositoryId: REPO,
  digest: imageDigest,
  use,
});

/** Entries by task id, for comparison (seenSince promises no order). */
const byTask = (entries: LedgerEntry[]): LedgerEntry[] =>
  [...entries].sort((a, b) => (a.use.task ?? '').localeCompare(b.use.task ?? ''));

describe('ledger persistence', () => {
  it('keeps every entry across a close and reopen (a restart)', async () => {
    const first = openStore();
    const dir = dirname(first.location);
    await first.ledger.record([sighting(task('t1', { at: 500 })), sighting(task('t2'), WEB_V2)], 1000);
    await first.ledger.record([sighting(task('t1'))], 2000);
    await first.close();

    const again = openStore(dir);
    expect(byTask(await again.ledger.seenSince(0))).toEqual([
      { repositoryId: REPO, digest: WEB_V1, use: { ...task('t1'), at: 500, firstSeenAt: 1000, lastSeenAt: 2000 } },
      { repositoryId: REPO, digest: WEB_V2, use: { ...task('t2'), firstSeenAt: 1000, lastSeenAt: 1000 } },
    ]);
    expect((await again.ledger.size()).entries).toBe(2);
  });
});

describe('record: upsert semantics', () => {
  it('keeps first seen, moves last seen forward and keeps the newest at', async () => {
    const { ledger } = openStore();
    await ledger.record([sighting(task('t1', { at: 100 }))], 1000);
    await ledger.record([sighting(task('t1'))], 2000); // no `at` this time: the known one stays
    expect((await ledger.seenSince(0))[0]!.use).toMatchObject({ at: 100, firstSeenAt: 1000, lastSeenAt: 2000 });

    await ledger.record([sighting(task('t1', { at: 1500 }))], 3000);
    await ledger.record([sighting(task('t1', { at: 1200 }))], 4000); // an older `at` does not win
    const [entry] = await ledger.seenSince(0);
    expect(entry!.use).toMatchObject({ at: 1500, firstSeenAt: 1000, lastSeenAt: 4000 });
  });

  it('keeps the use as the latest sighting had it', async () => {
    const { ledger } = openStore();
    await ledger.record([sighting(task('t1', { digest: WEB_V1 }))], 1000);
    await ledger.record([sighting(task('t1', { digest: WEB_V2 }))], 2000);
    expect((await ledger.seenSince(0))[0]!.use).toEqual({
      ...task('t1', { digest: WEB_V2 }),
      firstSeenAt: 1000,
      lastSeenAt: 2000,
    });
  });

  it('a sighting recorded late moves first seen back and neither last seen nor the stored use', async () => {
    const { ledger } = openStore();
    await ledger.record([sighting(task('t1', { digest: WEB_V2 }))], 2000);
    await ledger.record([sighting(task('t1', { digest: WEB_V1 }))], 1000);
    const [entry] = await ledger.seenSince(0);
    expect(entry!.use).toEqual({ ...task('t1', { digest: WEB_V2 }), firstSeenAt: 1000, lastSeenAt: 2000 });
  });

  it('takes the times from seenAt, never from times the use carries (a recalled use seen again)', async () => {
    const { ledger } = openStore();
    await ledger.record([sighting({ ...task('t1'), firstSeenAt: 1, lastSeenAt: 2 })], 5000);
    expect((await ledger.seenSince(0))[0]!.use).toEqual({ ...task('t1'), firstSeenAt: 5000, lastSeenAt: 5000 });
  });

  it('writes a refresh in one transaction: a bad sighting stores none of it', async () => {
    const { ledger } = openStore();
    const broken = { repositoryId: null, digest: WEB_V2, use: task('t2') } as unknown as UseSighting;
    await expect(ledger.record([sighting(task('t1')), broken], 1000)).rejects.toThrow(/NOT NULL/);
    expect(await ledger.size()).toMatchObject({ entries: 0 });
  });

  it('rejects a time that is not a number, and records nothing for no sightings', async () => {
    const { ledger } = openStore();
    await expect(ledger.record([sighting(task('t1'))], Number.NaN)).rejects.toThrow(/seenAt/);
    await ledger.record([], 1000);
    expect((await ledger.size()).entries).toBe(0);
  });
});

describe('record: what identifies a use', () => {
  it('two tasks of one workload are one entry, with the latest task as the example', async () => {
    const { ledger } = openStore();
    const same = { container: 'app' };
    await ledger.record([sighting(task('t1', same))], 1000);
    await ledger.record([sighting(task('t2', same))], 2000);
    expect(await ledger.seenSince(0)).toEqual([{ repositoryId: REPO, digest: WEB_V1, use: { ...task('t2', same), firstSeenAt: 1000, lastSeenAt: 2000 } }]);
  });

  it('the same use seen twice, in one refresh or in two, is one entry', async () => {
    const { ledger } = openStore();
    await ledger.record([sighting(task('t1')), sighting(task('t1'))], 1000);
    await ledger.record([sighting(task('t1', { at: 900 }))], 2000); // `at` is not part of the identity
    expect(await ledger.seenSince(0)).toEqual([
      { repositoryId: REPO, digest: WEB_V1, use: { ...task('t1'), at: 900, firstSeenAt: 1000, lastSeenAt: 2000 } },
    ]);
  });

  it('the same use of two images, or of another kind, is another entry', async () => {
    const { ledger } = openStore();
    const service: ImageUse = {
      kind: 'service',
      accountId: ACCOUNT,
      region: REGION,
      cluster: 'prod',
      service: 'web',
      taskDefinition: 'web:3',
      container: 'app',
      reference: `${URI}:v1`,
    };
    await ledger.record([sighting(task('t1')), sighting(task('t1'), WEB_V2), sighting(service)], 1000);
    expect((await ledger.size()).entries).toBe(3);
  });
});

describe('seenSince and prune boundaries', () => {
  /** last seen 1000 / at none; last seen 1000 / at 990; last seen 800 / at 1200 (only `at` is recent); last seen 800. */
  async function seed() {
    const store = openStore();
    await store.ledger.record(
      [sighting(task('plain')), sighting(task('stopped', { kind: 'stopped-task', at: 990 }))],
      1000,
    );
    await store.ledger.record([sighting(task('late-at', { at: 1200 })), sighting(task('old'))], 800);
    return store.ledger;
  }
  const tasks = (entries: LedgerEntry[]): string[] => entries.map((e) => e.use.task!).sort();

  it('seenSince includes last seen or at equal to since, and nothing older', async () => {
    const ledger = await seed();
    expect(tasks(await ledger.seenSince(800))).toEqual(['late-at', 'old', 'plain', 'stopped']);
    expect(tasks(await ledger.seenSince(801))).toEqual(['late-at', 'plain', 'stopped']);
    expect(tasks(await ledger.seenSince(1000))).toEqual(['late-at', 'plain', 'stopped']);
    expect(tasks(await ledger.seenSince(1001))).toEqual(['late-at']);
    expect(tasks(await ledger.seenSince(1200))).toEqual(['late-at']);
    expect(await ledger.seenSince(1201)).toEqual([]);
  });

  it('seenSince fills in firstSeenAt, lastSeenAt and at', async () => {
    const ledger = await seed();
    const stopped = (await ledger.seenSince(1000)).find((e) => e.use.task === 'stopped')!;
    expect(stopped).toEqual({
      repositoryId: REPO,
      digest: WEB_V1,
      use: { ...task('stopped', { kind: 'stopped-task' }), at: 990, firstSeenAt: 1000, lastSeenAt: 1000 },
    });
  });

  it('prune forgets only entries whose last seen and at are both before the cutoff', async () => {
    const ledger = await seed();
    expect(await ledger.prune(800)).toBe(0); // nothing is strictly before 800
    expect(await ledger.prune(1000)).toBe(1); // 'old'; 'late-at' stays for its at, 'plain' and 'stopped' at the boundary
    expect(tasks(await ledger.seenSince(0))).toEqual(['late-at', 'plain', 'stopped']);
    expect(await ledger.prune(1001)).toBe(2); // 'plain' and 'stopped' (at 990)
    expect(tasks(await ledger.seenSince(0))).toEqual(['late-at']);
    expect(await ledger.prune(1201)).toBe(1);
    expect((await ledger.size()).entries).toBe(0);
  });

  it('a use seen again after it was pruned starts over', async () => {
    const ledger = await seed();
    expect(await ledger.prune(5000)).toBe(4);
    await ledger.record([sighting(task('old')), sighting(task('new'))], 6000);
    expect((await ledger.seenSince(0)).map((e) => [e.use.task, e.use.firstSeenAt, e.use.lastSeenAt]).sort()).toEqual([
      ['new', 6000, 6000],
      ['old', 6000, 6000],
    ]);
  });
});

describe('size', () => {
  it('counts entries and the bytes of the database file and its WAL', async () => {
    const store = openStore();
    await store.ledger.record([sighting(task('t1')), sighting(task('t2'))], 1000);
    const size = await store.ledger.size();
    const wal = statSync(`${store.location}-wal`).size;
    expect(size).toEqual({ entries: 2, bytes: statSync(store.location).size + wal });
    expect(wal).toBeGreaterThan(0); // the commit is in the WAL until a checkpoint
  });
});

describe('watched: since when a scope has been read without a gap', () => {
  const GAP = 55 * 60_000;
  it('starts a watch at the first read, extends it by reads within the gap, and restarts it after a longer one', async () => {
    const { ledger } = openStore();
    expect([...(await ledger.watched(['ecs/a', 'ecs/b'], 1_000_000, GAP))]).toEqual([
      ['ecs/a', 1_000_000],
      ['ecs/b', 1_000_000],
    ]);
    expect((await ledger.watched(['ecs/a'], 1_000_000 + GAP, GAP)).get('ecs/a')).toBe(1_000_000);
    // b was not read for longer than the gap: what ran meanwhile was not seen.
    expect((await ledger.watched(['ecs/b'], 1_000_000 + GAP + 1, GAP)).get('ecs/b')).toBe(1_000_000 + GAP + 1);
    expect((await ledger.watched(['ecs/a'], 1_000_000 + 2 * GAP, GAP)).get('ecs/a')).toBe(1_000_000);
  });

  it('survives a restart', async () => {
    const first = openStore();
    await first.ledger.watched(['ecs/a'], 5_000, GAP);
    await first.close();
    const again = openStore(dirname(first.location));
    expect((await again.ledger.watched(['ecs/a'], 5_000 + GAP, GAP)).get('ecs/a')).toBe(5_000);
  });
});
