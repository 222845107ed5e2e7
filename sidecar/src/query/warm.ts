import { repositoryCost } from '../cost/cost.js';
import type { PriceTable } from '../cost/pricing.js';
import { repositorySizesCooperatively } from '../cost/sizes.js';
import type { Steps } from '../cooperative.js';
import { nextTurn, runCooperatively } from '../cooperative.js';
import type { Snapshot } from '../snapshot/model.js';
import { imageIndexCooperatively } from './columnar/image-index.js';
import { ascendingOrderCooperatively } from './columnar/image-select.js';
import { repositoryStatsCooperatively } from './columnar/stats.js';
import { costFacts, costRows } from './types/cost.js';
import { repositoryRows } from './types/repositories.js';
import { unfilteredSeveritySums } from './types/severity.js';
import { parsedUses } from './types/usage.js';
import { effectiveUsesCooperatively } from './uses.js';

/**
 * Builds every per-snapshot index the query types use (all memoized by snapshot in WeakMaps, so they
 * are freed with it). Optional: each is otherwise built on first use; calling this before a snapshot is
 * swapped in moves that cost off the first queries. With `prices`, the repository and cost rows too.
 * The heavy indexes are built in slices of about `sliceMs`, and each cheaper one in a turn of its own, so
 * requests keep being served meanwhile.
 */
export async function warmQueryIndexes(snapshot: Snapshot, prices?: PriceTable, sliceMs?: number): Promise<void> {
  // A turn between steps too: a step's first slice would otherwise run on from the previous one's last.
  await effectiveUsesCooperatively(snapshot, sliceMs);
  await nextTurn();
  const index = await imageIndexCooperatively(snapshot, sliceMs);
  await nextTurn();
  await ascendingOrderCooperatively(snapshot, 'pushedAt', index.pushedAt, sliceMs);
  await nextTurn();
  await ascendingOrderCooperatively(snapshot, 'sizeBytes', index.sizeBytes, sliceMs);
  await nextTurn();
  await ascendingOrderCooperatively(snapshot, 'lastPulledAt', index.pulledAt, sliceMs);
  await nextTurn();
  await ascendingOrderCooperatively(snapshot, 'lastUsedAt', index.lastUsedAt, sliceMs);
  await nextTurn();
  await repositoryStatsCooperatively(snapshot, sliceMs);
  await nextTurn();
  await repositorySizesCooperatively(snapshot, sliceMs);
  await nextTurn();
  unfilteredSeveritySums(snapshot);
  await nextTurn();
  parsedUses(snapshot);
  if (!prices) return;
  await nextTurn();
  await runCooperatively(repositoryCostSteps(snapshot, prices), sliceMs);
  await nextTurn();
  repositoryRows(snapshot, prices);
  await nextTurn();
  costRows(snapshot, prices);
  await nextTurn();
  costFacts(snapshot, prices);
}

/** Each repository's cost, one repository per step. */
function* repositoryCostSteps(snapshot: Snapshot, prices: PriceTable): Steps<void> {
  for (const repository of snapshot.repositories) {
    repositoryCost(snapshot, repository.id, prices);
    yield;
  }
}
