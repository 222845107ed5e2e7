/**
 * The usage ledger in SQLite: one row per (repository, digest, use identity), its last sighting in a narrow
 * companion row (migrations.ts). Every statement is prepared once; record() writes a whole refresh in one
 * transaction, so a refresh is remembered entirely or not at all.
 */
import { statSync } from 'node:fs';
import type { Database, Statement } from 'better-sqlite3';
import type { ImageUse } from '../snapshot/model.js';
import { useIdentity } from '../snapshot/model.js';
import type { LedgerEntry, UsageLedger, UseSighting } from './types.js';

interface LedgerRow {
  readonly repository_id: string;
  readonly digest: string;
  readonly use_json: string;
  readonly first_seen: number;
  readonly last_seen: number;
  readonly at: number | null;
}

interface KnownRow {
  readonly id: number;
  readonly first_seen: number;
  readonly last_seen: number;
  readonly at: number | null;
  readonly same: 0 | 1;
}

// `same`: whether the stored use equals this sighting's, compared in SQLite (no copy of the row into JS).
const FIND = `
  SELECT l.id, l.first_seen, s.last_seen, l.at, l.use_json = ? AS same FROM ledger l JOIN ledger_seen s ON s.id = l.id
  WHERE l.repository_id = ? AND l.digest = ? AND l.identity = ?`;
const INSERT =
  'INSERT INTO ledger (repository_id, digest, identity, kind, use_json, first_seen, at) VALUES (?, ?, ?, ?, ?, ?, ?)';
const INSERT_SEEN = 'INSERT INTO ledger_seen (id, last_seen) VALUES (?, ?)';
const UPDATE = 'UPDATE ledger SET use_json = coalesce(?, use_json), first_seen = ?, at = ? WHERE id = ?';
const UPDATE_SEEN = 'UPDATE ledger_seen SET last_seen = ? WHERE id = ?';

// Two index range scans (the second skips what the first returned), not a scan of the whole ledger.
const SEEN_SINCE = `
  SELECT l.repository_id, l.digest, l.use_json, l.first_seen, s.last_seen, l.at
  FROM ledger_seen s JOIN ledger l ON l.id = s.id WHERE s.last_seen >= @since
  UNION ALL
  SELECT l.repository_id, l.digest, l.use_json, l.first_seen, s.last_seen, l.at
  FROM ledger l JOIN ledger_seen s ON s.id = l.id WHERE l.at >= @since AND s.last_seen < @since`;

// ledger_seen rows go with their ledger rows (ON DELETE CASCADE; the store turns foreign keys on).
const PRUNE = `
  DELETE FROM ledger WHERE id IN (SELECT id FROM ledger_seen WHERE last_seen < @before)
    AND (at IS NULL OR at < @before)`;

/** The use as stored: without the times the columns hold. */
function storedUse(use: ImageUse): string {
  const { firstSeenAt: _first, lastSeenAt: _last, at: _at, ...rest } = use;
  return JSON.stringify(rest);
}

const newest = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);

function checkTime(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new TypeError(`${name} must be a finite epoch-ms number, got ${value}`);
}

export class SqliteLedger implements UsageLedger {
  private readonly recordAll: (sightings: readonly UseSighting[], seenAt: number) => void;
  private readonly seenSinceStmt: Statement<[{ since: number }], LedgerRow>;
  private readonly pruneStmt: Statement<[{ before: number }]>;
  private readonly countStmt: Statement<[], { n: number }>;
  private readonly watchAll: (scopes: readonly string[], at: number, maxGapMs: number) => Map<string, number>;

  /** `file`: the database's path, for size(); its WAL is `${file}-wal`. */
  constructor(
    db: Database,
    private readonly file: string,
  ) {
    this.seenSinceStmt = db.prepare<[{ since: number }], LedgerRow>(SEEN_SINCE);
    this.pruneStmt = db.prepare<[{ before: number }]>(PRUNE);
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM ledger');
    this.recordAll = db.transaction(upserter(db));
    this.watchAll = db.transaction(watcher(db));
  }

  async watched(scopes: readonly string[], at: number, maxGapMs: number): Promise<ReadonlyMap<string, number>> {
    checkTime('at', at);
    checkTime('maxGapMs', maxGapMs);
    return this.watchAll(scopes, at, maxGapMs);
  }

  async record(sightings: readonly UseSighting[], seenAt: number): Promise<void> {
    checkTime('seenAt', seenAt);
    if (sightings.length === 0) return;
    this.recordAll(sightings, seenAt);
  }

  async seenSince(since: number): Promise<LedgerEntry[]> {
    return [...this.entriesSeenSince(since)];
  }

  /** seenSince's entries one by one (the store's thread sends them in pages); the connection is busy until done. */
  *entriesSeenSince(since: number): Generator<LedgerEntry, void, void> {
    checkTime('since', since);
    for (const row of this.seenSinceStmt.iterate({ since })) {
      // Filled in place: a spread per entry costs more than the query at 100,000 entries.
      const use = JSON.parse(row.use_json) as { -readonly [K in keyof ImageUse]: ImageUse[K] };
      if (row.at !== null) use.at = row.at;
      use.firstSeenAt = row.first_seen;
      use.lastSeenAt = row.last_seen;
      yield { repositoryId: row.repository_id, digest: row.digest, use };
    }
  }

  async prune(before: number): Promise<number> {
    checkTime('before', before);
    return this.pruneStmt.run({ before }).changes;
  }

  async size(): Promise<{ readonly entries: number; readonly bytes: number }> {
    const entries = this.countStmt.get()!.n;
    return { entries, bytes: fileSize(this.file) + fileSize(`${this.file}-wal`) };
  }
}

/** The body of watched()'s transaction: a read within the gap extends the watch, a later one restarts it. */
function watcher(db: Database): (scopes: readonly string[], at: number, maxGapMs: number) => Map<string, number> {
  const find = db.prepare<[string], { since: number; last: number }>('SELECT since, last FROM watch WHERE scope = ?');
  const put = db.prepare<[string, number, number]>('INSERT INTO watch (scope, since, last) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET since = excluded.since, last = excluded.last');
  return (scopes, at, maxGapMs) => {
    const out = new Map<string, number>();
    for (const scope of scopes) {
      const known = find.get(scope);
      const continuous = known !== undefined && at - known.last <= maxGapMs && at >= known.since;
      const since = continuous ? known.since : at;
      put.run(scope, since, continuous ? Math.max(known.last, at) : at);
      out.set(scope, since);
    }
    return out;
  };
}

/**
 * The body of record()'s transaction. first_seen is the earliest sighting (not merely the first recorded:
 * a partial re-read may finish after a newer full refresh); last_seen the latest; the JSON follows the
 * latest sighting; `at` is the newest known.
 */
function upserter(db: Database): (sightings: readonly UseSighting[], seenAt: number) => void {
  const find = db.prepare<[string, string, string, string], KnownRow>(FIND);
  const insert = db.prepare<[string, string, string, string, string, number, number | null]>(INSERT);
  const insertSeen = db.prepare<[number | bigint, number]>(INSERT_SEEN);
  const update = db.prepare<[string | null, number, number | null, number]>(UPDATE);
  const updateSeen = db.prepare<[number, number]>(UPDATE_SEEN);
  return (sightings, seenAt) => {
    for (const { repositoryId, digest, use } of sightings) {
      const identity = useIdentity(use);
      const json = storedUse(use);
      const at = use.at ?? null;
      const known = find.get(json, repositoryId, digest, identity);
      if (!known) {
        insertSeen.run(insert.run(repositoryId, digest, identity, use.kind, json, seenAt, at).lastInsertRowid, seenAt);
        continue;
      }
      // A steady refresh changes only last_seen: the wide row is written only when something else changed.
      const newer = seenAt >= known.last_seen;
      const first = Math.min(known.first_seen, seenAt);
      const latestAt = newest(known.at, at);
      if (first !== known.first_seen || latestAt !== known.at || (newer && !known.same))
        update.run(newer ? json : null, first, latestAt, known.id);
      if (seenAt > known.last_seen) updateSeen.run(seenAt, known.id);
    }
  };
}

/** Bytes of a file; 0 when it does not exist (no WAL right after a checkpoint on close). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}
