import type { Snapshot } from '../../snapshot/model.js';
import type { LifecyclePreview } from './lifecycle/preview.js';
import type { CleanupPlan } from './planner.js';

/** Where the plan's frames and annotations read from: the cleanup service, which caches both per snapshot. */
export interface PlanSource {
  plan(snapshot: Snapshot): CleanupPlan;
  /** Resolves once `plan(snapshot)` answers from the cache, joining a plan in progress (CleanupService.planned). */
  planned(snapshot: Snapshot): Promise<void>;
  preview(snapshot: Snapshot): LifecyclePreview;
}
