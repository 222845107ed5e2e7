import { repositoryCost } from '../cost/cost.js';
import type { PriceTable } from '../cost/pricing.js';
import { repositorySizes } from '../cost/sizes.js';
import type { Snapshot } from '../snapshot/model.js';
import { imageIndex } from './image-index.js';
import { ascendingOrder } from './image-select.js';
import { repositoryStats } from './stats.js';
import { costRows } from './types/cost.js';
import { repositoryRows } from './types/repositories.js';
import { unfilteredSeveritySums } from './types/severity.js';
import { parsedUses } from './types/usage.js';
import { effectiveUses } from './uses.js';

/**
 * Builds every per-snapshot index the query types use (all memoized by snapshot in WeakMaps, so they
 * are freed with it). Optional: each is otherwise built on first use; calling this right after a
 * snapshot swap moves that cost off the first queries. With `prices`, the repository and cost rows too.
 */
export function warmQueryIndexes(snapshot: Snapshot, prices?: PriceTable): void {
  effectiveUses(snapshot);
  const index = imageIndex(snapshot);
  ascendingOrder(index, 'pushedAt', index.pushedAt);
  ascendingOrder(index, 'sizeBytes', index.sizeBytes);
  ascendingOrder(index, 'lastPulledAt', index.pulledAt);
  repositoryStats(snapshot);
  repositorySizes(snapshot);
  unfilteredSeveritySums(snapshot);
  parsedUses(snapshot);
  if (prices) {
    for (const repository of snapshot.repositories) repositoryCost(snapshot, repository.id, prices);
    repositoryRows(snapshot, prices);
    costRows(snapshot, prices);
  }
}
