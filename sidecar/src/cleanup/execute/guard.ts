/**
 * The guard of a cleanup run: one real run at a time, a fresh inventory, the in-use sources read again
 * now, and a plan from that read with the id the caller reviewed. Anything else is refused and audited.
 */
import { randomUUID } from 'node:crypto';
import type { Inventory } from '../../snapshot/inventory.js';
import type { Snapshot } from '../../snapshot/model.js';
import { USE_SCOPES } from '../../snapshot/model.js';
import type { AuditEntry } from './audit.js';
import type { ExecuteDeps, ExecuteRequest, ExecuteResult } from './execute-types.js';
import type { CleanupPlan } from '../plan/planner.js';
import { scopePlan } from '../plan/planner.js';
import { scopeOf } from '../plan/select.js';
import { selectionChanges } from '../plan/selection.js';
import type { CleanupService } from '../service.js';

/** A snapshot older than this (a rate-limited refresh) is not trusted for deletion: tags may have moved. */
export const MAX_SNAPSHOT_AGE_MS = 120_000;

export const iso = (ms: number): string => new Date(ms).toISOString();
export const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** What the run knows about itself, for audit entries. */
export interface Run {
  readonly runId: string;
  readonly base: Pick<AuditEntry, 'runId' | 'who' | 'dryRun'> & { readonly planId: string };
}

export function newRun(request: ExecuteRequest): Run {
  const runId = randomUUID();
  return { runId, base: { runId, who: request.caller, planId: request.planId, dryRun: request.dryRun } };
}

/** Takes the run lock for a real run; a refusal when the sidecar is stopping or another run holds it. */
export async function lockRun(deps: ExecuteDeps, request: ExecuteRequest, run: Run): Promise<ExecuteResult | undefined> {
  if (request.dryRun) return undefined;
  const { runLock } = deps.service;
  if (runLock.stopRequested) {
    await refuse(deps, run, 'the sidecar is shutting down');
    return { kind: 'unavailable', message: 'the sidecar is shutting down; nothing was deleted', runId: run.runId };
  }
  const holder = runLock.acquire({ runId: run.runId, startedAt: deps.service.now() });
  if (!holder) return undefined;
  await refuse(deps, run, `another cleanup run (${holder.runId}) is in progress`, { runningRunId: holder.runId });
  return { kind: 'busy', runningRunId: holder.runId, runId: run.runId };
}

/** Counts and audits a refusal; an audit failure here is logged, since nothing was deleted. */
export async function refuse(deps: ExecuteDeps, run: Run, reason: string, extra: Record<string, unknown> = {}): Promise<void> {
  deps.service.record('refused', 0, 0, 0);
  await deps.audit({ event: 'cleanup.refused', at: iso(deps.service.now()), ...run.base, reason, ...extra }).catch((error: unknown) => {
    deps.logger?.warn('cleanup audit write failed', { runId: run.runId, error: message(error) });
  });
}

/** Refuses with a reason, saying that nothing was deleted. */
export async function unavailable(deps: ExecuteDeps, run: Run, why: string): Promise<ExecuteResult> {
  const text = `${why}; nothing was deleted`;
  await refuse(deps, run, text);
  return { kind: 'unavailable', message: text, runId: run.runId };
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
export async function freshUses(inventory: Inventory, serve = true): Promise<{ ok: true; snapshot: Snapshot } | { ok: false; why: string }> {
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

export type Guarded = { readonly ok: true; readonly snapshot: Snapshot; readonly plan: CleanupPlan } | { readonly ok: false; readonly result: ExecuteResult };

/** The snapshot and plan a run may act on, or the refusal. */
export async function guard(deps: ExecuteDeps, request: ExecuteRequest, run: Run): Promise<Guarded> {
  const { service, inventory } = deps;
  const refused = async (why: string): Promise<Guarded> => ({ ok: false, result: await unavailable(deps, run, why) });

  const outcome = await inventory.refresh();
  if (outcome.status.consecutiveFailures > 0 || outcome.status.stale || !outcome.status.ready)
    return refused(`the inventory refresh did not succeed${outcome.status.lastError ? `: ${outcome.status.lastError}` : ''}`);
  const age = service.now() - inventory.snapshot().refreshStartedAt;
  if (!request.dryRun && age > MAX_SNAPSHOT_AGE_MS)
    return refused(`the inventory snapshot is ${Math.round(age / 1000)} s old (refresh ${outcome.reason ?? 'not started'}); retry when a refresh is allowed`);

  // What runs is read again now, whatever the refresh rate limit says: a task may have started since the plan was fetched.
  const uses = await freshUses(inventory);
  if (!uses.ok && !request.dryRun) return refused(uses.why);
  const snapshot = uses.ok ? uses.snapshot : inventory.snapshot();
  const plan = scopedPlan(service, snapshot, request);
  if (plan.id !== request.planId) {
    await refuse(deps, run, 'plan id no longer matches: the plan made from a fresh read of the in-use sources differs', { currentPlanId: plan.id });
    const selection = request.images ? { selection: selectionChanges(plan, request.images) } : {};
    return { ok: false, result: { kind: 'conflict', planId: request.planId, currentPlanId: plan.id, runId: run.runId, ...selection } };
  }
  return { ok: true, snapshot, plan };
}
