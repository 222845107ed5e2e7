import type { Snapshot } from '../../snapshot/model.js';
import type { LifecyclePreview } from './lifecycle/preview.js';
import type { CleanupPlan } from './planner.js';

/** Where the plan's frames and annotations read from: the cleanup service, which caches both per snapshot. */
export interface PlanSource {
  plan(snapshot: Snapshot): CleanupPlan;
  /** The snapshot to answer from: `current`, or while its plan is made an earlier one with its own (CleanupService.plannedSnapshot). */
  plannedSnapshot(current: Snapshot): Promise<Snapshot>;
  preview(snapshot: Snapshot): LifecyclePreview;
  /** Resolves once `preview(snapshot)` answers from the cache, made in steps (CleanupService.previewed). */
  previewed(snapshot: Snapshot): Promise<void>;
}
