import { globMatcher } from './glob.js';
import type { Image, ImageUse, Repository, Severity } from '../snapshot/model.js';
import { IMAGE_KINDS, SCAN_STATES, SEVERITIES } from '../snapshot/model.js';
import type { ImageIndex } from './image-index.js';
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

/** Severity at or above `min` with at least one finding; false when counts are unknown. */
export function hasSeverityAtLeast(image: Image, min: Severity): boolean {
  const counts = image.scan.counts;
  if (!counts) return false;
  const last = SEVERITIES.indexOf(min);
  for (let i = 0; i <= last; i++) if (counts[SEVERITIES[i]!] > 0) return true;
  return false;
}

/** Filters that look at images (not at the repository). */
export const IMAGE_FILTERS = [
  'tag',
  'digest',
  'minSeverity',
  'scanState',
  'kind',
  'pushedBefore',
  'pushedAfter',
  'pulledBefore',
  'pulledAfter',
  'olderThanDays',
  'notPulledForDays',
  'notUsedForDays',
  'inUse',
  'untagged',
  'cluster',
] as const satisfies readonly (keyof Filters)[];

export const hasImageFilters = (filters: Filters): boolean => IMAGE_FILTERS.some((name) => filters[name] !== undefined);

/**
 * The image filters, as one predicate over rows of the image index. Times: `…After` is inclusive,
 * `…Before` exclusive. An image never pulled fails both pulledBefore and pulledAfter; notPulledForDays
 * measures from its push instead (as ECR's sinceImagePulled does). notUsedForDays keeps images whose
 * last use (`lastUsedAt`, current or remembered) is that old, and images never seen used. minSeverity
 * excludes images whose counts are unknown.
 */
export function imagePredicate(
  filters: Filters,
  now: number,
  index: ImageIndex,
  usesOf: (image: Image) => readonly ImageUse[],
  lastUsedAt: (image: Image) => number | undefined,
  range?: { readonly from: number; readonly to: number },
): (row: number) => boolean {
  const checks: ((row: number) => boolean)[] = [];
  const f = filters;
  const { images, pushedAt, pulledAt } = index;
  if (f.tag) {
    const tag = globMatcher(f.tag);
    checks.push((i) => images[i]!.tags.some(tag));
  }
  if (f.digest) {
    const digest = f.digest;
    checks.push((i) => images[i]!.digest === digest);
  }
  if (f.minSeverity) {
    const min = SEVERITIES.indexOf(f.minSeverity);
    const top = index.topSeverity;
    checks.push((i) => top[i]! >= 0 && top[i]! <= min);
  }
  if (f.scanState) {
    const states = new Set(f.scanState.map((s) => SCAN_STATES.indexOf(s)));
    checks.push((i) => states.has(index.scanState[i]!));
  }
  if (f.kind) {
    const kinds = new Set(f.kind.map((k) => IMAGE_KINDS.indexOf(k)));
    checks.push((i) => kinds.has(index.kind[i]!));
  }
  if (f.pushedBefore !== undefined) {
    const t = f.pushedBefore;
    checks.push((i) => pushedAt[i]! < t);
  }
  if (f.pushedAfter !== undefined) {
    const t = f.pushedAfter;
    checks.push((i) => pushedAt[i]! >= t);
  }
  if (f.pulledBefore !== undefined) {
    const t = f.pulledBefore;
    checks.push((i) => pulledAt[i]! < t); // NaN (never pulled) compares false
  }
  if (f.pulledAfter !== undefined) {
    const t = f.pulledAfter;
    checks.push((i) => pulledAt[i]! >= t);
  }
  if (f.olderThanDays !== undefined) {
    const t = now - f.olderThanDays * DAY_MS;
    checks.push((i) => pushedAt[i]! <= t);
  }
  if (f.notPulledForDays !== undefined) {
    const t = now - f.notPulledForDays * DAY_MS;
    checks.push((i) => {
      const pulled = pulledAt[i]!;
      return (Number.isNaN(pulled) ? pushedAt[i]! : pulled) <= t;
    });
  }
  if (f.notUsedForDays !== undefined) {
    const t = now - f.notUsedForDays * DAY_MS;
    checks.push((i) => {
      const at = lastUsedAt(images[i]!);
      return at === undefined || at <= t;
    });
  }
  if (f.inUse !== undefined) {
    const want = f.inUse ? 1 : 0;
    checks.push((i) => index.inUse[i] === want);
  }
  if (f.untagged !== undefined) {
    const want = f.untagged ? 0 : 1;
    checks.push((i) => index.tagged[i] === want);
  }
  if (f.cluster) {
    const clusters = new Set(f.cluster);
    checks.push((i) => index.inUse[i] === 1 && usesOf(images[i]!).some((u) => u.cluster !== undefined && clusters.has(u.cluster)));
  }
  if (range) {
    const { from, to } = range;
    checks.push((i) => pushedAt[i]! >= from && pushedAt[i]! <= to);
  }
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (row) => {
    for (const check of checks) if (!check(row)) return false;
    return true;
  };
}

export const daysSince = (now: number, at: number | undefined): number | null =>
  at === undefined ? null : Math.max(0, Math.floor((now - at) / DAY_MS));
