/**
 * The query API's filters applied to a cleanup plan: repository filters scope the plan (and its
 * id); image filters and `decision` only choose the rows shown. Image filters have one semantics,
 * the images query's (query/columnar/image-matcher.ts); inUse and cluster read the plan's own in-use.
 */
import { hasImageFilters, repositoryPredicate } from '../../query/filters.js';
import { imageMatcher } from '../../query/columnar/image-matcher.js';
import type { Filters } from '../../query/request.js';
import type { Image, Repository, Snapshot } from '../../snapshot/model.js';
import type { CleanupPlan, ImagePlan, RepositoryPlan } from './planner.js';
import { scopePlan } from './planner.js';

/** The repositories the filters scope to. */
export const scopeOf = (filters: Pick<Filters, 'registry' | 'region' | 'repository'>): ((repository: Repository) => boolean) =>
  repositoryPredicate(filters);

/**
 * The image filters over the images of `snapshot` (the one the plan or preview was made from), as the
 * images query applies them. inUse and cluster are left to the caller: a plan's in-use is its own.
 */
export function imageFilter(filters: Filters, now: number, snapshot: Snapshot): ((image: Image, position?: number) => boolean) | undefined {
  const { inUse: _inUse, cluster: _cluster, decision: _decision, level: _level, registry: _registry, region: _region, repository: _repository, ...images } = filters;
  if (!hasImageFilters(images)) return undefined;
  const matcher = imageMatcher(snapshot, images, now);
  return (image, position) => matcher.has(image, position);
}

/** Row predicate over image plans: image filters, plus inUse, cluster and decision from the plan. */
export function imagePlanPredicate(filters: Filters, now: number, snapshot: Snapshot): (row: ImagePlan, position?: number) => boolean {
  const { inUse, cluster, decision } = filters;
  const byImage = imageFilter(filters, now, snapshot);
  const decisions = decision ? new Set<string>(decision) : undefined;
  const clusters = cluster ? new Set(cluster) : undefined;
  return (row, position) =>
    (!decisions || decisions.has(row.decision)) &&
    (inUse === undefined || row.inUse === inUse) &&
    (!clusters || row.clusters.some((c) => clusters.has(c))) &&
    (!byImage || byImage(row.image, position));
}

export interface PlanSelection {
  /** The plan restricted to the repositories in scope, with that scope's id. */
  readonly plan: CleanupPlan;
  /** Every selected row (made when read: a million rows are a million objects). */
  readonly rows: readonly ImagePlan[];
  /** How many rows are selected. */
  readonly total: number;
  /** Selected rows [offset, offset + limit), in order; only these are made. */
  page(offset: number, limit: number): ImagePlan[];
  readonly repositoryById: ReadonlyMap<string, RepositoryPlan>;
}

/** `snapshot` is the one the plan was made from: image filters read its columnar index. */
export function selectPlan(plan: CleanupPlan, filters: Filters, now: number, snapshot: Snapshot): PlanSelection {
  const keepRepository = scopeOf(filters);
  const scoped = plan.repositories.every((r) => keepRepository(r.repository)) ? plan : scopePlan(plan, keepRepository);
  // Without row filters every image is selected, and none needs looking at.
  const keep = filters.decision || hasImageFilters(filters) ? imagePlanPredicate(filters, now, snapshot) : undefined;
  const repositoryById = new Map<string, RepositoryPlan>();
  // Selected positions per repository, in plan order: nothing per image is allocated until rows are read.
  // `positions` undefined: all of the repository's images.
  const selected: { readonly repository: RepositoryPlan; readonly positions?: readonly number[]; readonly count: number }[] = [];
  let total = 0;
  for (const r of scoped.repositories) {
    repositoryById.set(r.repository.id, r);
    const positions = keep ? r.positionsWhere(keep) : undefined;
    const count = positions ? positions.length : r.summary.images;
    if (count) selected.push({ repository: r, ...(positions ? { positions } : {}), count });
    total += count;
  }
  const page = (offset: number, limit: number): ImagePlan[] => {
    const out: ImagePlan[] = [];
    let skip = Math.max(0, offset);
    for (const { repository, positions, count } of selected) {
      if (out.length >= limit) break;
      if (skip >= count) {
        skip -= count;
        continue;
      }
      for (let k = skip; k < count && out.length < limit; k++) out.push(repository.imageAt(positions ? positions[k]! : k));
      skip = 0;
    }
    return out;
  };
  return {
    plan: scoped,
    get rows() {
      return page(0, total);
    },
    total,
    page,
    repositoryById,
  };
}
