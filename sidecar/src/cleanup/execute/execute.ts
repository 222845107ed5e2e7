/**
 * Cleanup execution: the one write. Guard → re-read the in-use sources → plan again → budget → audit →
 * batches → report. Nothing is deleted unless the plan made from a fresh read of every in-use source has
 * the id the caller reviewed; one real run at a time; before each later batch the uses are read again
 * (at most every recheck interval), and the run stops when that read fails or a candidate became used; before
 * each batch its images' tags are read from ECR, and the run stops if one was retagged since the plan.
 * Each batch is audited before and after it is sent; a failed audit write stops the run.
 * Room `cleanup/execute/`: execution and its I/O (ECR, audit, Grafana); it may import `cleanup/plan/`, never the reverse.
 */
import { randomUUID } from 'node:crypto';
import type { Inventory } from '../../snapshot/inventory.js';
import type { Snapshot } from '../../snapshot/model.js';
import { imageKey, USE_SCOPES } from '../../snapshot/model.js';
import type { AuditEntry } from './audit.js';
import type { DeleteCall } from '../plan/batches.js';
import { budgetCalls } from '../plan/batches.js';
import type { ExecuteDeps, ExecuteRequest, ExecuteResult, ExecutedImage, ExecutionReport, FailedImage } from './execute-types.js';
import { GRAFANA_TAGS } from './grafana.js';
import type { CleanupPlan, ImagePlan } from '../plan/planner.js';
import { scopePlan } from '../plan/planner.js';
import { scopeOf } from '../plan/select.js';
import type { CleanupService, ExecutionOutcome } from '../service.js';

export { deletionOrder, MAX_BATCH } from '../plan/batches.js';
export type { DeletionBatch } from '../plan/batches.js';
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

/** A snapshot older than this (a rate-limited refresh) is not trusted for deletion: tags may have moved. */
export const MAX_SNAPSHOT_AGE_MS = 120_000;
/** Between batches, the in-use sources are read again once this long has passed since the last read. */
export const RECHECK_INTERVAL_MS = 10_000;

const iso = (ms: number): string => new Date(ms).toISOString();
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** What the run knows about itself, for audit entries. */
interface Run {
  readonly runId: string;
  readonly base: Pick<AuditEntry, 'runId' | 'who' | 'dryRun'> & { readonly planId: string };
}

export async function executeCleanup(deps: ExecuteDeps, request: ExecuteRequest): Promise<ExecuteResult> {
  const { service } = deps;
  const runId = randomUUID();
  const run: Run = { runId, base: { runId, who: request.caller, planId: request.planId, dryRun: request.dryRun } };
  if (!request.dryRun && service.runLock.stopRequested) {
    await refuse(deps, run, 'the sidecar is shutting down');
    return { kind: 'unavailable', message: 'the sidecar is shutting down; nothing was deleted', runId };
  }
  if (!request.dryRun) {
    const holder = service.runLock.acquire({ runId, startedAt: service.now() });
    if (holder) {
      await refuse(deps, run, `another cleanup run (${holder.runId}) is in progress`, { runningRunId: holder.runId });
      return { kind: 'busy', runningRunId: holder.runId, runId };
    }
  }
  try {
    return await guardedRun(deps, request, run);
  } finally {
    service.runLock.release(runId);
  }
}

async function refuse(deps: ExecuteDeps, run: Run, reason: string, extra: Record<string, unknown> = {}): Promise<void> {
  deps.service.record('refused', 0, 0, 0);
  await deps.audit({ event: 'cleanup.refused', at: iso(deps.service.now()), ...run.base, reason, ...extra }).catch((error: unknown) => {
    deps.logger?.warn('cleanup audit write failed', { runId: run.runId, error: message(error) });
  });
}

/** The plan of a snapshot in the request's scope. */
function scopedPlan(service: CleanupService, snapshot: Snapshot, request: ExecuteRequest): CleanupPlan {
  const full = service.freshPlan(snapshot);
  if (!request.repositories?.length && !request.registry?.length && !request.region?.length) return full;
  return scopePlan(
    full,
    scopeOf({
      ...(request.repositories?.length ? { repository: [...request.repositories] } : {}),
      ...(request.registry?.length ? { registry: [...request.registry] } : {}),
      ...(request.region?.length ? { region: [...request.region] } : {}),
    }),
  );
}

/** Reads the in-use sources afresh; the snapshot with those uses, or why they could not be read. */
async function freshUses(inventory: Inventory, serve = true): Promise<{ ok: true; snapshot: Snapshot } | { ok: false; why: string }> {
  let snapshot: Snapshot;
  try {
    snapshot = await inventory.refreshUses({ serve });
  } catch (error) {
    return { ok: false, why: `the in-use sources could not be read: ${message(error)}` };
  }
  const failed = snapshot.incomplete.filter((e) => USE_SCOPES.has(e.scope));
  if (!failed.length) return { ok: true, snapshot };
  const first = failed[0]!;
  return { ok: false, why: `the in-use sources could not be read completely (${failed.length} failures; first: ${first.scope} ${first.operation}${first.target ? ` on ${first.target}` : ''}: ${first.error})` };
}

async function guardedRun(deps: ExecuteDeps, request: ExecuteRequest, run: Run): Promise<ExecuteResult> {
  const { service, inventory } = deps;
  const unavailable = async (why: string): Promise<ExecuteResult> => {
    const text = `${why}; nothing was deleted`;
    await refuse(deps, run, text);
    return { kind: 'unavailable', message: text, runId: run.runId };
  };

  const outcome = await inventory.refresh();
  if (outcome.status.consecutiveFailures > 0 || outcome.status.stale || !outcome.status.ready)
    return unavailable(`the inventory refresh did not succeed${outcome.status.lastError ? `: ${outcome.status.lastError}` : ''}`);
  const age = service.now() - inventory.snapshot().refreshStartedAt;
  if (!request.dryRun && age > MAX_SNAPSHOT_AGE_MS)
    return unavailable(`the inventory snapshot is ${Math.round(age / 1000)} s old (refresh ${outcome.reason ?? 'not started'}); retry when a refresh is allowed`);

  // What runs is read again now, whatever the refresh rate limit says: a task may have started since the plan was fetched.
  const uses = await freshUses(inventory);
  if (!uses.ok && !request.dryRun) return unavailable(uses.why);
  const snapshot = uses.ok ? uses.snapshot : inventory.snapshot();
  const plan = scopedPlan(service, snapshot, request);
  if (plan.id !== request.planId) {
    await refuse(deps, run, 'plan id no longer matches: the plan made from a fresh read of the in-use sources differs', { currentPlanId: plan.id });
    return { kind: 'conflict', planId: request.planId, currentPlanId: plan.id, runId: run.runId };
  }
  const { calls, candidates } = budgetCalls(plan, service.config.execution.maxDeletionsPerRun);
  // Belt and braces: the planner never marks a used image for deletion.
  const used = calls.flatMap((c) => c.images).find((p) => p.inUse);
  if (used) return unavailable(`image ${imageKey(used.image)} is in use but planned for deletion`);
  return runBatches(deps, request, run, { snapshot, plan, calls, candidates });
}

interface Prepared {
  readonly snapshot: Snapshot;
  readonly plan: CleanupPlan;
  readonly calls: readonly DeleteCall[];
  readonly candidates: number;
}

const executed = (snapshot: Snapshot, p: ImagePlan): ExecutedImage => {
  const repository = snapshot.repositoryById.get(p.image.repositoryId)!;
  return {
    repository: repository.name,
    account: repository.accountId,
    region: repository.region,
    digest: p.image.digest,
    tags: p.image.tags,
    sizeBytes: p.image.sizeBytes ?? null,
    reclaimableBytes: p.reclaimableBytes,
  };
};

/** Why a later batch must not be sent: the uses cannot be read, or one of its images is no longer a deletion. */
async function recheck(deps: ExecuteDeps, call: DeleteCall): Promise<string | undefined> {
  // Not served, and only this batch's repository planned: a check, kept cheap at a million images.
  const uses = await freshUses(deps.inventory, false);
  if (!uses.ok) return uses.why;
  const plan = deps.service.freshPlan(uses.snapshot, new Set([call.repository.id]));
  const now = plan.repositories.find((r) => r.repository.id === call.repository.id);
  const deletable = new Set((now?.images ?? []).filter((p) => p.decision === 'delete').map((p) => p.image.digest));
  const changed = call.images.filter((p) => !deletable.has(p.image.digest));
  if (!changed.length) return undefined;
  return `${changed.length} image(s) of ${call.repository.name} are no longer to be deleted (now in use, or the plan changed), e.g. ${changed[0]!.image.digest}`;
}

async function runBatches(deps: ExecuteDeps, request: ExecuteRequest, run: Run, prepared: Prepared): Promise<ExecuteResult> {
  const { service } = deps;
  const { snapshot, calls, candidates } = prepared;
  const started = service.now();
  const planned = calls.flatMap((c) => c.images);
  try {
    await deps.audit({
      event: 'cleanup.started',
      at: iso(started),
      ...run.base,
      snapshotVersion: snapshot.version,
      candidates,
      digests: planned.map((p) => imageKey(p.image)),
      bytes: planned.reduce((n, p) => n + (p.image.sizeBytes ?? 0), 0),
    });
  } catch (error) {
    service.record('refused', 0, 0, 0);
    return { kind: 'unavailable', message: `the audit log could not be written (${message(error)}); nothing was deleted`, runId: run.runId };
  }

  const deleted: ExecutedImage[] = [];
  const failures: FailedImage[] = [];
  let stoppedBecause: string | undefined;
  let auditFailed = false;
  let usesChecks = 1;
  let sent = 0;
  if (request.dryRun) deleted.push(...planned.map((p) => executed(snapshot, p)));
  else {
    let lastCheck = service.now();
    for (const [i, call] of calls.entries()) {
      if (service.runLock.stopRequested) {
        stoppedBecause = 'the sidecar is shutting down: the batches not sent are left for a later run';
        break;
      }
      if (i > 0 && service.now() - lastCheck >= (deps.recheckIntervalMs ?? RECHECK_INTERVAL_MS)) {
        usesChecks++;
        lastCheck = service.now();
        stoppedBecause = await recheck(deps, call);
        if (stoppedBecause) break;
      }
      stoppedBecause = await retagged(deps, call);
      if (stoppedBecause) break;
      const batch = await sendBatch(deps, run, snapshot, call, i);
      sent += call.images.length;
      deleted.push(...batch.deleted);
      failures.push(...batch.failures);
      if (batch.auditError) {
        auditFailed = true;
        stoppedBecause = `the audit log could not be written (${batch.auditError})`;
        break;
      }
    }
  }
  return finish(deps, request, run, prepared, { started, deleted, failures, stoppedBecause, auditFailed, usesChecks, notReached: request.dryRun ? 0 : planned.length - sent });
}

/**
 * Why a batch must not be sent because ECR's tags moved since the plan: a candidate that gained a tag may be
 * what a deployment pulls next (the plan matched uses against the old tags). Images already gone are fine.
 */
async function retagged(deps: ExecuteDeps, call: DeleteCall): Promise<string | undefined> {
  if (!deps.describer) return undefined;
  const { repository } = call;
  let now: ReadonlyMap<string, readonly string[]>;
  try {
    now = await deps.describer({ accountId: repository.accountId, region: repository.region }, repository.name, call.images.map((p) => p.image.digest));
  } catch (error) {
    return `the tags of ${repository.name}'s candidates could not be read again (${message(error)})`;
  }
  for (const p of call.images) {
    const tags = now.get(p.image.digest);
    if (tags === undefined) continue;
    const planned = [...p.image.tags].sort();
    if (tags.length !== planned.length || tags.some((t, i) => t !== planned[i]))
      return `image ${p.image.digest} in ${repository.name} is now tagged ${tags.join(', ') || '(untagged)'}, not ${planned.join(', ') || '(untagged)'} as planned: fetch the plan again`;
  }
  return undefined;
}

/** Audits, sends and audits one BatchDeleteImage call. An audit failure before sending means nothing was sent. */
async function sendBatch(
  deps: ExecuteDeps,
  run: Run,
  snapshot: Snapshot,
  call: DeleteCall,
  index: number,
): Promise<{ deleted: ExecutedImage[]; failures: FailedImage[]; auditError?: string }> {
  const { repository } = call;
  const digests = call.images.map((p) => p.image.digest);
  const entry = { ...run.base, batch: index, repository: repository.id };
  try {
    await deps.audit({ event: 'cleanup.batch.started', at: iso(deps.service.now()), ...entry, digests });
  } catch (error) {
    return { deleted: [], failures: [], auditError: message(error) };
  }
  const deleted: ExecutedImage[] = [];
  const failures: FailedImage[] = [];
  try {
    const result = await deps.deleter({ accountId: repository.accountId, region: repository.region }, repository.name, digests);
    const done = new Set(result.deleted);
    const failed = new Map(result.failures.map((f) => [f.digest, f]));
    for (const p of call.images) {
      if (done.has(p.image.digest)) deleted.push(executed(snapshot, p));
      else {
        const f = failed.get(p.image.digest);
        failures.push({ ...executed(snapshot, p), code: f?.code ?? 'Unknown', reason: f?.reason ?? 'not reported as deleted' });
      }
    }
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    for (const p of call.images) failures.push({ ...executed(snapshot, p), code: 'RequestFailed', reason });
  }
  try {
    await deps.audit({
      event: 'cleanup.batch.finished',
      at: iso(deps.service.now()),
      ...entry,
      deleted: deleted.map((d) => d.digest),
      failures: failures.map((f) => ({ digest: f.digest, code: f.code, reason: f.reason })),
    });
  } catch (error) {
    return { deleted, failures, auditError: message(error) };
  }
  return { deleted, failures };
}

interface Outcome {
  readonly started: number;
  readonly deleted: readonly ExecutedImage[];
  readonly failures: readonly FailedImage[];
  readonly stoppedBecause: string | undefined;
  readonly auditFailed: boolean;
  readonly usesChecks: number;
  readonly notReached: number;
}

function outcomeOf(request: ExecuteRequest, o: Outcome): ExecutionOutcome {
  if (request.dryRun) return 'dry_run';
  if (o.auditFailed) return 'audit_failed';
  if (o.stoppedBecause) return 'aborted';
  return o.failures.length === 0 ? 'succeeded' : o.deleted.length > 0 ? 'partial' : 'failed';
}

async function finish(deps: ExecuteDeps, request: ExecuteRequest, run: Run, prepared: Prepared, o: Outcome): Promise<ExecuteResult> {
  const { service } = deps;
  const { plan, candidates, calls } = prepared;
  const outcome = outcomeOf(request, o);
  const deletedBytes = o.deleted.reduce((n, d) => n + (d.sizeBytes ?? 0), 0);
  service.record(outcome, request.dryRun ? 0 : o.deleted.length, request.dryRun ? 0 : deletedBytes, request.dryRun ? 0 : o.failures.length);

  let grafana: ExecutionReport['grafana'] = 'not-configured';
  const target = service.config.execution.grafana;
  if (request.dryRun) grafana = 'skipped-dry-run';
  else if (target && deps.grafana) {
    const text =
      `ECR Lens cleanup ${outcome}: deleted ${o.deleted.length} images (${deletedBytes} bytes) in ${new Set(o.deleted.map((d) => d.repository)).size} repositories` +
      `${o.failures.length ? `, ${o.failures.length} failures` : ''}${o.stoppedBecause ? `; stopped: ${o.stoppedBecause}` : ''}; plan ${plan.id.slice(0, 12)}, run ${run.runId}.`;
    const posted = await deps.grafana(target, { time: o.started, text, tags: [...GRAFANA_TAGS] });
    grafana = posted.ok ? 'posted' : `failed: ${posted.error}`;
    if (!posted.ok) deps.logger?.warn('grafana annotation failed', { runId: run.runId, error: posted.error });
  }

  const budgeted = calls.reduce((n, c) => n + c.images.length, 0);
  const report: ExecutionReport = {
    runId: run.runId,
    planId: plan.id,
    dryRun: request.dryRun,
    outcome,
    ...(o.stoppedBecause ? { stoppedBecause: o.stoppedBecause } : {}),
    startedAt: iso(o.started),
    finishedAt: iso(service.now()),
    candidates,
    deferred: candidates - budgeted + o.notReached,
    maxDeletionsPerRun: service.config.execution.maxDeletionsPerRun,
    deleted: o.deleted,
    failures: o.failures,
    deletedBytes,
    blockedRepositories: plan.repositories.filter((r) => r.status === 'blocked').map((r) => r.repository.id),
    usesChecks: o.usesChecks,
    grafana,
  };
  await deps
    .audit({
      event: o.stoppedBecause ? 'cleanup.aborted' : 'cleanup.finished',
      at: report.finishedAt,
      ...run.base,
      outcome,
      ...(o.stoppedBecause ? { reason: o.stoppedBecause } : {}),
      deleted: o.deleted.map((d) => `${d.account}/${d.region}/${d.repository}@${d.digest}`),
      failures: o.failures.map((f) => ({ image: `${f.account}/${f.region}/${f.repository}@${f.digest}`, code: f.code, reason: f.reason })),
      bytes: deletedBytes,
      deferred: report.deferred,
      grafana,
    })
    .catch((error: unknown) => deps.logger?.warn('cleanup audit write failed', { runId: run.runId, error: message(error) }));
  deps.logger?.info('cleanup run', { runId: run.runId, outcome, deleted: o.deleted.length, failures: o.failures.length, bytes: deletedBytes });
  return { kind: 'done', report };
}
