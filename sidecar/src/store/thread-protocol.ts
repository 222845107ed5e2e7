/**
 * The messages between the sidecar's main thread and the store's thread (store-thread.ts): one request per
 * store call, answered by its id. Large lists go in pages, so that no single message makes the main thread
 * copy a whole refresh's uses at once: a record's sightings arrive as `ledger.sightings` pages before the
 * `ledger.record` that commits them, and seenSince's entries come back as pages before its result, each sent
 * once the one before was taken (a busy main thread would otherwise find them all queued, and read them in one go).
 */
import type { AuditEntry, AuditRun, LedgerEntry, StoredAuditEntry, UseSighting } from './types.js';

/** Each call: its arguments and what it answers. */
export interface StoreCalls {
  /** Commits the sightings sent before under the same id, in one transaction. */
  'ledger.record': { args: { readonly seenAt: number }; result: undefined };
  /** Answered in pages, then an empty result. */
  'ledger.seenSince': { args: { readonly since: number }; result: undefined; page: LedgerEntry };
  'ledger.prune': { args: { readonly before: number }; result: number };
  'ledger.size': { args: Record<string, never>; result: { readonly entries: number; readonly bytes: number } };
  'ledger.watched': {
    args: { readonly scopes: readonly string[]; readonly at: number; readonly maxGapMs: number };
    result: ReadonlyMap<string, number>;
  };
  'audit.append': { args: { readonly entry: AuditEntry }; result: undefined };
  'audit.entries': {
    args: { readonly after?: number; readonly limit: number; readonly runId?: string };
    result: StoredAuditEntry[];
  };
  'audit.runs': { args: { readonly before?: number; readonly limit: number }; result: AuditRun[] };
  'audit.unfinishedRuns': { args: Record<string, never>; result: { readonly runId: string; readonly startedAt: string }[] };
  /** Optimises and closes the connection; the thread ends after answering. */
  close: { args: Record<string, never>; result: undefined };
}

export type StoreCall = keyof StoreCalls;

export type StoreRequest =
  | { [K in StoreCall]: { readonly id: number; readonly call: K; readonly args: StoreCalls[K]['args'] } }[StoreCall]
  // A page arrives as a fresh copy: the thread keeps the array itself.
  | { readonly id: number; readonly call: 'ledger.sightings'; readonly sightings: UseSighting[] }
  /** The record `id` will not be committed (a page could not be sent): drop its pages. */
  | { readonly id: number; readonly call: 'ledger.discard' }
  /** A page of `id` was taken: the thread sends the next (two at most untaken, so pages never pile up unread). */
  | { readonly id: number; readonly call: 'page.taken' };

/** An error as it crosses threads: Error subclasses and SQLite's codes (SQLITE_READONLY, ...) kept. */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export type StoreReply =
  | { readonly id: number; readonly page: readonly unknown[] }
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: ThreadError };

/** What the thread is started with. */
export interface StoreThreadData {
  /** The database file, already created and migrated by the main thread (sqlite.ts). */
  readonly file: string;
}

/** Sightings or entries per message: a few milliseconds of copying on either side (~30 ms at 4,096 measured). */
export const PAGE_SIZE = 1024;

export function toThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

export function fromThreadError(error: ThreadError): Error {
  const made =
    error.name === 'TypeError' ? new TypeError(error.message) : error.name === 'RangeError' ? new RangeError(error.message) : new Error(error.message);
  if (error.code !== undefined) Object.assign(made, { code: error.code });
  return made;
}
