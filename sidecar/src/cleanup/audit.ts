/** The append-only JSON-lines audit log of cleanup runs (dry and real). */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AuditEntry {
  readonly event: 'cleanup.started' | 'cleanup.finished' | 'cleanup.refused';
  readonly runId: string;
  readonly at: string;
  /** Token fingerprint and caller details; never the token. */
  readonly who: { readonly tokenFingerprint: string; readonly remoteAddress?: string; readonly userAgent?: string; readonly user?: string };
  readonly [field: string]: unknown;
}

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
