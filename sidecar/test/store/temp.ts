/**
 * Real temporary directories and stores for the store tests, closed and removed after each test.
 */
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { SqliteStoreOptions } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';

const dirs: string[] = [];
const stores: Store[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) {
    // A test may have locked a directory down; open it again so it can be removed.
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecrlens-store-'));
  dirs.push(dir);
  return dir;
}

/** Opens a store (closed after the test); `dir` defaults to a fresh `data` directory that does not exist yet. */
export function openStore(dir = join(tempDir(), 'data'), options?: SqliteStoreOptions): Store {
  const store = openSqliteStore(dir, options);
  stores.push(store);
  return store;
}

/**
 * Makes a database file read-only the way SQLite itself sees it, which works for root too (file modes do
 * not stop root, and an open descriptor keeps writing after chmod): a write version above 2 in the header
 * (byte 18) means "read-only" to SQLite. Checkpoints first so the connections re-read page 1 from the file.
 */
export function makeDatabaseReadOnly(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.from([3]), 0, 1, 18);
  } finally {
    closeSync(fd);
  }
}
