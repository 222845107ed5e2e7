/**
 * The audit as JSON lines: the export users of the old CLEANUP_AUDIT_LOG file had. Reads page by page,
 * so memory stays bounded by one page whatever the log's size; works with any AuditStore.
 */
import type { AuditStore } from './types.js';

/**
 * Calls `write` once per entry, oldest first, with the entry as one JSON line ending in "\n" (so `write`
 * can be a stream's write). Awaits `write` before the next line (back-pressure). Returns the lines written.
 */
export async function auditJsonLines(
  audit: AuditStore,
  write: (line: string) => void | Promise<void>,
  pageSize = 1000,
): Promise<number> {
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  let after = 0;
  let written = 0;
  for (;;) {
    const page = await audit.entries({ after, limit: pageSize });
    for (const { entry } of page) {
      await write(`${JSON.stringify(entry)}\n`);
      written++;
    }
    if (page.length < pageSize) return written;
    after = page[page.length - 1]!.seq;
  }
}
