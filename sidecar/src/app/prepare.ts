/**
 * What is built for each new snapshot before it is swapped in: the query indexes, the cleanup plan and
 * the /metrics text. Each step gives the event loop turns, so the current snapshot keeps being served.
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

export function snapshotPreparer(deps: PrepareDeps): (snapshot: Snapshot) => Promise<void> {
  return async (snapshot) => {
    await warmQueryIndexes(snapshot, deps.prices);
    await deps.cleanup?.prepare(snapshot);
    await deps.metrics?.warm(snapshot);
  };
}
