/**
 * The batches of a cleanup run: each one re-checked (uses every recheck interval, tags always), then
 * audited, sent to ECR and audited again. The run stops at the first check or audit write that fails.
 */
import type { Snapshot } from '../../snapshot/model.js';
import { imageKey, leadersOf, type DeleteCall } from '../plan/batches.js';
import type { ImagePlan } from '../plan/planner.js';
import type { ExecuteDeps, ExecutedImage, FailedImage } from './execute-types.js';
import { freshUses, iso, message } from './guard.js';
import type { Run } from './guard.js';

/** Between batches, the in-use sources are read again once this long has passed since the last read. */
export const RECHECK_INTERVAL_MS = 10_000;

/** What the batches did. */
export interface BatchesOutcome {
  readonly deleted: readonly ExecutedImage[];
  readonly failures: readonly FailedImage[];
  readonly stoppedBecause: string | undefined;
  readonly auditFailed: boolean;
  readonly usesChecks: number;
  /** Candidates in the budget not sent: their batch was never reached, or what they go with stayed. */
  readonly notReached: number;
}

export const executed = (snapshot: Snapshot, p: ImagePlan): ExecutedImage => {
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

/** Sends the budgeted calls in order, checking before each one that it may still be sent. */
export async function runBatches(deps: ExecuteDeps, run: Run, snapshot: Snapshot, calls: readonly DeleteCall[]): Promise<BatchesOutcome> {
  const { service } = deps;
  const deleted: ExecutedImage[] = [];
  const failures: FailedImage[] = [];
  const planned = calls.reduce((n, c) => n + c.images.length, 0);
  let stoppedBecause: string | undefined;
  let auditFailed = false;
  let usesChecks = 1;
  let sent = 0;
  let lastCheck = service.now();
  const leaders = leadersOf(calls.flatMap((c) => c.images));
  // Images of this run that stay: ECR refused them, or what they go with stayed.
  const staying = new Set<string>();
  for (const [i, planned] of calls.entries()) {
    // An image whose index or subject stayed is held back (a later run decides it): deleting a referrer of an image
    // that stays would strip its signature. ECR itself refuses a child its index still lists.
    const held = planned.images.filter((p) => (leaders.get(imageKey(p.image)) ?? []).some((l) => staying.has(l)));
    for (const p of held) staying.add(imageKey(p.image));
    const call = held.length ? Object.assign({}, planned, { images: planned.images.filter((p) => !staying.has(imageKey(p.image))) }) : planned;
    if (!call.images.length) continue;
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
    // An image already gone did not stay.
    for (const f of batch.failures) if (f.code !== 'ImageNotFound') staying.add(`${call.repository.id}@${f.digest}`);
    if (batch.auditError) {
      auditFailed = true;
      stoppedBecause = `the audit log could not be written (${batch.auditError})`;
      break;
    }
  }
  return { deleted, failures, stoppedBecause, auditFailed, usesChecks, notReached: planned - sent };
}

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
  const entry = Object.assign({}, run.base, { batch: index, repository: repository.id });
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
        failures.push(Object.assign(executed(snapshot, p), { code: f?.code ?? 'Unknown', reason: f?.reason ?? 'not reported as deleted' }));
      }
    }
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    for (const p of call.images) failures.push(Object.assign(executed(snapshot, p), { code: 'RequestFailed', reason }));
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
