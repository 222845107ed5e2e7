/** Where cleanup runs (dry and real) are audited: the store, and optionally a JSON-lines file as well. */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { AuditEntry } from '../../store/types.js';

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

/** Appends to the store, then to the JSON-lines copy when one is configured; either failing rejects (fail closed). */
export function storeAuditWriter(store: { append(entry: AuditEntry): Promise<void> }, jsonLinesPath?: string): AuditWriter {
  const copy = jsonLinesPath ? fileAuditWriter(jsonLinesPath) : undefined;
  return async (entry) => {
    await store.append(entry);
    await copy?.(entry);
  };
}
