/**
 * The cleanup module as the rest of the sidecar sees it: plans and lifecycle previews cached per
 * snapshot, reclaimable bytes for the cost query and /metrics, and execution totals.
 */
import type { Reclaimable } from '../cost/cost.js';
import type { PriceTable } from '../cost/pricing.js';
import type { CleanupExecutionTotals, CleanupMetricsProvider } from '../metrics/sources.js';
import type { Inventory } from '../snapshot/inventory.js';
import type { Snapshot } from '../snapshot/model.js';
import type { CleanupConfig } from './plan/config.js';
import { longestKeepDays } from './plan/config.js';
import { RunLock } from './execute/run-lock.js';
import { previewLifecycle } from './plan/lifecycle/preview.js';
import type { LifecyclePreview } from './plan/lifecycle/preview.js';
import { planCleanup, planCleanupCooperatively } from './plan/planner.js';
import type { CleanupPlan } from './plan/planner.js';

/** Plans are reused for this long per snapshot: ages move slowly; execution always plans afresh. */
export const DEFAULT_PLAN_TTL_MS = 5 * 60_000;

/** What cleanup would free per repository id (for the cost query's reclaimable columns and /metrics). */
export function reclaimableByRepository(plan: CleanupPlan): ReadonlyMap<string, Reclaimable> {
  const out = new Map<string, Reclaimable>();
  for (const r of plan.repositories) {
    out.set(r.repository.id, { bytes: r.summary.reclaimableBytes, images: r.summary.delete, monthlyUsd: r.summary.monthlyUsd });
  }
  return out;
}

export type ExecutionOutcome = 'succeeded' | 'partial' | 'failed' | 'aborted' | 'audit_failed' | 'dry_run' | 'refused';

export interface CleanupCounters extends CleanupExecutionTotals {
  readonly failedImages: number;
}

export interface CleanupService extends CleanupMetricsProvider {
  readonly config: CleanupConfig;
  readonly prices: PriceTable;
  readonly now: () => number;
  /** Held by the real run in progress. */
  readonly runLock: RunLock;
  /**
   * The plan for a snapshot (default: the inventory's current one), cached per snapshot for the TTL; after
   * it, the cached plan is served while a new one is made in the background.
   */
  plan(snapshot?: Snapshot): CleanupPlan;
  /** A fresh, uncached plan: what execution compares against; `only` plans just those repositories (by id). */
  freshPlan(snapshot: Snapshot, only?: ReadonlySet<string>): CleanupPlan;
  preview(snapshot?: Snapshot): LifecyclePreview;
  /** Plans a snapshot ahead of its swap, giving the event loop turns, and caches the plan; joins a replan in progress. */
  prepare(snapshot: Snapshot): Promise<void>;
  /** QueryContext.reclaimable; also /metrics' reclaimable series. */
  reclaimableFor(snapshot: Snapshot, repositoryId: string): Reclaimable | undefined;
  /** Counts one execution for /metrics. */
  record(outcome: ExecutionOutcome, deletedImages: number, deletedBytes: number, failedImages: number): void;
  executions(): CleanupCounters;
}

export interface CleanupServiceOptions {
  readonly config: CleanupConfig;
  readonly inventory: Inventory;
  readonly prices: PriceTable;
  readonly now?: () => number;
  readonly planTtlMs?: number;
}

interface Cached<T> {
  readonly at: number;
  readonly value: T;
}

export function createCleanupService(options: CleanupServiceOptions): CleanupService {
  const now = options.now ?? Date.now;
  const ttl = options.planTtlMs ?? DEFAULT_PLAN_TTL_MS;
  const plans = new WeakMap<Snapshot, Cached<CleanupPlan>>();
  const previews = new WeakMap<Snapshot, Cached<LifecyclePreview>>();
  const reclaimables = new WeakMap<CleanupPlan, ReadonlyMap<string, Reclaimable>>();
  const executions: Record<string, number> = {};
  let deletedImages = 0;
  let deletedBytes = 0;
  let failedImages = 0;

  const fresh = (hit: Cached<unknown> | undefined, at: number): boolean => hit !== undefined && at - hit.at < ttl && at >= hit.at;
  const planOptions = { prices: options.prices };

  // An expired plan is served while a new one is made in the background, giving the event loop turns.
  const replanning = new WeakMap<Snapshot, Promise<void>>();
  const planAhead = async (snapshot: Snapshot): Promise<void> => {
    const at = now();
    if (fresh(plans.get(snapshot), at)) return;
    plans.set(snapshot, { at, value: await planCleanupCooperatively(snapshot, options.config, at, planOptions) });
  };
  // A prepare while the snapshot is planned again in the background joins that work instead of repeating it.
  const prepare = (snapshot: Snapshot): Promise<void> => replanning.get(snapshot) ?? planAhead(snapshot);
  const plan = (snapshot: Snapshot = options.inventory.snapshot()): CleanupPlan => {
    const at = now();
    const hit = plans.get(snapshot);
    if (hit && !fresh(hit, at) && !replanning.has(snapshot)) {
      const done = planAhead(snapshot).finally(() => replanning.delete(snapshot));
      replanning.set(snapshot, done);
      done.catch(() => undefined);
    }
    if (hit) return hit.value;
    const value = planCleanup(snapshot, options.config, at, planOptions);
    plans.set(snapshot, { at, value });
    return value;
  };
  const cached = <T>(map: WeakMap<Snapshot, Cached<T>>, snapshot: Snapshot, make: (at: number) => T): T => {
    const at = now();
    const hit = map.get(snapshot);
    if (hit && fresh(hit, at)) return hit.value;
    const value = make(at);
    map.set(snapshot, { at, value });
    return value;
  };
  const freshPlan = (snapshot: Snapshot, only?: ReadonlySet<string>): CleanupPlan =>
    planCleanup(snapshot, options.config, now(), only ? { ...planOptions, only } : planOptions);
  const reclaimableMap = (p: CleanupPlan): ReadonlyMap<string, Reclaimable> => {
    let map = reclaimables.get(p);
    if (!map) reclaimables.set(p, (map = reclaimableByRepository(p)));
    return map;
  };

  return {
    config: options.config,
    prices: options.prices,
    now,
    runLock: new RunLock(),
    plan,
    freshPlan,
    preview: (snapshot = options.inventory.snapshot()) =>
      cached(previews, snapshot, (at) => previewLifecycle(snapshot, options.config.inUse, at, longestKeepDays(options.config))),
    reclaimableFor: (snapshot, repositoryId) => reclaimableMap(plan(snapshot)).get(repositoryId),
    // Version 0 is the empty snapshot served before the first refresh: there is nothing to plan.
    planKey: (snapshot) => (snapshot.version > 0 ? plan(snapshot).id : undefined),
    prepare,
    record(outcome, images, bytes, failed) {
      executions[outcome] = (executions[outcome] ?? 0) + 1;
      deletedImages += images;
      deletedBytes += bytes;
      failedImages += failed;
    },
    executions: () => ({ executions: { ...executions }, deletedImages, deletedBytes, failedImages }),
  };
}
