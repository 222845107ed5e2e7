/**
 * The query API's filters applied to a cleanup plan: repository filters scope the plan (and its
 * id); image filters and `decision` only choose the rows shown.
 */
import { DAY_MS, globMatcher, hasImageFilters, hasSeverityAtLeast, IMAGE_FILTERS, repositoryPredicate } from '../../query/filters.js';
import { queryError } from '../../query/errors.js';
import type { Filters } from '../../query/request.js';
import { lastUse } from '../../snapshot/last-used.js';
import type { Image, Repository, Snapshot } from '../../snapshot/model.js';
import type { CleanupPlan, ImagePlan, RepositoryPlan } from './planner.js';
import { scopePlan } from './planner.js';

/** Filters a cleanup plan understands: the repository scope, the query API's image filters, and its own. */
export const PLAN_FILTERS = [
  'registry',
  'region',
  'repository',
  ...IMAGE_FILTERS,
  'decision',
  'level',
] as const satisfies readonly (keyof Filters)[];

/** The repositories the filters scope to. */
export const scopeOf = (filters: Pick<Filters, 'registry' | 'region' | 'repository'>): ((repository: Repository) => boolean) =>
  repositoryPredicate(filters);

/**
 * The query API's image filters over one image, with its semantics: `…After` inclusive, `…Before`
 * exclusive; never-pulled images fail pulledBefore/After and notPulledForDays counts from the push.
 * notUsedForDays reads the last use from `snapshot` (the one the plan was made from).
 */
export function imageFilter(filters: Filters, now: number, snapshot?: Snapshot): (image: Image) => boolean {
  const f = filters;
  const checks: ((i: Image) => boolean)[] = [];
  if (f.tag) {
    const tag = globMatcher(f.tag);
    checks.push((i) => i.tags.some((t) => tag(t)));
  }
  if (f.digest) checks.push((i) => i.digest === f.digest);
  if (f.minSeverity) {
    const min = f.minSeverity;
    checks.push((i) => hasSeverityAtLeast(i, min));
  }
  if (f.scanState) {
    const states = new Set<string>(f.scanState);
    checks.push((i) => states.has(i.scan.state));
  }
  if (f.kind) {
    const kinds = new Set<string>(f.kind);
    checks.push((i) => kinds.has(i.kind));
  }
  const { pushedBefore, pushedAfter, pulledBefore, pulledAfter, olderThanDays, notPulledForDays, untagged } = f;
  if (pushedBefore !== undefined) checks.push((i) => i.pushedAt < pushedBefore);
  if (pushedAfter !== undefined) checks.push((i) => i.pushedAt >= pushedAfter);
  if (pulledBefore !== undefined) checks.push((i) => i.lastPulledAt !== undefined && i.lastPulledAt < pulledBefore);
  if (pulledAfter !== undefined) checks.push((i) => i.lastPulledAt !== undefined && i.lastPulledAt >= pulledAfter);
  if (olderThanDays !== undefined) checks.push((i) => i.pushedAt <= now - olderThanDays * DAY_MS);
  if (notPulledForDays !== undefined) checks.push((i) => (i.lastPulledAt ?? i.pushedAt) <= now - notPulledForDays * DAY_MS);
  if (untagged !== undefined) checks.push((i) => (i.tags.length === 0) === untagged);
  if (f.notUsedForDays !== undefined) {
    // Without the snapshot the last use is unknown: refuse rather than list images as unused.
    if (!snapshot) throw queryError('filters.notUsedForDays', 'is not available here yet: the caller does not pass the snapshot');
    const t = now - f.notUsedForDays * DAY_MS;
    checks.push((i) => {
      const last = lastUse(snapshot, i);
      return !last || last.at <= t;
    });
  }
  return (image) => checks.every((check) => check(image));
}

/** Row predicate over image plans: image filters, plus inUse, cluster and decision from the plan. */
export function imagePlanPredicate(filters: Filters, now: number, snapshot?: Snapshot): (row: ImagePlan) => boolean {
  const { inUse, cluster, decision } = filters;
  const byImage = imageFilter(filters, now, snapshot);
  const decisions = decision ? new Set<string>(decision) : undefined;
  const clusters = cluster ? new Set(cluster) : undefined;
  return (row) =>
    (!decisions || decisions.has(row.decision)) &&
    (inUse === undefined || row.inUse === inUse) &&
    (!clusters || row.clusters.some((c) => clusters.has(c))) &&
    byImage(row.image);
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

/** `snapshot` (the plan's) is needed only by notUsedForDays. */
export function selectPlan(plan: CleanupPlan, filters: Filters, now: number, snapshot?: Snapshot): PlanSelection {
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
