/**
 * The store's schema, versioned with PRAGMA user_version. Migrations run in order, each in its own
 * IMMEDIATE transaction that also sets user_version, so a crash leaves the database at a whole version
 * and two processes opening it at once cannot both migrate. Append new versions; never edit a shipped one.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly description: string;
  /** Static SQL (no values from outside); it ends by setting user_version to `version`. */
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'usage ledger, cleanup audit, meta',
    sql: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      -- One row per use of one image, keyed by (repository_id, digest, identity).
      CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        repository_id TEXT NOT NULL,
        digest TEXT NOT NULL,
        identity TEXT NOT NULL,
        kind TEXT NOT NULL,
        use_json TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        at INTEGER,
        UNIQUE (repository_id, digest, identity)
      );
      CREATE INDEX ledger_at ON ledger (at) WHERE at IS NOT NULL;
      -- last_seen changes for every use at every refresh: kept in a narrow table of its own, so a steady
      -- refresh rewrites ~20 bytes per use, not the ~800-byte row (bench/ledger.ts: 4x faster at 100,000 uses).
      CREATE TABLE ledger_seen (
        id INTEGER PRIMARY KEY REFERENCES ledger (id) ON DELETE CASCADE,
        last_seen INTEGER NOT NULL
      );
      CREATE INDEX ledger_seen_last ON ledger_seen (last_seen);

      -- Append-only: AUTOINCREMENT so that a seq is never reused, even after the newest rows are gone.
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        event TEXT NOT NULL,
        at TEXT NOT NULL,
        entry TEXT NOT NULL
      );
      CREATE INDEX audit_run ON audit (run_id, seq);
      CREATE INDEX audit_event ON audit (event, seq);

      PRAGMA user_version = 1;
    `,
  },
  {
    version: 2,
    description: 'watches: since when each in-use source has been read without a gap',
    sql: `
      CREATE TABLE watch (
        scope TEXT PRIMARY KEY,
        since INTEGER NOT NULL,
        last INTEGER NOT NULL
      ) WITHOUT ROWID;

      PRAGMA user_version = 2;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

const userVersion = (db: Database): number => db.pragma('user_version', { simple: true }) as number;

/**
 * Brings the database to SCHEMA_VERSION; returns the versions before and after (equal: nothing ran).
 * Refuses a database from a newer ECR Lens: its schema may mean things this version does not know.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): { readonly from: number; readonly to: number } {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const from = userVersion(db);
  if (from > latest)
    throw new Error(
      `schema version ${from} is newer than this ECR Lens knows (${latest}); use a newer version or another data directory`,
    );
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated while we waited for it.
      if (userVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      const now = userVersion(db);
      if (now !== migration.version) throw new Error(`migration ${migration.version} left user_version at ${now}`);
    }).immediate();
  }
  return { from, to: userVersion(db) };
}
