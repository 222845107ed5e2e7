/**
 * The SQLite cleanup audit: write order and paging, surviving a restart, runs left unfinished by a crash,
 * the JSON-lines export, and append() rejecting when the database can no longer be written.
 */
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditJsonLines } from '../../src/store/audit-export.js';
import type { AuditEntry, AuditEvent, AuditStore } from '../../src/store/types.js';
import { makeDatabaseReadOnly, openStore } from './temp.js';

const WHO = { tokenFingerprint: '5d41402abc4b', remoteAddress: '10.0.0.7', user: 'alice' };

let clock = 0;
/** An entry at a distinct, increasing time. */
const entry = (event: AuditEvent, runId: string, extra: Record<string, unknown> = {}): AuditEntry => ({
  event,
  runId,
  at: new Date(Date.UTC(2025, 0, 1, 10) + 1000 * clock++).toISOString(),
  who: WHO,
  ...extra,
});

async function appendAll(audit: AuditStore, entries: readonly AuditEntry[]): Promise<void> {
  for (const e of entries) await audit.append(e);
}

describe('append and entries', () => {
  it('numbers entries in write order and pages through them oldest first', async () => {
    const { audit } = openStore();
    const written = [
      entry('cleanup.started', 'run-a', { dryRun: false, planId: 'p1' }),
      entry('cleanup.batch.started', 'run-a', { batch: 1, digests: ['sha256:aa'] }),
      entry('cleanup.refused', 'run-b', { status: 409 }),
      entry('cleanup.batch.finished', 'run-a', { batch: 1, deleted: 1 }),
      entry('cleanup.finished', 'run-a', { outcome: 'succeeded', deleted: ['x@sha256:aa'] }),
    ];
    await appendAll(audit, written);

    expect(await audit.entries({ limit: 10 })).toEqual(written.map((e, i) => ({ seq: i + 1, entry: e })));
    expect(await audit.entries({ after: 2, limit: 2 })).toEqual([
      { seq: 3, entry: written[2] },
      { seq: 4, entry: written[3] },
    ]);
    expect(await audit.entries({ after: 5, limit: 10 })).toEqual([]);
    expect((await audit.entries({ runId: 'run-a', after: 1, limit: 10 })).map((e) => e.seq)).toEqual([2, 4, 5]);
    expect(await audit.entries({ runId: 'run-b', limit: 10 })).toEqual([{ seq: 3, entry: written[2] }]);
  });

  it('never reads the whole log for a limit of zero or less', async () => {
    const { audit } = openStore();
    await appendAll(audit, [entry('cleanup.refused', 'r1'), entry('cleanup.refused', 'r2')]);
    expect(await audit.entries({ limit: 0 })).toEqual([]);
    expect(await audit.entries({ limit: -1 })).toEqual([]);
  });

  it('keeps the log across a restart and goes on numbering after it', async () => {
    const first = openStore();
    const dir = dirname(first.location);
    const before = [
      entry('cleanup.started', 'run-a', { dryRun: true }),
      entry('cleanup.finished', 'run-a', { dryRun: true }),
    ];
    await appendAll(first.audit, before);
    await first.close();

    const again = openStore(dir);
    const after = entry('cleanup.refused', 'run-b');
    await again.audit.append(after);
    expect(await again.audit.entries({ limit: 10 })).toEqual([
      { seq: 1, entry: before[0] },
      { seq: 2, entry: before[1] },
      { seq: 3, entry: after },
    ]);
  });
});

describe('unfinishedRuns', () => {
  it('lists real runs with a start and neither a finish nor an abort, in start order', async () => {
    const { audit } = openStore();
    const startedE = entry('cleanup.started', 'run-e'); // dryRun absent: not a dry run
    const startedA = entry('cleanup.started', 'run-a', { dryRun: false });
    const startedF = entry('cleanup.started', 'run-f', { dryRun: false });
    await appendAll(audit, [
      startedE,
      startedA,
      entry('cleanup.batch.started', 'run-a', { batch: 1 }),
      entry('cleanup.started', 'run-b', { dryRun: false }),
      entry('cleanup.finished', 'run-b', { outcome: 'succeeded' }),
      entry('cleanup.started', 'run-c', { dryRun: false }),
      entry('cleanup.aborted', 'run-c', { stoppedBecause: 'source unreadable' }),
      entry('cleanup.started', 'run-d', { dryRun: true }), // a dry run never deletes: not listed without a finish
      startedF,
      entry('cleanup.batch.started', 'run-f', { batch: 1 }),
      entry('cleanup.batch.finished', 'run-f', { batch: 1 }),
      entry('cleanup.refused', 'run-g', { status: 409 }), // no start at all
    ]);
    expect(await audit.unfinishedRuns()).toEqual([
      { runId: 'run-e', startedAt: startedE.at },
      { runId: 'run-a', startedAt: startedA.at },
      { runId: 'run-f', startedAt: startedF.at },
    ]);
  });

  it('is empty for an empty log', async () => {
    expect(await openStore().audit.unfinishedRuns()).toEqual([]);
  });
});

describe('runs', () => {
  it('lists each run once, newest first, with its first entry and its end, page by page', async () => {
    const { audit } = openStore();
    const written = [
      entry('cleanup.started', 'run-a', { dryRun: false, planId: 'p1' }), // 1
      entry('cleanup.batch.started', 'run-a', { batch: 1 }), // 2
      entry('cleanup.refused', 'run-b', { reason: 'plan id no longer matches' }), // 3
      entry('cleanup.batch.finished', 'run-a', { batch: 1 }), // 4
      entry('cleanup.finished', 'run-a', { outcome: 'succeeded' }), // 5
      entry('cleanup.started', 'run-c', { dryRun: false }), // 6: no end (running, or a crash)
      entry('cleanup.started', 'run-d', { dryRun: true }), // 7
      entry('cleanup.aborted', 'run-d', { outcome: 'aborted' }), // 8
    ];
    await appendAll(audit, written);
    const at = (seq: number) => ({ seq, entry: written[seq - 1]! });
    expect(await audit.runs({ limit: 10 })).toEqual([{ head: at(7), end: at(8) }, { head: at(6) }, { head: at(3) }, { head: at(1), end: at(5) }]);
    expect(await audit.runs({ limit: 2 })).toEqual([{ head: at(7), end: at(8) }, { head: at(6) }]);
    expect(await audit.runs({ before: 6, limit: 2 })).toEqual([{ head: at(3) }, { head: at(1), end: at(5) }]);
    expect(await audit.runs({ before: 1, limit: 2 })).toEqual([]);
    expect(await audit.runs({ limit: 0 })).toEqual([]);
    await expect(audit.runs({ limit: Number.NaN })).rejects.toThrow(TypeError);
  });
});

describe('auditJsonLines', () => {
  /** Delegates to the real store, noting the limit of each page asked for. */
  const pagesOf = (audit: AuditStore, limits: number[]): AuditStore => ({
    append: (e) => audit.append(e),
    unfinishedRuns: () => audit.unfinishedRuns(),
    runs: (options) => audit.runs(options),
    entries: (options) => {
      limits.push(options.limit);
      return audit.entries(options);
    },
  });

  it('writes every entry as one JSON line, oldest first, one page at a time', async () => {
    const { audit } = openStore();
    const written = Array.from({ length: 7 }, (_, i) =>
      entry(i % 2 ? 'cleanup.refused' : 'cleanup.started', `run-${i}`, { n: i, note: 'line\nbreak "quoted"' }),
    );
    await appendAll(audit, written);
    const lines: string[] = [];
    const limits: number[] = [];
    // An async writer: each line is awaited before the next.
    const count = await auditJsonLines(pagesOf(audit, limits), async (line) => void lines.push(line), 3);

    expect(count).toBe(7);
    expect(limits).toEqual([3, 3, 3]);
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    expect(lines.map((l) => JSON.parse(l) as AuditEntry)).toEqual(written);
  });

  it('stops after a full last page with one more read, and writes nothing for an empty log', async () => {
    const { audit } = openStore();
    await appendAll(
      audit,
      Array.from({ length: 4 }, (_, i) => entry('cleanup.refused', `run-${i}`)),
    );
    const limits: number[] = [];
    const lines: string[] = [];
    expect(await auditJsonLines(pagesOf(audit, limits), (line) => void lines.push(line), 2)).toBe(4);
    expect(limits).toEqual([2, 2, 2]);

    const empty = openStore();
    expect(await auditJsonLines(empty.audit, () => void lines.push('unexpected'))).toBe(0);
    expect(lines).toHaveLength(4);
  });

  it('rejects a page size that is not a positive integer', async () => {
    await expect(auditJsonLines(openStore().audit, () => undefined, 0)).rejects.toThrow(/pageSize/);
  });
});

describe('append when the database cannot be written', () => {
  it('rejects, and stores nothing, once the database has become read-only', async () => {
    const store = openStore();
    const kept = entry('cleanup.started', 'run-a', { dryRun: false });
    await store.audit.append(kept);
    makeDatabaseReadOnly(store.location);

    await expect(store.audit.append(entry('cleanup.finished', 'run-a'))).rejects.toThrow(/readonly/);
    expect(await store.audit.entries({ limit: 10 })).toEqual([{ seq: 1, entry: kept }]);
    expect(await store.audit.unfinishedRuns()).toEqual([{ runId: 'run-a', startedAt: kept.at }]);
  });
});
