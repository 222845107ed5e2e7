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
import { previewLifecycle, previewLifecycleCooperatively } from './plan/lifecycle/preview.js';
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
  /** The lifecycle preview, cached per snapshot as the plan is; an expired one is served while it is made again. */
  preview(snapshot?: Snapshot): LifecyclePreview;
  /** Resolves once `preview(snapshot)` answers from the cache, made in steps (joined when in progress); never rejects. */
  previewed(snapshot: Snapshot): Promise<void>;
  /** Plans a snapshot ahead of its first reads, giving the event loop turns, and caches the plan; joins a plan in progress. */
  prepare(snapshot: Snapshot): Promise<void>;
  /**
   * Resolves once `plan(snapshot)` answers from the cache (a plan in progress is joined, none is started twice), so a
   * request can wait for it instead of planning a million images at once. Never rejects: `plan` reports failures.
   */
  planned(snapshot: Snapshot): Promise<void>;
  /**
   * The snapshot a plan reader answers from: `current` when its plan is kept. While that plan is made (just after a
   * swap; at a million images, seconds), the newest earlier snapshot whose plan is kept, so the answer is stale but
   * whole (a snapshot with its own plan) rather than late. With none, `current` once its plan is made.
   */
  plannedSnapshot(current: Snapshot): Promise<Snapshot>;
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

/**
 * Values made from a snapshot that expire after a time to live (plans, previews). An expired plan is served
 * while a new one is made in the background, giving the event loop turns; a prepare meanwhile joins that work.
 */
class ExpiringPerSnapshot<T> {
  private readonly values = new WeakMap<Snapshot, Cached<T>>();
  private readonly remaking = new WeakMap<Snapshot, Promise<void>>();
  /** Snapshots whose last make failed (until one succeeds): nothing is on its way for them. */
  private readonly failed = new WeakSet<Snapshot>();
  /** The newest snapshot with a value kept, when `keepLatest`: held, so it can answer while a newer one's is made. */
  private newest: Snapshot | undefined;

  constructor(
    private readonly now: () => number,
    private readonly ttl: number,
    private readonly keepLatest = false,
    /** When a value was made as of, if not when its making started (a plan made at an earlier plan's time). */
    private readonly madeAt?: (value: T) => number,
  ) {}

  has(snapshot: Snapshot): boolean {
    return this.values.has(snapshot);
  }

  /** True when the snapshot's last make failed and none succeeded since. */
  hasFailed(snapshot: Snapshot): boolean {
    return this.failed.has(snapshot);
  }

  /** The newest snapshot with a value kept (only when made with `keepLatest`). */
  latest(): Snapshot | undefined {
    return this.newest;
  }

  /** The newest snapshot's value, when it is not expired at `at`. */
  freshLatest(at: number): { readonly snapshot: Snapshot; readonly value: T } | undefined {
    const snapshot = this.newest;
    const hit = snapshot && this.values.get(snapshot);
    return snapshot && this.fresh(hit, at) ? { snapshot, value: hit.value } : undefined;
  }

  private keep(snapshot: Snapshot, cached: Cached<T>): void {
    this.values.set(snapshot, cached);
    if (this.keepLatest && (this.newest === undefined || snapshot.version >= this.newest.version)) this.newest = snapshot;
  }

  private fresh(hit: Cached<T> | undefined, at: number): hit is Cached<T> {
    return hit !== undefined && at - hit.at < this.ttl && at >= hit.at;
  }

  /**
   * The value, even expired; an expired one is made again in the background with `makeLater`, unless `remake` is
   * false (a snapshot no longer served, read for a moment while the served one's value is made).
   */
  getOrRemake(snapshot: Snapshot, make: (at: number) => T, makeLater: (at: number) => Promise<T>, remake = true): T {
    const at = this.now();
    const hit = this.values.get(snapshot);
    // Made again in the background (or joined, when under way); its failure leaves the expired value served.
    if (hit && remake && !this.fresh(hit, at)) this.prepare(snapshot, makeLater).catch(() => undefined);
    if (hit) return hit.value;
    const value = make(at);
    this.keep(snapshot, { at, value });
    return value;
  }

  /**
   * Makes the value ahead of its first read, unless fresh; joins a make in progress (a remake, or another
   * prepare), so that one snapshot's value is made once.
   */
  prepare(snapshot: Snapshot, makeLater: (at: number) => Promise<T>): Promise<void> {
    const inFlight = this.remaking.get(snapshot);
    if (inFlight) return inFlight;
    const at = this.now();
    if (this.fresh(this.values.get(snapshot), at)) return Promise.resolve();
    const done = this.make(snapshot, at, makeLater).finally(() => this.remaking.delete(snapshot));
    this.remaking.set(snapshot, done);
    return done;
  }

  /** Resolves once getOrRemake answers from what is kept (expired or not) instead of making the value at once. */
  kept(snapshot: Snapshot, makeLater: (at: number) => Promise<T>): Promise<void> {
    return this.values.has(snapshot) ? Promise.resolve() : this.prepare(snapshot, makeLater);
  }

  private async make(snapshot: Snapshot, at: number, makeLater: (at: number) => Promise<T>): Promise<void> {
    try {
      const value = await makeLater(at);
      this.keep(snapshot, { at: this.madeAt?.(value) ?? at, value });
      this.failed.delete(snapshot);
    } catch (error) {
      this.failed.add(snapshot);
      throw error;
    }
  }
}

/** What executions did, for /metrics. */
class ExecutionTotals {
  private readonly byOutcome: Record<string, number> = {};
  private deletedImages = 0;
  private deletedBytes = 0;
  private failedImages = 0;

  record(outcome: ExecutionOutcome, images: number, bytes: number, failed: number): void {
    this.byOutcome[outcome] = (this.byOutcome[outcome] ?? 0) + 1;
    this.deletedImages += images;
    this.deletedBytes += bytes;
    this.failedImages += failed;
  }

  counters(): CleanupCounters {
    return { executions: { ...this.byOutcome }, deletedImages: this.deletedImages, deletedBytes: this.deletedBytes, failedImages: this.failedImages };
  }
}

export function createCleanupService(options: CleanupServiceOptions): CleanupService {
  const now = options.now ?? Date.now;
  const ttl = options.planTtlMs ?? DEFAULT_PLAN_TTL_MS;
  // A plan is as fresh as the time it was made as of: one made at an earlier plan's time expires with it.
  const plans = new ExpiringPerSnapshot<CleanupPlan>(now, ttl, true, (plan) => plan.generatedAt);
  const previews = new ExpiringPerSnapshot<LifecyclePreview>(now, ttl);
  const reclaimables = new WeakMap<CleanupPlan, ReadonlyMap<string, Reclaimable>>();
  const totals = new ExecutionTotals();
  const planOptions = { prices: options.prices };
  const planNow = (snapshot: Snapshot) => (at: number) => planCleanup(snapshot, options.config, at, planOptions);
  /**
   * While the newest plan made is fresh, a newer snapshot (a push's) is planned as of that plan's time, taking the
   * plans of the repositories whose inputs did not change from it (reuse.ts): the same plan as one made afresh at
   * that time, which the time to live allows, without planning a million images again for each push.
   */
  const planLater = (snapshot: Snapshot) => (at: number) => {
    const earlier = plans.freshLatest(at);
    if (!earlier || earlier.snapshot === snapshot || earlier.snapshot.version > snapshot.version)
      return planCleanupCooperatively(snapshot, options.config, at, planOptions);
    return planCleanupCooperatively(snapshot, options.config, earlier.value.generatedAt, { ...planOptions, reuse: { plan: earlier.value } });
  };
  const keepDays = longestKeepDays(options.config);
  const previewNow = (snapshot: Snapshot) => (at: number) => previewLifecycle(snapshot, options.config.inUse, at, keepDays);
  const previewLater = (snapshot: Snapshot) => (at: number) => previewLifecycleCooperatively(snapshot, options.config.inUse, at, keepDays);

  // An earlier snapshot's expired plan is not made again: it answers only while the served one's plan is made.
  const plan = (snapshot: Snapshot = options.inventory.snapshot()): CleanupPlan =>
    plans.getOrRemake(snapshot, planNow(snapshot), planLater(snapshot), snapshot === options.inventory.snapshot());
  const planned = (snapshot: Snapshot): Promise<void> => plans.kept(snapshot, planLater(snapshot)).catch(() => undefined);
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
    freshPlan: (snapshot, only) => planCleanup(snapshot, options.config, now(), only ? { ...planOptions, only } : planOptions),
    preview: (snapshot = options.inventory.snapshot()) => previews.getOrRemake(snapshot, previewNow(snapshot), previewLater(snapshot)),
    previewed: (snapshot) => previews.kept(snapshot, previewLater(snapshot)).catch(() => undefined),
    reclaimableFor: (snapshot, repositoryId) => reclaimableMap(plan(snapshot)).get(repositoryId),
    // Version 0 is the empty snapshot served before the first refresh: there is nothing to plan.
    planKey: (snapshot) => (snapshot.version > 0 ? plan(snapshot).id : undefined),
    prepare: (snapshot) => plans.prepare(snapshot, planLater(snapshot)),
    planned,
    plannedSnapshot: async (current) => {
      if (plans.has(current)) return current;
      const making = planned(current);
      const earlier = plans.latest();
      // Version 0 is the empty snapshot before the first refresh: never an answer for a later one. After a failed
      // make nothing is on its way, so the reader waits for another attempt and sees its error, not an old answer.
      if (earlier !== undefined && earlier.version > 0 && earlier.version < current.version && !plans.hasFailed(current)) return earlier;
      await making;
      return current;
    },
    record: (outcome, images, bytes, failed) => totals.record(outcome, images, bytes, failed),
    executions: () => totals.counters(),
  };
}
