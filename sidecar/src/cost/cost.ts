import type { Snapshot } from '../snapshot/model.js';
import type { PriceTable } from './pricing.js';
import { monthlyCostUsd, priceFor } from './pricing.js';
import type { RepositorySizes } from './sizes.js';
import { computeRepositorySizes, repositorySizes } from './sizes.js';
import { derivedOf, slot } from '../snapshot/derived.js';

export interface RepositoryCost extends RepositorySizes {
  readonly pricePerGbMonth: number;
  /** deduplicatedSizeBytes / 1024^3 × pricePerGbMonth. */
  readonly monthlyCostUsd: number;
}

/** What the cleanup plan would free in a repository; supplied by cleanup/ once it exists. */
export interface Reclaimable {
  readonly bytes: number;
  readonly images: number;
  readonly monthlyUsd: number;
}
export type ReclaimableProvider = (repositoryId: string) => Reclaimable | undefined;

const EMPTY = computeRepositorySizes([], new Map());

/** Each repository's cost, by price table (by identity), then repository id. */
export const REPOSITORY_COSTS = slot<Map<string, RepositoryCost>, PriceTable>('repository costs');

function costOf(snapshot: Snapshot, repositoryId: string, prices: PriceTable): RepositoryCost {
  const repository = snapshot.repositoryById.get(repositoryId);
  const sizes = repositorySizes(snapshot).get(repositoryId) ?? EMPTY;
  const price = repository ? priceFor(prices, repository.region) : prices.defaultUsdPerGbMonth;
  return Object.freeze(Object.assign({}, sizes, { pricePerGbMonth: price, monthlyCostUsd: monthlyCostUsd(sizes.deduplicatedSizeBytes, price) }));
}

/**
 * Sizes and monthly storage cost of one repository. The finished figures are remembered per snapshot
 * and price table (by identity), so a query over 5,000 repositories only looks them up.
 */
export function repositoryCost(snapshot: Snapshot, repositoryId: string, prices: PriceTable): RepositoryCost {
  const costs = derivedOf(snapshot).get(REPOSITORY_COSTS, prices, () => new Map<string, RepositoryCost>());
  let cost = costs.get(repositoryId);
  if (!cost) {
    cost = costOf(snapshot, repositoryId, prices);
    costs.set(repositoryId, cost);
  }
  return cost;
}
