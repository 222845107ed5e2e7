import type { Reclaimable } from '../cost/cost.js';
import type { Snapshot } from '../snapshot/model.js';

import type { AwsCallStat } from '../aws/stats.js';

export type { AwsCallStat };

/** aws/'s `AwsCallStats` (monotonic totals since start) satisfies this. */
export interface AwsCallStatsSource {
  snapshot(): readonly AwsCallStat[];
}

/** Each registry's AWS requests in flight now (the adaptive limit), by the account and region it reads. */
export interface ConcurrencySource {
  concurrency(): readonly { readonly accountId: string; readonly region: string; readonly inFlight: number }[];
}

/** Monotonic totals of cleanup executions since start. */
export interface CleanupExecutionTotals {
  /** Executions by outcome, e.g. `{ succeeded: 3, failed: 1, refused: 2 }`. */
  readonly executions: Readonly<Record<string, number>>;
  readonly deletedImages: number;
  readonly deletedBytes: number;
}

/** What cleanup/ exposes to /metrics. */
export interface CleanupMetricsProvider {
  /**
   * Identifies the plan `reclaimable` answers from (e.g. the plan id), or undefined when there is none.
   * The rendered per-repository text is cached per snapshot and plan key.
   */
  planKey(snapshot: Snapshot): string | undefined;
  /** Resolves once planKey and reclaimableFor answer from what is made (a snapshot is served before its plan). */
  planned?(snapshot: Snapshot): Promise<void>;
  /** What cleanup would free in a repository of that snapshot. */
  reclaimableFor(snapshot: Snapshot, repositoryId: string): Reclaimable | undefined;
  executions?(): CleanupExecutionTotals;
}
