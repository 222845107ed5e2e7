import { globMatcher } from './glob.js';
import { IMAGE_FILTERS } from '@ecr-lens/contract';
import type { Repository } from '../snapshot/model.js';
import type { Filters } from './request.js';

export const DAY_MS = 86_400_000;

/** Globs, matched in time linear in the name whatever the pattern: see ./glob.ts for the syntax. */
export { globMatcher };

/** The repository part of the filters (reports use it too). */
export interface RepositoryScope {
  readonly registry?: readonly string[];
  readonly region?: readonly string[];
  readonly repository?: readonly string[];
}

export function repositoryPredicate(filters: RepositoryScope): (repository: Repository) => boolean {
  const registries = filters.registry ? new Set(filters.registry) : undefined;
  const regions = filters.region ? new Set(filters.region) : undefined;
  const name = filters.repository ? globMatcher(filters.repository) : undefined;
  return (r) =>
    (!registries || registries.has(r.accountId)) && (!regions || regions.has(r.region)) && (!name || name(r.name));
}

/** Whether any image filter is set (the contract's list: what images, severity, cleanup and lifecycle select images by). */
export const hasImageFilters = (filters: Filters): boolean => IMAGE_FILTERS.some((name) => filters[name] !== undefined);

export const daysSince = (now: number, at: number | undefined): number | null =>
  at === undefined ? null : Math.max(0, Math.floor((now - at) / DAY_MS));
