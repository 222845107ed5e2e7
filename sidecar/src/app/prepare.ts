/**
 * What is made for each new snapshot: before it is served, the query indexes (so the first queries after a swap
 * do not pay for them); just after, the cleanup plan and the /metrics text, which the requests that need them
 * meanwhile read from the snapshot before (CleanupService.plannedSnapshot, MetricsRenderer). A push is then visible in
 * queries without waiting for a million images' plan and /metrics text. Each step gives the event loop turns, so
 * requests keep being served.
 */
import type { CleanupService } from '../cleanup/service.js';
import type { PriceTable } from '../cost/pricing.js';
import type { MetricsRenderer } from '../metrics/renderer.js';
import { warmQueryIndexes } from '../query/warm.js';
import type { Snapshot } from '../snapshot/model.js';

export interface PrepareDeps {
  /** The query context's price table: cached repository and cost rows are keyed by it. */
  readonly prices: PriceTable;
  readonly cleanup?: Pick<CleanupService, 'prepare'>;
  readonly metrics?: Pick<MetricsRenderer, 'warm'>;
}

export interface SnapshotPreparer {
  /** Before the snapshot is served: the query indexes. */
  readonly prepare: (snapshot: Snapshot) => Promise<void>;
  /** Just after: the cleanup plan, then the /metrics text (which reads it). */
  readonly finish: (snapshot: Snapshot) => Promise<void>;
}

export function snapshotPreparer(deps: PrepareDeps): SnapshotPreparer {
  return {
    prepare: (snapshot) => warmQueryIndexes(snapshot, deps.prices),
    finish: async (snapshot) => {
      await deps.cleanup?.prepare(snapshot);
      await deps.metrics?.warm(snapshot);
    },
  };
}
