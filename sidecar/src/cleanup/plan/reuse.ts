/**
 * Repository plans taken from an earlier snapshot's plan. A targeted refresh (a push) keeps the image lists of the
 * repositories it did not read again, yet planning a million images again took 5-6 s per push. Planned at the same
 * time (`now`) as the earlier plan, a repository whose inputs are all the same gets the same decisions, reasons,
 * reclaimable bytes and hash, so its earlier plan object is taken as it is. The inputs are what the planner reads:
 * the repository, its image list (the same array), the remembered uses that name its images, its incomplete entries, its
 * blob sizes, and for every repository the snapshot's uses, use-source failures, sources and registries, the
 * configuration and the prices. Anything else differing, or unknown, plans the repository again.
 */
import { isDeepStrictEqual } from 'node:util';
import { blobSizesAgree } from '../../snapshot/blob-sizes.js';
import type { BlobKey } from '../../snapshot/blob-key.js';
import type { Image, ImageUse, Incomplete, Repository, Snapshot, SourceCoverage } from '../../snapshot/model.js';
import type { PriceTable } from '../../cost/pricing.js';
import type { CleanupPlan, RepositoryPlan } from './types.js';

/** What every repository's plan reads of the snapshot and the settings. */
export interface PlanInputs {
  readonly now: number;
  readonly configHash: string;
  readonly prices: PriceTable;
  readonly uses: readonly ImageUse[];
  readonly useFailures: readonly Incomplete[];
  /** What blocking reads of the in-use sources: which source watches which registry (not when it was read). */
  readonly sources: readonly (readonly [SourceCoverage['source'], string | undefined, string | undefined])[] | undefined;
  readonly registryAccounts: readonly string[];
  readonly layerSizes: ReadonlyMap<BlobKey, number>;
}

/** What one repository's plan reads of its own. */
export interface RepositoryInputs {
  readonly repository: Repository;
  readonly images: readonly Image[] | undefined;
  /**
   * The remembered uses that name its images, by digest. The uses seen now that do follow from the snapshot's uses
   * (compared for the whole plan) and its list (the same array); remembered ones are recalled anew on each refresh.
   */
  readonly remembered: ReadonlyMap<string, readonly ImageUse[]> | undefined;
  readonly incomplete: readonly Incomplete[] | undefined;
  /** Some blob of its images had no known size: a later snapshot may know it. */
  readonly unsized: boolean;
}

/** An earlier snapshot's plan made by planCleanup (whole, not `only` some repositories). */
export interface PlanReuse {
  readonly plan: CleanupPlan;
}

const planInputs = new WeakMap<CleanupPlan, PlanInputs>();
const repositoryInputs = new WeakMap<RepositoryPlan, RepositoryInputs>();

export const recordPlanInputs = (plan: CleanupPlan, inputs: PlanInputs): void => void planInputs.set(plan, inputs);
export const recordRepositoryInputs = (plan: RepositoryPlan, inputs: RepositoryInputs): void => void repositoryInputs.set(plan, inputs);

export function planInputsOf(snapshot: Snapshot, now: number, configHash: string, prices: PriceTable, useFailures: readonly Incomplete[]): PlanInputs {
  return {
    now,
    configHash,
    prices,
    uses: snapshot.uses,
    useFailures,
    sources: snapshot.sources?.map((s) => [s.source, s.accountId, s.region] as const),
    registryAccounts: snapshot.registries.map((r) => r.accountId),
    layerSizes: snapshot.layerSizes,
  };
}

/**
 * The earlier plan's repository plans by repository id, with what each was made from, when every repository's
 * plan would read the same of the snapshot and the settings as the earlier plan's did; otherwise none.
 */
export function reusableRepositoryPlans(reuse: PlanReuse | undefined, now: PlanInputs): ReadonlyMap<string, [RepositoryPlan, RepositoryInputs]> | undefined {
  const before = reuse && planInputs.get(reuse.plan);
  if (!before || !samePlanInputs(before, now)) return undefined;
  const out = new Map<string, [RepositoryPlan, RepositoryInputs]>();
  for (const plan of reuse.plan.repositories) {
    const inputs = repositoryInputs.get(plan);
    if (inputs) out.set(plan.repository.id, [plan, inputs]);
  }
  return out;
}

function samePlanInputs(a: PlanInputs, b: PlanInputs): boolean {
  return (
    a.now === b.now &&
    a.configHash === b.configHash &&
    a.prices === b.prices &&
    // Every blob size known before is the same: with no unknown size among a repository's blobs, its sizes are too.
    blobSizesAgree(b.layerSizes, a.layerSizes) &&
    isDeepStrictEqual(a.registryAccounts, b.registryAccounts) &&
    isDeepStrictEqual(a.sources, b.sources) &&
    isDeepStrictEqual(a.useFailures, b.useFailures) &&
    // Which task-definition revisions count depends on every use, not only the repository's.
    sameUses(a.uses, b.uses)
  );
}

/**
 * Equal uses in the same order, where the same object repeats in the same places: matching drops a use listed twice
 * by identity (snapshot/build.ts), so `[u, u]` gives an image one use where the equal `[u, {...u}]` gives two.
 */
function sameUses(a: readonly ImageUse[], b: readonly ImageUse[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  const firstA = new Map<ImageUse, number>();
  const firstB = new Map<ImageUse, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const fx = firstA.get(x) ?? (firstA.set(x, i), i);
    const fy = firstB.get(y) ?? (firstB.set(y, i), i);
    if (fx !== fy || (x !== y && !isDeepStrictEqual(x, y))) return false;
  }
  return true;
}

/** True when a repository plan made from `before` is the one `now` would make (given the same plan inputs). */
export function sameRepositoryInputs(before: RepositoryInputs, now: Omit<RepositoryInputs, 'unsized'>): boolean {
  return (
    !before.unsized &&
    before.images === now.images &&
    isDeepStrictEqual(before.repository, now.repository) &&
    isDeepStrictEqual(before.incomplete, now.incomplete) &&
    isDeepStrictEqual(before.remembered, now.remembered)
  );
}
