/**
 * One connection's settings, the same for the main thread's check at open (sqlite.ts) and the store's thread
 * (store-thread.ts): WAL is the file's own (set once, kept), the rest is per connection.
 */
import type { Database as Connection } from 'better-sqlite3';

/** How long a write waits for another connection's write lock (another process on the same file). */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * synchronous=FULL: every commit is fsynced before it returns, so an audit entry is on disk when append()
 * resolves (bench/ledger.ts measures what FULL costs the ledger). Foreign keys on: the ledger's companion rows
 * go with their rows.
 */
export function configure(db: Connection): void {
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = FULL');
  // A WAL that one large refresh grew is cut back to 4 MiB (the auto-checkpoint size) after a checkpoint.
  db.pragma('journal_size_limit = 4194304');
}

/** Gathers the planner's statistics, then closes. */
export function closeConnection(db: Connection): void {
  if (!db.open) return;
  try {
    db.pragma('optimize');
  } catch {
    // Only statistics for the planner; closing matters more.
  }
  db.close();
}
