/**
 * The SQLite store with an audit that can be made to fail from a chosen entry on, as a full or read-only
 * disk would (the execution guard tests use a failing audit writer the same way). Once failing, every
 * later write fails too, until the campaign clears it; reads keep working, so the audit can be exported.
 */
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { AuditEntry, Store } from '../../src/store/types.js';

export interface FailingStore {
  readonly store: Store;
  /** From the first entry `when` matches, every write fails; undefined: writes succeed again. */
  failFrom(when: ((entry: AuditEntry) => boolean) | undefined): void;
  /** Writes refused since the last failFrom. */
  readonly refused: number;
}

export function failingStore(dataDir: string): FailingStore {
  const real = openSqliteStore(dataDir);
  let when: ((entry: AuditEntry) => boolean) | undefined;
  let failing = false;
  let refused = 0;
  const store: Store = {
    ledger: real.ledger,
    location: real.location,
    close: () => real.close(),
    audit: {
      append: async (entry) => {
        if (when?.(entry)) failing = true;
        if (failing) {
          refused++;
          throw Object.assign(new Error(`EROFS: read-only file system, write (${real.location})`), { code: 'EROFS' });
        }
        await real.audit.append(entry);
      },
      entries: (options) => real.audit.entries(options),
      unfinishedRuns: () => real.audit.unfinishedRuns(),
      runs: (options) => real.audit.runs(options),
    },
  };
  return {
    store,
    failFrom(next) {
      when = next;
      failing = false;
      refused = 0;
    },
    get refused() {
      return refused;
    },
  };
}
