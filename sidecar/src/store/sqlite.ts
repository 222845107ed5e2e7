/**
 * The durable store in one SQLite file, `<dataDir>/ecrlens.sqlite`: the usage ledger and the cleanup audit.
 * Opening checks, on the calling thread, that the directory and file can be written, with a real write
 * transaction after migrating, so a read-only volume fails at startup rather than at the first cleanup. Then the
 * store's own thread takes the file over (threaded-store.ts): its commits (fsynced, connection.ts) and a large
 * refresh's ledger writes no longer hold the event loop.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Database as Connection } from 'better-sqlite3';
import { migrate } from './migrations.js';
import { BUSY_TIMEOUT_MS, configure } from './connection.js';
import { threadedStore } from './threaded-store.js';
import type { Store } from './types.js';

export { auditJsonLines } from './audit-export.js';

export const DATABASE_FILE = 'ecrlens.sqlite';

export interface SqliteStoreOptions {
  /** Clock for the open-time write (meta.opened_at); tests may fix it. */
  readonly now?: () => number;
  /** Called with each thread the store starts (tests stop one to see a crash handled). */
  readonly threadStarted?: (thread: Worker) => void;
}

const reason = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
};

/** Creates the directory (owner-only when new) and checks that it can be written. */
function prepareDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new Error(`cannot create the data directory ${dir}: ${reason(error)}`, { cause: error });
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    // SQLite must create the -wal and -shm files beside the database.
    throw new Error(`the data directory ${dir} is not writable: ${reason(error)}`, { cause: error });
  }
}

/** Pragmas, schema, and a write that proves the file can be written now, not at the first cleanup. */
function initialise(db: Connection, now: () => number): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, not wal`);
  configure(db);
  migrate(db);
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    'opened_at',
    String(now()),
  );
}

/**
 * Opens (creating when missing) the store under `dataDir`. Throws an Error naming the path and the cause
 * when the directory or database cannot be created, migrated or written; the caller adds which setting it was.
 */
export function openSqliteStore(dataDir: string, options: SqliteStoreOptions = {}): Store {
  const dir = resolve(dataDir);
  prepareDirectory(dir);
  const file = join(dir, DATABASE_FILE);
  let db: Connection;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new Error(`cannot open the database ${file}: ${reason(error)}`, { cause: error });
  }
  try {
    initialise(db, options.now ?? Date.now);
  } catch (error) {
    db.close();
    throw new Error(`cannot use the database ${file}: ${reason(error)}`, { cause: error });
  }
  db.close();
  return threadedStore(file, options.threadStarted);
}
