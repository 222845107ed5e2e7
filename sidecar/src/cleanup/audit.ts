/** Where cleanup runs (dry and real) are audited: the store, and optionally a JSON-lines file as well. */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { AuditEntry } from '../store/types.js';

export type { AuditEntry };

export type AuditWriter = (entry: AuditEntry) => Promise<void>;

/** Appends one line per entry; the file is opened in append mode each time, never rewritten. */
export function fileAuditWriter(path: string): AuditWriter {
  let ready: Promise<unknown> | undefined;
  return async (entry) => {
    ready ??= mkdir(dirname(path), { recursive: true });
    await ready;
    await appendFile(path, `${JSON.stringify(entry)}\n`, { flag: 'a', mode: 0o600 });
  };
}
