/**
 * A run as the audit tells it, in one row: who asked, when, what it set out to delete, how it ended and what it
 * freed. Read from the run's first entry and its end (report.ts and execute.ts write them); the audit is read
 * defensively, since an older version or a crash may have left fields out.
 */
import type { CleanupRun, ExecutionOutcome } from '@ecr-lens/contract';
import { EXECUTION_OUTCOMES } from '@ecr-lens/contract';
import { z } from 'zod';
import type { AuditRun } from '../../store/types.js';

const text = z.string().catch('');
const count = z.number().int().nonnegative().optional().catch(undefined);
const keys = z.array(z.string()).catch([]);

const Head = z.object({
  event: z.string(),
  at: text,
  planId: z.string().optional().catch(undefined),
  dryRun: z.boolean().optional().catch(undefined),
  who: z
    .object({
      tokenFingerprint: z.string().optional().catch(undefined),
      remoteAddress: z.string().optional().catch(undefined),
      user: z.string().nullable().optional().catch(undefined),
    })
    .catch({}),
  candidates: count,
  approved: count,
  digests: keys,
  reason: z.string().optional().catch(undefined),
});

const End = z.object({
  at: text,
  outcome: z.enum(EXECUTION_OUTCOMES).optional().catch(undefined),
  deleted: keys,
  failures: z.array(z.unknown()).catch([]),
  bytes: z.number().nonnegative().catch(0),
  deferred: count,
  reason: z.string().optional().catch(undefined),
  grafana: z.string().optional().catch(undefined),
  grafanaAnnotationId: z.number().int().nonnegative().optional().catch(undefined),
});

/** `account/region/name@digest` → `account/region/name`. */
const repositoryOf = (key: string): string => {
  const at = key.lastIndexOf('@');
  return at < 0 ? key : key.slice(0, at);
};

/** The distinct repositories of image keys, in first-seen order. */
const repositoriesOf = (imageKeys: readonly string[]): string[] => [...new Set(imageKeys.map(repositoryOf))];

export function runSummary(run: AuditRun): CleanupRun {
  const head = Head.parse(run.head.entry);
  const end = run.end ? End.parse(run.end.entry) : undefined;
  const refused = head.event === 'cleanup.refused';
  // A run is one of these: refused before it started, ended, or started with no end yet.
  const outcome: ExecutionOutcome | 'unfinished' = refused ? 'refused' : (end?.outcome ?? 'unfinished');
  return {
    runId: run.head.entry.runId,
    seq: run.head.seq,
    planId: head.planId ?? null,
    dryRun: head.dryRun === true,
    outcome,
    user: head.who.user ?? null,
    tokenFingerprint: head.who.tokenFingerprint ?? null,
    remoteAddress: head.who.remoteAddress ?? null,
    startedAt: head.at,
    finishedAt: refused ? head.at : (end?.at ?? null),
    candidates: refused ? 0 : (head.candidates ?? null),
    approved: head.approved ?? null,
    deleted: end?.deleted.length ?? 0,
    failures: end?.failures.length ?? 0,
    bytes: end?.bytes ?? 0,
    deferred: end?.deferred ?? null,
    repositories: repositoriesOf(end?.deleted.length ? end.deleted : head.digests),
    reason: (refused ? head.reason : end?.reason) ?? null,
    grafana: end?.grafana ?? null,
    grafanaAnnotationId: end?.grafanaAnnotationId ?? null,
  };
}
