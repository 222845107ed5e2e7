/**
 * Cleanup execution: the one write. Refreshes the inventory, plans again, refuses a stale plan id,
 * then deletes by digest (indexes before their children) in BatchDeleteImage chunks of at most 100,
 * never more than maxDeletionsPerRun. Every run is audited before anything is deleted; an audit
 * failure aborts the run.
 */
import { randomUUID } from 'node:crypto';
import type { Inventory } from '../refresh/inventory.js';
import type { Image, Repository } from '../snapshot/model.js';
import type { AuditEntry, AuditWriter } from './audit.js';
import type { GrafanaPoster } from './grafana.js';
import { GRAFANA_TAGS } from './grafana.js';
import type { CleanupPlan, ImagePlan } from './planner.js';
import { scopePlan } from './planner.js';
import { scopeOf } from './select.js';
import type { CleanupService, ExecutionOutcome } from './service.js';

/** ECR's BatchDeleteImage limit. */
export const MAX_BATCH = 100;
/** A snapshot older than this (a rate-limited refresh) is not trusted for deletion. */
export const MAX_SNAPSHOT_AGE_MS = 120_000;

export interface DeleteFailure {
  readonly digest: string;
  readonly code: string;
  readonly reason: string;
}

export interface DeleteResult {
  readonly deleted: readonly string[];
  readonly failures: readonly DeleteFailure[];
}

/** Deletes images by digest (one BatchDeleteImage call, ≤100 digests). Wired to the real ECR client by main.ts. */
export type ImageDeleter = (
  registry: { readonly accountId: string; readonly region: string },
  repositoryName: string,
  digests: readonly string[],
) => Promise<DeleteResult>;

export interface Caller {
  /** First 12 hex characters of sha256(admin token). */
  readonly tokenFingerprint: string;
  readonly remoteAddress?: string;
  readonly userAgent?: string;
  /** A user name the caller asserts (X-Grafana-User), for the record only. */
  readonly user?: string;
}

export interface ExecuteRequest {
  readonly planId: string;
  /** Repository name globs; the plan id must be that of the plan restricted to them (as GET /plan?repository=). */
  readonly repositories?: readonly string[];
  /** Account ids and regions, as GET /plan?registry=&region=. */
  readonly registry?: readonly string[];
  readonly region?: readonly string[];
  readonly dryRun: boolean;
  readonly caller: Caller;
}

export interface ExecutedImage {
  readonly repository: string;
  readonly account: string;
  readonly region: string;
  readonly digest: string;
  readonly tags: readonly string[];
  readonly sizeBytes: number;
  readonly reclaimableBytes: number | null;
}

export interface FailedImage extends ExecutedImage {
  readonly code: string;
  readonly reason: string;
}

export interface ExecutionReport {
  readonly runId: string;
  readonly planId: string;
  readonly dryRun: boolean;
  readonly outcome: ExecutionOutcome;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Images the plan deletes in scope. */
  readonly candidates: number;
  /** Candidates left for a later run because of maxDeletionsPerRun. */
  readonly deferred: number;
  readonly maxDeletionsPerRun: number;
  /** Deleted (or, in a dry run, that would be deleted). */
  readonly deleted: readonly ExecutedImage[];
  readonly failures: readonly FailedImage[];
  /** Sum of imageSizeInBytes of the deleted images. */
  readonly deletedBytes: number;
  readonly blockedRepositories: readonly string[];
  readonly grafana: 'posted' | 'not-configured' | 'skipped-dry-run' | `failed: ${string}`;
}

export type ExecuteResult =
  | { readonly kind: 'done'; readonly report: ExecutionReport }
  | { readonly kind: 'conflict'; readonly planId: string; readonly currentPlanId: string; readonly runId: string }
  | { readonly kind: 'unavailable'; readonly message: string; readonly runId: string };

export interface ExecuteDeps {
  readonly service: CleanupService;
  readonly inventory: Inventory;
  readonly deleter: ImageDeleter;
  readonly audit: AuditWriter;
  readonly grafana?: GrafanaPoster;
  readonly logger?: { warn(msg: string, fields?: Record<string, unknown>): void; info(msg: string, fields?: Record<string, unknown>): void };
}

export interface DeletionBatch {
  readonly repository: Repository;
  /** Level 0 first: an index is in an earlier level than the manifests it lists. */
  readonly levels: readonly (readonly ImagePlan[])[];
}

/** Candidates in deletion order: repository by repository, an index before the manifests it lists. */
export function deletionOrder(plan: CleanupPlan): DeletionBatch[] {
  const batches: DeletionBatch[] = [];
  for (const r of plan.repositories) {
    const candidates = r.images.filter((p) => p.decision === 'delete');
    if (!candidates.length) continue;
    const byDigest = new Map(candidates.map((p) => [p.image.digest, p]));
    const parents = new Map<string, Image[]>();
    for (const p of candidates) for (const child of p.image.children) if (byDigest.has(child)) parents.set(child, [...(parents.get(child) ?? []), p.image]);
    const depth = new Map<string, number>();
    const depthOf = (image: Image, seen: Set<string>): number => {
      const known = depth.get(image.digest);
      if (known !== undefined) return known;
      if (seen.has(image.digest)) return 0;
      seen.add(image.digest);
      let d = 0;
      for (const parent of parents.get(image.digest) ?? []) d = Math.max(d, depthOf(parent, seen) + 1);
      depth.set(image.digest, d);
      return d;
    };
    const levels: ImagePlan[][] = [];
    for (const p of candidates) (levels[depthOf(p.image, new Set())] ??= []).push(p);
    batches.push({ repository: r.repository, levels: levels.filter((l) => l && l.length) });
  }
  return batches;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function executeCleanup(deps: ExecuteDeps, request: ExecuteRequest): Promise<ExecuteResult> {
  const { service } = deps;
  const runId = randomUUID();
  const started = service.now();
  const base = { runId, who: request.caller, planId: request.planId, dryRun: request.dryRun };
  const refuse = async (reason: string, extra: Record<string, unknown> = {}): Promise<void> => {
    service.record('refused', 0, 0, 0);
    await deps.audit({ event: 'cleanup.refused', at: iso(service.now()), ...base, reason, ...extra } as AuditEntry).catch((error: unknown) => {
      deps.logger?.warn('cleanup audit write failed', { runId, error: error instanceof Error ? error.message : String(error) });
    });
  };

  const outcome = await deps.inventory.refresh();
  if (outcome.status.consecutiveFailures > 0 || outcome.status.stale || !outcome.status.ready) {
    const message = `the inventory refresh did not succeed${outcome.status.lastError ? `: ${outcome.status.lastError}` : ''}; nothing was deleted`;
    await refuse(message);
    return { kind: 'unavailable', message, runId };
  }

  const snapshot = deps.inventory.snapshot();
  const age = service.now() - snapshot.refreshStartedAt;
  if (!request.dryRun && age > MAX_SNAPSHOT_AGE_MS) {
    const message = `the inventory snapshot is ${Math.round(age / 1000)} s old (refresh ${outcome.reason ?? 'not started'}); retry when a refresh is allowed; nothing was deleted`;
    await refuse(message);
    return { kind: 'unavailable', message, runId };
  }
  const full = service.freshPlan(snapshot);
  const scoped = Boolean(request.repositories?.length || request.registry?.length || request.region?.length);
  const plan = scoped
    ? scopePlan(
        full,
        scopeOf({
          ...(request.repositories?.length ? { repository: [...request.repositories] } : {}),
          ...(request.registry?.length ? { registry: [...request.registry] } : {}),
          ...(request.region?.length ? { region: [...request.region] } : {}),
        }),
      )
    : full;
  if (plan.id !== request.planId) {
    await refuse('plan id no longer matches', { currentPlanId: plan.id });
    return { kind: 'conflict', planId: request.planId, currentPlanId: plan.id, runId };
  }

  const max = service.config.execution.maxDeletionsPerRun;
  const batches = deletionOrder(plan);
  let candidates = 0;
  for (const b of batches) for (const level of b.levels) candidates += level.length;
  let budget = max;
  const selected: DeletionBatch[] = [];
  for (const batch of batches) {
    const levels: ImagePlan[][] = [];
    for (const level of batch.levels) {
      if (budget <= 0) break;
      levels.push(level.slice(0, budget));
      budget -= Math.min(budget, level.length);
    }
    if (levels.length) selected.push({ repository: batch.repository, levels });
  }
  const toExecuted = (p: ImagePlan): ExecutedImage => {
    const repository = snapshot.repositoryById.get(p.image.repositoryId)!;
    return {
      repository: repository.name,
      account: repository.accountId,
      region: repository.region,
      digest: p.image.digest,
      tags: p.image.tags,
      sizeBytes: p.image.sizeBytes,
      reclaimableBytes: p.reclaimableBytes,
    };
  };
  const planned = selected.flatMap((b) => b.levels.flat());
  const blockedRepositories = plan.repositories.filter((r) => r.status === 'blocked').map((r) => r.repository.id);

  try {
    await deps.audit({
      event: 'cleanup.started',
      at: iso(started),
      ...base,
      snapshotVersion: snapshot.version,
      candidates,
      digests: planned.map((p) => `${p.image.repositoryId}@${p.image.digest}`),
      bytes: planned.reduce((n, p) => n + p.image.sizeBytes, 0),
    });
  } catch (error) {
    const message = `the audit log could not be written (${error instanceof Error ? error.message : String(error)}); nothing was deleted`;
    service.record('refused', 0, 0, 0);
    return { kind: 'unavailable', message, runId };
  }

  const deleted: ExecutedImage[] = [];
  const failures: FailedImage[] = [];
  if (request.dryRun) {
    deleted.push(...planned.map(toExecuted));
  } else {
    for (const { repository, levels } of selected) {
      // Level by level, so an index is gone before its children are deleted.
      for (const level of levels) {
        for (let start = 0; start < level.length; start += MAX_BATCH) {
          const chunk = level.slice(start, start + MAX_BATCH);
          const byDigest = new Map(chunk.map((p) => [p.image.digest, p]));
          try {
            const result = await deps.deleter({ accountId: repository.accountId, region: repository.region }, repository.name, [...byDigest.keys()]);
            const done = new Set<string>();
            for (const d of result.deleted) {
              const p = byDigest.get(d);
              if (p && !done.has(d)) {
                done.add(d);
                deleted.push(toExecuted(p));
              }
            }
            const failed = new Map(result.failures.map((f) => [f.digest, f]));
            for (const p of chunk) {
              if (done.has(p.image.digest)) continue;
              const f = failed.get(p.image.digest);
              failures.push({ ...toExecuted(p), code: f?.code ?? 'Unknown', reason: f?.reason ?? 'not reported as deleted' });
            }
          } catch (error) {
            const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            for (const p of chunk) failures.push({ ...toExecuted(p), code: 'RequestFailed', reason });
          }
        }
      }
    }
  }

  const deletedBytes = deleted.reduce((n, d) => n + d.sizeBytes, 0);
  const outcomeName: ExecutionOutcome = request.dryRun
    ? 'dry_run'
    : failures.length === 0
      ? 'succeeded'
      : deleted.length > 0
        ? 'partial'
        : 'failed';
  if (request.dryRun) service.record('dry_run', 0, 0, 0);
  else service.record(outcomeName, deleted.length, deletedBytes, failures.length);

  let grafana: ExecutionReport['grafana'] = 'not-configured';
  const target = service.config.execution.grafana;
  if (request.dryRun) grafana = 'skipped-dry-run';
  else if (target && deps.grafana) {
    const text =
      `ECR Lens cleanup ${outcomeName}: deleted ${deleted.length} images (${deletedBytes} bytes) in ${new Set(deleted.map((d) => d.repository)).size} repositories` +
      `${failures.length ? `, ${failures.length} failures` : ''}; plan ${plan.id.slice(0, 12)}, run ${runId}.`;
    const posted = await deps.grafana(target, { time: started, text, tags: [...GRAFANA_TAGS] });
    grafana = posted.ok ? 'posted' : `failed: ${posted.error}`;
    if (!posted.ok) deps.logger?.warn('grafana annotation failed', { runId, error: posted.error });
  }

  const report: ExecutionReport = {
    runId,
    planId: plan.id,
    dryRun: request.dryRun,
    outcome: outcomeName,
    startedAt: iso(started),
    finishedAt: iso(service.now()),
    candidates,
    deferred: candidates - planned.length,
    maxDeletionsPerRun: max,
    deleted,
    failures,
    deletedBytes,
    blockedRepositories,
    grafana,
  };
  await deps
    .audit({
      event: 'cleanup.finished',
      at: report.finishedAt,
      ...base,
      outcome: outcomeName,
      deleted: deleted.map((d) => `${d.account}/${d.region}/${d.repository}@${d.digest}`),
      failures: failures.map((f) => ({ image: `${f.account}/${f.region}/${f.repository}@${f.digest}`, code: f.code, reason: f.reason })),
      bytes: deletedBytes,
      deferred: report.deferred,
      grafana,
    })
    .catch((error: unknown) => deps.logger?.warn('cleanup audit write failed', { runId, error: error instanceof Error ? error.message : String(error) }));
  deps.logger?.info('cleanup run', { runId, outcome: outcomeName, deleted: deleted.length, failures: failures.length, bytes: deletedBytes });
  return { kind: 'done', report };
}
