/**
 * Opening the store: the directory and file it makes, the connection settings, failing at open (with the
 * path and the cause) when it cannot write, and schema migrations by PRAGMA user_version.
 */
import { accessSync, chmodSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import type { Migration } from '../../src/store/migrations.js';
import { DATABASE_FILE, openSqliteStore } from '../../src/store/sqlite.js';
import { makeDatabaseReadOnly, openStore, tempDir } from './temp.js';

/** Reads the database with a connection of the test's own. */
function inspect<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return read(db);
  } finally {
    db.close();
  }
}
const schemaOf = (db: Database.Database): unknown[] =>
  db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();

describe('openSqliteStore', () => {
  it('creates a missing directory for its owner only, and the database in WAL mode at the current schema', async () => {
    const dir = join(tempDir(), 'nested', 'data');
    const store = openStore(dir, { now: () => 1234 });
    expect(store.location).toBe(join(dir, DATABASE_FILE));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await store.close();
    inspect(store.location, (db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.prepare('SELECT value FROM meta WHERE key = ?').get('opened_at')).toEqual({ value: '1234' });
    });
  });

  it('leaves the mode of an existing directory alone', () => {
    const dir = join(tempDir(), 'shared');
    mkdirSync(dir, { mode: 0o750 });
    chmodSync(dir, 0o750);
    openStore(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o750);
  });

  it('throws at open, naming the path and the cause, when the directory cannot be written', () => {
    const locked = join(tempDir(), 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    let target = locked;
    let cause = /not writable: EACCES/;
    if (writable(locked)) {
      // Root ignores file modes: a path under a regular file cannot be created by anyone.
      const file = join(tempDir(), 'a-file');
      writeFileSync(file, 'not a directory');
      target = join(file, 'sub');
      cause = /cannot create the data directory .*: ENOTDIR/;
    }
    const open = (): unknown => openSqliteStore(target);
    expect(open).toThrow(target);
    expect(open).toThrow(cause);
  });

  it('throws at open when the database file is read-only, without waiting for the first write', async () => {
    const store = openStore();
    await store.close();
    makeDatabaseReadOnly(store.location);
    expect(() => openSqliteStore(store.location.slice(0, -DATABASE_FILE.length - 1))).toThrow(
      new RegExp(`cannot use the database ${store.location}: attempt to write a readonly database`),
    );
  });

  it('throws, naming the file, when it is not a SQLite database', () => {
    const dir = tempDir();
    writeFileSync(join(dir, DATABASE_FILE), 'x'.repeat(4096));
    expect(() => openSqliteStore(dir)).toThrow(`${join(dir, DATABASE_FILE)}: file is not a database`);
  });

  it('two stores on one directory (two processes) share the log', async () => {
    const a = openStore();
    const b = openStore(a.location.slice(0, -DATABASE_FILE.length - 1));
    const who = { tokenFingerprint: 'f' };
    await a.audit.append({ event: 'cleanup.refused', runId: 'r1', at: '2025-01-01T00:00:00.000Z', who });
    await b.audit.append({ event: 'cleanup.refused', runId: 'r2', at: '2025-01-01T00:00:01.000Z', who });
    expect((await a.audit.entries({ limit: 10 })).map((e) => [e.seq, e.entry.runId])).toEqual([
      [1, 'r1'],
      [2, 'r2'],
    ]);
  });
});

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

describe('migrations', () => {
  it('brings an empty database at user_version 0 to the current version; running again is a no-op', () => {
    const file = join(tempDir(), 'empty.sqlite');
    const db = new Database(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(0);
      expect(migrate(db)).toEqual({ from: 0, to: SCHEMA_VERSION });
      const schema = schemaOf(db);
      expect(schema.map((r) => (r as { name: string }).name)).toEqual(
        expect.arrayContaining(['audit', 'ledger', 'ledger_seen', 'meta', 'ledger_seen_last', 'ledger_at']),
      );
      expect(migrate(db)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
      expect(schemaOf(db)).toEqual(schema);
    } finally {
      db.close();
    }
  });

  it('opens an existing empty database file, and reopening at the current version keeps schema and data', async () => {
    const dir = tempDir();
    inspect(join(dir, DATABASE_FILE), (db) => db.pragma('user_version', { simple: true }));
    const first = openStore(dir);
    await first.audit.append({
      event: 'cleanup.refused',
      runId: 'r1',
      at: '2025-01-01T00:00:00.000Z',
      who: { tokenFingerprint: 'f' },
    });
    await first.close();
    const schema = inspect(first.location, schemaOf);

    const again = openStore(dir);
    expect(inspect(again.location, schemaOf)).toEqual(schema);
    expect(inspect(again.location, (db) => db.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION);
    expect((await again.audit.entries({ limit: 10 })).map((e) => e.entry.runId)).toEqual(['r1']);
  });

  it('runs later migrations in order, once each', () => {
    const next: Migration = {
      version: SCHEMA_VERSION + 1,
      description: 'test',
      sql: `ALTER TABLE meta ADD COLUMN note TEXT; PRAGMA user_version = ${SCHEMA_VERSION + 1};`,
    };
    const db = new Database(join(tempDir(), 'later.sqlite'));
    try {
      expect(migrate(db, MIGRATIONS)).toEqual({ from: 0, to: SCHEMA_VERSION });
      expect(migrate(db, [...MIGRATIONS, next])).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION + 1 });
      expect(migrate(db, [...MIGRATIONS, next])).toEqual({ from: SCHEMA_VERSION + 1, to: SCHEMA_VERSION + 1 });
      expect((db.pragma('table_info(meta)') as { name: string }[]).map((c) => c.name)).toEqual([
        'key',
        'value',
        'note',
      ]);
    } finally {
      db.close();
    }
  });

  it('rolls back a migration that fails, leaving the previous version', () => {
    const broken: Migration = {
      version: SCHEMA_VERSION + 1,
      description: 'test',
      sql: 'CREATE TABLE extra (x); SELECT no_such_function();',
    };
    const db = new Database(join(tempDir(), 'broken.sqlite'));
    try {
      migrate(db);
      expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow(/no_such_function/);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.prepare('SELECT name FROM sqlite_master WHERE name = ?').get('extra')).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer version, naming the file', () => {
    const dir = tempDir();
    inspect(join(dir, DATABASE_FILE), (db) => db.pragma('user_version = 99'));
    expect(() => openSqliteStore(dir)).toThrow(new RegExp(`${join(dir, DATABASE_FILE)}: schema version 99 is newer`));
  });
});
