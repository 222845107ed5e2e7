/**
 * The cleanup audit in SQLite: append-only rows in write order. Durability comes from the connection
 * (WAL with synchronous=FULL, set in sqlite.ts): an INSERT's commit is fsynced before append() resolves.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { AuditEntry, AuditEvent, AuditRun, AuditStore, StoredAuditEntry } from './types.js';

interface AuditRow {
  readonly seq: number;
  readonly entry: string;
}

const STARTED: AuditEvent = 'cleanup.started';
const FINISHED: AuditEvent = 'cleanup.finished';
const ABORTED: AuditEvent = 'cleanup.aborted';
const REFUSED: AuditEvent = 'cleanup.refused';

// dryRun !== true: json_type is 'true' only for a JSON true (not 1, not "true"); absent is NULL.
// min(seq) picks the first start of a run should one have been written twice.
const UNFINISHED = `
  SELECT s.run_id AS runId, s.at AS startedAt, min(s.seq) AS seq FROM audit s
  WHERE s.event = @started AND json_type(s.entry, '$.dryRun') IS NOT 'true'
    AND NOT EXISTS (SELECT 1 FROM audit e WHERE e.run_id = s.run_id AND e.event IN (@finished, @aborted))
  GROUP BY s.run_id
  ORDER BY seq`;

export class SqliteAudit implements AuditStore {
  private readonly insert: Statement<[string, string, string, string]>;
  private readonly page: Statement<[number, number], AuditRow>;
  private readonly runPage: Statement<[string, number, number], AuditRow>;
  /** One event's newest entries before a seq: the (event, seq) index, read backwards, LIMIT rows at most. */
  private readonly heads: Statement<[string, number, number], AuditRow>;
  /** A run's end: its entries through the (run_id, seq) index. */
  private readonly ends: Statement<[string, string, string], AuditRow>;
  private readonly unfinished: Statement<
    [{ started: string; finished: string; aborted: string }],
    { runId: string; startedAt: string; seq: number }
  >;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO audit (run_id, event, at, entry) VALUES (?, ?, ?, ?)');
    this.page = db.prepare('SELECT seq, entry FROM audit WHERE seq > ? ORDER BY seq LIMIT ?');
    this.runPage = db.prepare('SELECT seq, entry FROM audit WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.unfinished = db.prepare(UNFINISHED);
    this.heads = db.prepare('SELECT seq, entry FROM audit WHERE event = ? AND seq < ? ORDER BY seq DESC LIMIT ?');
    this.ends = db.prepare('SELECT seq, entry FROM audit WHERE run_id = ? AND event IN (?, ?) ORDER BY seq LIMIT 1');
  }

  async append(entry: AuditEntry): Promise<void> {
    if (typeof entry.runId !== 'string' || typeof entry.event !== 'string' || typeof entry.at !== 'string')
      throw new TypeError('an audit entry needs string event, runId and at');
    // Autocommit: one INSERT is its own transaction, committed (and with FULL, fsynced) when run() returns.
    this.insert.run(entry.runId, entry.event, entry.at, JSON.stringify(entry));
  }

  async entries(options: {
    readonly after?: number;
    readonly limit: number;
    readonly runId?: string;
  }): Promise<StoredAuditEntry[]> {
    const after = options.after ?? 0;
    if (!Number.isFinite(after) || !Number.isFinite(options.limit))
      throw new TypeError('after and limit must be finite numbers');
    // SQLite reads a negative LIMIT as "no limit": never let that through.
    const limit = Math.floor(options.limit);
    if (limit <= 0) return [];
    const rows =
      options.runId === undefined ? this.page.all(after, limit) : this.runPage.all(options.runId, after, limit);
    return rows.map((r) => ({ seq: r.seq, entry: JSON.parse(r.entry) as AuditEntry }));
  }

  async runs(options: { readonly before?: number; readonly limit: number }): Promise<AuditRun[]> {
    const before = options.before ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isFinite(before) || !Number.isFinite(options.limit)) throw new TypeError('before and limit must be finite numbers');
    const limit = Math.floor(options.limit);
    if (limit <= 0) return [];
    // Each run begins with one of these two; the newest `limit` of each, merged, hold the newest `limit` runs.
    const rows = [...this.heads.all(STARTED, before, limit), ...this.heads.all(REFUSED, before, limit)]
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit);
    return rows.map((row) => {
      const head = { seq: row.seq, entry: JSON.parse(row.entry) as AuditEntry };
      const end = this.ends.get(head.entry.runId, FINISHED, ABORTED);
      return end ? { head, end: { seq: end.seq, entry: JSON.parse(end.entry) as AuditEntry } } : { head };
    });
  }

  async unfinishedRuns(): Promise<{ readonly runId: string; readonly startedAt: string }[]> {
    return this.unfinished
      .all({ started: STARTED, finished: FINISHED, aborted: ABORTED })
      .map((r) => ({ runId: r.runId, startedAt: r.startedAt }));
  }
}
