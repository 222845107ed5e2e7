import type { Reclaimable } from '../cost/cost.js';
import type { PriceTable } from '../cost/pricing.js';
import type { Finding, Repository, Snapshot } from '../snapshot/model.js';

/** Fetches one image's scan findings when the snapshot lacks them (DescribeImageScanFindings, lazily). */
export type FindingsProvider = (repository: Repository, digest: string) => Promise<readonly Finding[] | undefined>;

/** Everything a query needs besides the snapshot and the request; wired by main.ts from the config. */
export interface QueryContext {
  /** The clock for "days since" and "older than" (epoch ms). */
  readonly now: () => number;
  readonly prices: PriceTable;
  /** What cleanup would free per repository; cost frames show null columns without it. */
  readonly reclaimable?: (snapshot: Snapshot, repositoryId: string) => Reclaimable | undefined;
  /**
   * The snapshot whose `reclaimable` answers from what cleanup has made (CleanupService.plannedSnapshot): a
   * snapshot is served before its plan is made, just after, and the cost query then answers from the one before
   * with its own plan, rather than plan a million images at once or wait for it.
   */
  readonly plannedSnapshot?: (current: Snapshot) => Promise<Snapshot>;
  readonly findingsProvider?: FindingsProvider;
}
