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
  const selected = keep ? filteredRows(scoped, keep) : allRows(scoped);
  const total = selected.ends.length ? selected.ends[selected.ends.length - 1]! : 0;
  const page = (offset: number, limit: number): ImagePlan[] => {
    const out: ImagePlan[] = [];
    let skip = Math.max(0, offset);
    // The first repository holding row `skip`: a page costs its rows, not the plan's repositories.
    let at = firstEndAbove(selected.ends, skip);
    skip -= at > 0 ? selected.ends[at - 1]! : 0;
    for (; at < selected.ends.length && out.length < limit; at++) {
      const repository = selected.repositories[at]!;
      const positions = selected.positions?.[at];
      const count = selected.ends[at]! - (at > 0 ? selected.ends[at - 1]! : 0);
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
    get repositoryById() {
      return repositoriesById(scoped);
    },
  };
}

/** Selected rows: repositories with any, their running row counts, and the selected positions (absent: all). */
interface SelectedRows {
  readonly repositories: readonly RepositoryPlan[];
  readonly ends: Float64Array;
  readonly positions?: readonly (readonly number[])[];
}

/**
 * Every image of a plan, by repository. The unfiltered plan is what Grafana's panels and the app ask for on
 * every load; a plan is immutable, so its row counts are made once and a page costs its own rows.
 */
const allRowsOf = new WeakMap<CleanupPlan, SelectedRows>();
function allRows(plan: CleanupPlan): SelectedRows {
  let rows = allRowsOf.get(plan);
  if (!rows) {
    const repositories = plan.repositories.filter((r) => r.summary.images > 0);
    const ends = new Float64Array(repositories.length);
    let total = 0;
    repositories.forEach((r, i) => (ends[i] = total += r.summary.images));
    rows = { repositories, ends };
    allRowsOf.set(plan, rows);
  }
  return rows;
}

function filteredRows(plan: CleanupPlan, keep: (row: ImagePlan, position?: number) => boolean): SelectedRows {
  const repositories: RepositoryPlan[] = [];
  const positions: (readonly number[])[] = [];
  const ends: number[] = [];
  let total = 0;
  for (const r of plan.repositories) {
    const selected = r.positionsWhere(keep);
    if (!selected.length) continue;
    repositories.push(r);
    positions.push(selected);
    ends.push((total += selected.length));
  }
  return { repositories, ends: Float64Array.from(ends), positions };
}

/** The first index whose running count is above `row` (ends ascending). */
function firstEndAbove(ends: Float64Array, row: number): number {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! > row) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const byIdOf = new WeakMap<CleanupPlan, ReadonlyMap<string, RepositoryPlan>>();
function repositoriesById(plan: CleanupPlan): ReadonlyMap<string, RepositoryPlan> {
  let map = byIdOf.get(plan);
  if (!map) byIdOf.set(plan, (map = new Map(plan.repositories.map((r) => [r.repository.id, r]))));
  return map;
}
