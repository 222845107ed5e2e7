/**
 * The store's thread (store/threaded-store.ts, store/store-thread.ts): a refresh's sightings and seenSince's
 * entries cross in pages with turns of the event loop between them, a thread that stops takes none of a record
 * with it and is replaced at the next call, close() waits for what was sent before, and errors keep their kind.
 */
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { ImageUse } from '../../src/snapshot/model.js';
import { PAGE_SIZE } from '../../src/store/thread-protocol.js';
import type { AuditEntry, UseSighting } from '../../src/store/types.js';
import { ACCOUNT, REGION, digest } from '../support/builders.js';
import { openStore } from './temp.js';

const REPO = `${ACCOUNT}/${REGION}/web`;
const WEB = digest('web');

const sighting = (n: number): UseSighting => {
  const use: ImageUse = {
    kind: 'running-task',
    accountId: ACCOUNT,
    region: REGION,
    cluster: 'prod',
    task: `task-${n}`,
    container: `app-${n}`,
    reference: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web@${WEB}`,
    digest: WEB,
    at: n,
  };
  return { repositoryId: REPO, digest: WEB, use };
};

const auditEntry = (runId: string, extra: Record<string, unknown> = {}): AuditEntry => ({
  event: 'cleanup.started',
  runId,
  at: '2026-12-07T10:00:00.000Z',
  who: { tokenFingerprint: '5d41402abc4b' },
  ...extra,
});

/** Counts the event loop's turns (setImmediate callbacks) until stopped. */
function turnCounter(): { stop: () => number } {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return turns;
    },
  };
}

describe("the store's thread", () => {
  it('records sightings of several pages whole, with turns of the event loop between the pages, and returns every entry', async () => {
    const { ledger } = openStore();
    const count = 3 * PAGE_SIZE + 5;
    const sightings = Array.from({ length: count }, (_, i) => sighting(i));

    const turns = turnCounter();
    await ledger.record(sightings, 1_000);
    // Four pages: the main thread gave the loop a turn before each of the last three.
    expect(turns.stop()).toBeGreaterThanOrEqual(3);

    const entries = await ledger.seenSince(1_000);
    expect(entries).toHaveLength(count);
    const byTask = new Map(entries.map((e) => [e.use.task, e]));
    for (const n of [0, PAGE_SIZE - 1, PAGE_SIZE, 2 * PAGE_SIZE + 1, count - 1])
      expect(byTask.get(`task-${n}`)).toEqual({
        repositoryId: REPO,
        digest: WEB,
        use: { ...sighting(n).use, firstSeenAt: 1_000, lastSeenAt: 1_000 },
      });
    expect((await ledger.size()).entries).toBe(count);
  });

  it('a thread stopped during a record rejects it, keeps none of its sightings, and the next call starts a new thread', async () => {
    const threads: Worker[] = [];
    const store = openStore(undefined, { threadStarted: (t) => threads.push(t) });
    await store.ledger.record([sighting(1)], 500);
    expect(threads).toHaveLength(1);

    // The thread stops right after the second page leaves (its exit seen at once, as Node reports it once the thread
    // is gone), while the record waits for a turn before the third: the record's rejection must be handled then,
    // not only once its last page is sent (unhandled, it would end the process).
    const thread = threads[0]!;
    const post = thread.postMessage.bind(thread);
    let pages = 0;
    let stopped: Promise<number> | undefined;
    thread.postMessage = (message: { call?: string }) => {
      post(message);
      if (message.call === 'ledger.sightings' && ++pages === 2) {
        stopped = thread.terminate();
        thread.emit('exit', 1);
      }
    };
    const recording = store.ledger.record(
      Array.from({ length: 4 * PAGE_SIZE }, (_, i) => sighting(100 + i)),
      1_000,
    );
    await expect(recording).rejects.toThrow(/the store's thread stopped/);
    expect(pages).toBe(2);
    await stopped;

    expect(await store.ledger.size()).toMatchObject({ entries: 1 });
    expect(threads).toHaveLength(2);
    await store.audit.append(auditEntry('after-the-crash'));
    expect((await store.audit.entries({ limit: 10 })).map((e) => e.entry.runId)).toEqual(['after-the-crash']);
  });

  it('close() waits for a record still sending its pages, and commits it whole', async () => {
    const store = openStore();
    const count = 5 * PAGE_SIZE;
    const recorded = store.ledger.record(
      Array.from({ length: count }, (_, i) => sighting(i)),
      3_000,
    );
    await store.close();
    await expect(recorded).resolves.toBeUndefined();
    const again = openStore(dirname(store.location));
    expect((await again.ledger.size()).entries).toBe(count);
  });

  it('close() waits for the calls sent before it; later calls are refused', async () => {
    const store = openStore();
    const appended = store.audit.append(auditEntry('last-words'));
    const recorded = store.ledger.record([sighting(7)], 2_000);
    await store.close();
    await expect(appended).resolves.toBeUndefined();
    await expect(recorded).resolves.toBeUndefined();
    await expect(store.ledger.size()).rejects.toThrow('the store is closed');

    const again = openStore(dirname(store.location));
    expect((await again.audit.entries({ limit: 10 })).map((e) => e.entry.runId)).toEqual(['last-words']);
    expect((await again.ledger.seenSince(0)).map((e) => e.use.task)).toEqual(['task-7']);
  });

  it('errors keep their kind across the thread; an entry that cannot be copied is refused alone', async () => {
    const store = openStore();
    await expect(store.ledger.record([sighting(1)], Number.NaN)).rejects.toThrow(
      new TypeError('seenAt must be a finite epoch-ms number, got NaN'),
    );
    await expect(store.audit.append(auditEntry('with-a-function', { note: () => 'not data' }))).rejects.toThrow(
      /could not be cloned/,
    );
    await store.audit.append(auditEntry('plain'));
    expect((await store.audit.entries({ limit: 10 })).map((e) => e.entry.runId)).toEqual(['plain']);
  });
});
