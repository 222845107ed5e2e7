/**
 * Durable state behind small interfaces: the usage ledger and the cleanup audit. SQLite (better-sqlite3)
 * implements them today (store/sqlite.ts); a shared server database can implement them for several
 * replicas. Methods are async so that such an implementation fits.
 */
import type { ImageUse } from '../snapshot/model.js';

/** One use of one image, as a refresh saw it. */
export interface UseSighting {
  /** `${accountId}/${region}/${name}` of the image's repository (model.repositoryId). */
  readonly repositoryId: string;
  readonly digest: string;
  /** The use as read (without firstSeenAt/lastSeenAt). */
  readonly use: ImageUse;
}

/** A remembered use: the use with firstSeenAt and lastSeenAt set. */
export interface LedgerEntry {
  readonly repositoryId: string;
  readonly digest: string;
  readonly use: ImageUse;
}

export interface UsageLedger {
  /**
   * Records that each use was seen at `seenAt` (epoch ms), in one transaction: a new use gets
   * firstSeenAt = lastSeenAt = seenAt; a known one gets lastSeenAt = max(lastSeenAt, seenAt) and its
   * latest `at`. A use is identified by repositoryId, digest, kind and every identifying field of the use
   * (useIdentity).
   */
  record(sightings: readonly UseSighting[], seenAt: number): Promise<void>;
  /** Every entry whose lastSeenAt (or, for stopped tasks, `at`) is at or after `since`. */
  seenSince(since: number): Promise<LedgerEntry[]>;
  /** Forgets entries whose lastSeenAt and `at` are both before `before`; returns how many. */
  prune(before: number): Promise<number>;
  /** Entries held, and bytes on disk (for /metrics and benchmarks). */
  size(): Promise<{ readonly entries: number; readonly bytes: number }>;
  /**
   * Records that each scope (an in-use source in a registry, e.g. `ecs/111111111111/us-east-1`) was read
   * completely at `at`, and returns since when each has been read with no gap longer than `maxGapMs`: a scope
   * unread for longer (or never read) starts a new watch at `at`. Uses that came and went in a gap were not seen.
   */
  watched(scopes: readonly string[], at: number, maxGapMs: number): Promise<ReadonlyMap<string, number>>;
}

export const AUDIT_EVENTS = [
  'cleanup.started',
  'cleanup.batch.started',
  'cleanup.batch.finished',
  'cleanup.finished',
  'cleanup.refused',
  'cleanup.aborted',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** Who asked for a run: never the token itself. */
export interface AuditCaller {
  /** First 12 hex characters of sha256(admin token). */
  readonly tokenFingerprint: string;
  /** The client: the socket's peer, or the address a trusted proxy (TRUSTED_PROXIES) forwarded. */
  readonly remoteAddress?: string;
  /** The trusted proxy the request came through, when it did. */
  readonly via?: string;
  readonly userAgent?: string;
  /** The user a trusted proxy forwarded (X-Grafana-User); null: unknown (no trusted proxy said). */
  readonly user?: string | null;
}

export interface AuditEntry {
  readonly event: AuditEvent;
  readonly runId: string;
  /** ISO 8601. */
  readonly at: string;
  /** Token fingerprint and caller details; never the token. */
  readonly who: AuditCaller;
  readonly dryRun?: boolean;
  readonly [field: string]: unknown;
}

/** An entry as stored, with its position in the log (1, 2, ...: the order written). */
export interface StoredAuditEntry {
  readonly seq: number;
  readonly entry: AuditEntry;
}

export interface AuditStore {
  /** Appends one entry durably before resolving; rejects when it cannot be written. */
  append(entry: AuditEntry): Promise<void>;
  /** Entries with seq > `after`, oldest first, at most `limit`. */
  entries(options: { readonly after?: number; readonly limit: number; readonly runId?: string }): Promise<StoredAuditEntry[]>;
  /** Real runs with a cleanup.started entry and no cleanup.finished or cleanup.aborted: left unfinished by a crash. */
  unfinishedRuns(): Promise<{ readonly runId: string; readonly startedAt: string }[]>;
  /**
   * Runs, newest first: each one's first entry (cleanup.started, or cleanup.refused for a run refused before it
   * started) with seq < `before`, and its end (cleanup.finished or cleanup.aborted) when written. At most `limit`.
   */
  runs(options: { readonly before?: number; readonly limit: number }): Promise<AuditRun[]>;
}

/** A run as the audit holds it: how it began, and how it ended if it did. */
export interface AuditRun {
  readonly head: StoredAuditEntry;
  readonly end?: StoredAuditEntry;
}

/** The durable store: one place for the ledger and the audit. */
export interface Store {
  readonly ledger: UsageLedger;
  readonly audit: AuditStore;
  /** Where it lives, for logs (a path; never credentials). */
  readonly location: string;
  /** Resolves once the calls made before are answered and the file is closed. */
  close(): Promise<void>;
}
