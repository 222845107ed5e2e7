/**
 * Deletions without a record: the images the emulator really lost during a real execution, against what
 * the audit says about them. A deletion has a record when a `cleanup.batch.finished` or the run's
 * `cleanup.finished`/`cleanup.aborted` lists it as deleted, or when its batch has a `cleanup.batch.started`
 * and no `cleanup.batch.finished` (sent, outcome unknown: the audit says so).
 */
import type { AuditEntry } from '../../src/store/types.js';

export interface DeletionCheck {
  /** Images the emulator no longer holds. */
  readonly deleted: number;
  /** Deleted images the audit does not mention at all. Must be 0. */
  readonly withoutRecord: readonly string[];
  /** Deleted images whose batch was sent but whose outcome the audit could not record. */
  readonly outcomeUnknown: number;
  /** Deleted images the audit lists as failed to delete. */
  readonly recordedAsFailed: readonly string[];
  /** Images the audit lists as deleted that the emulator still holds. */
  readonly claimedButPresent: readonly string[];
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** `before` and `after`: the emulator's images around the execution(s); `entries`: the audit of the same store. */
export function checkDeletions(before: ReadonlySet<string>, after: ReadonlySet<string>, entries: readonly AuditEntry[]): DeletionCheck {
  const deleted = [...before].filter((key) => !after.has(key));
  const said = new Set<string>();
  const failed = new Set<string>();
  const started = new Map<string, string[]>();
  const finished = new Set<string>();
  for (const e of entries) {
    if (e.dryRun) continue;
    const batch = `${e.runId}#${String(e.batch)}`;
    const repository = typeof e.repository === 'string' ? e.repository : '';
    if (e.event === 'cleanup.batch.started') started.set(batch, strings(e.digests).map((d) => `${repository}@${d}`));
    if (e.event === 'cleanup.batch.finished') {
      finished.add(batch);
      for (const d of strings(e.deleted)) said.add(`${repository}@${d}`);
      if (Array.isArray(e.failures))
        for (const f of e.failures as { digest?: unknown }[]) if (typeof f.digest === 'string') failed.add(`${repository}@${f.digest}`);
    }
    if (e.event === 'cleanup.finished' || e.event === 'cleanup.aborted') for (const key of strings(e.deleted)) said.add(key);
  }
  const unknown = new Set([...started].filter(([batch]) => !finished.has(batch)).flatMap(([, keys]) => keys));
  return {
    deleted: deleted.length,
    withoutRecord: deleted.filter((key) => !said.has(key) && !unknown.has(key) && !failed.has(key)),
    outcomeUnknown: deleted.filter((key) => !said.has(key) && unknown.has(key)).length,
    recordedAsFailed: deleted.filter((key) => failed.has(key) && !said.has(key)),
    claimedButPresent: [...said].filter((key) => after.has(key)),
  };
}

/** The audit's JSON-lines export, parsed. */
export const parseJsonLines = (text: string): AuditEntry[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEntry);
