/**
 * Cleanup execution: the one write, in five steps: guard → budget → audit → batches → report.
 * - guard: one real run at a time; nothing is deleted unless the plan made from a fresh read of every
 *   in-use source has the id the caller reviewed;
 * - budget: at most `maxDeletionsPerRun` deletions, in BatchDeleteImage calls, none of them in use;
 * - audit: the run's candidates are written down before anything is sent, or nothing is;
 * - batches: before each later batch the uses are read again (at most every recheck interval) and its
 *   images' tags are read from ECR; each batch is audited before and after it is sent;
 * - report: the outcome counted, announced in Grafana, returned and audited.
 * Room `cleanup/execute/`: execution and its I/O (ECR, audit, Grafana); it may import `cleanup/plan/`, never the reverse.
 */
import type { Snapshot } from '../../snapshot/model.js';
import { imageKey } from '../../snapshot/model.js';
import type { DeleteCall } from '../plan/batches.js';
import { budgetCalls } from '../plan/batches.js';
import { approveSelection } from '../plan/selection.js';
import type { ExecuteDeps, ExecuteRequest, ExecuteResult } from './execute-types.js';
import { executed, runBatches } from './batches.js';
import type { BatchesOutcome } from './batches.js';
import { guard, iso, lockRun, message, newRun, refuse, unavailable } from './guard.js';
import type { Run } from './guard.js';
import { reportRun } from './report.js';

export { deletionOrder, MAX_BATCH } from '../plan/batches.js';
export type { DeletionBatch } from '../plan/batches.js';
export { MAX_SNAPSHOT_AGE_MS } from './guard.js';
export { RECHECK_INTERVAL_MS } from './batches.js';
export type {
  Caller,
  DeleteFailure,
  DeleteResult,
  ExecuteDeps,
  ExecuteRequest,
  ExecuteResult,
  ExecutedImage,
  ExecutionReport,
  FailedImage,
  ImageDeleter,
} from './execute-types.js';

export async function executeCleanup(deps: ExecuteDeps, request: ExecuteRequest): Promise<ExecuteResult> {
  const run = newRun(request);
  const refused = await lockRun(deps, request, run);
  if (refused) return refused;
  try {
    const guarded = await guard(deps, request, run);
    if (!guarded.ok) return guarded.result;
    const { snapshot, plan } = guarded;

    // A person's approval covers the images they chose, and only if each is still one the plan deletes.
    const approval = request.images ? approveSelection(plan, request.images) : undefined;
    if (approval && !approval.ok) {
      await refuse(deps, run, `the approved images do not fit the plan: ${approval.issues[0]!.path} ${approval.issues[0]!.message}`);
      return { kind: 'invalid', issues: approval.issues, runId: run.runId };
    }
    const { calls, candidates } = budgetCalls(plan, deps.service.config.execution.maxDeletionsPerRun, approval?.approved);
    // Belt and braces: the planner never marks a used image for deletion.
    const used = calls.flatMap((c) => c.images).find((p) => p.inUse);
    if (used) return await unavailable(deps, run, `image ${imageKey(used.image)} is in use but planned for deletion`);

    const started = deps.service.now();
    const auditError = await auditStart(deps, run, snapshot, calls, candidates, started, approval?.count);
    if (auditError) {
      deps.service.record('refused', 0, 0, 0);
      return { kind: 'unavailable', message: `the audit log could not be written (${auditError}); nothing was deleted`, runId: run.runId };
    }

    const outcome = request.dryRun ? dryRun(snapshot, calls) : await runBatches(deps, run, snapshot, calls);
    const budgeted = calls.reduce((n, c) => n + c.images.length, 0);
    return { kind: 'done', report: await reportRun(deps, request, run, { plan, started, candidates, budgeted }, outcome) };
  } finally {
    deps.service.runLock.release(run.runId);
  }
}

/** Writes the run's candidates down before anything is sent; the error when that fails. */
async function auditStart(
  deps: ExecuteDeps,
  run: Run,
  snapshot: Snapshot,
  calls: readonly DeleteCall[],
  candidates: number,
  started: number,
  approved: number | undefined,
): Promise<string | undefined> {
  const planned = calls.flatMap((c) => c.images);
  try {
    await deps.audit({
      event: 'cleanup.started',
      at: iso(started),
      ...run.base,
      snapshotVersion: snapshot.version,
      candidates,
      // How many images a person approved, when they chose them (the candidates are then those).
      ...(approved !== undefined ? { approved } : {}),
      digests: planned.map((p) => imageKey(p.image)),
      bytes: planned.reduce((n, p) => n + (p.image.sizeBytes ?? 0), 0),
    });
    return undefined;
  } catch (error) {
    return message(error);
  }
}

/** A dry run sends nothing: what would be deleted, as if it had been. */
function dryRun(snapshot: Snapshot, calls: readonly DeleteCall[]): BatchesOutcome {
  const deleted = calls.flatMap((c) => c.images.map((p) => executed(snapshot, p)));
  return { deleted, failures: [], stoppedBecause: undefined, auditFailed: false, usesChecks: 1, notReached: 0 };
}

