import type { Steps } from '../../cooperative.js';
import { derivedOf, slot } from '../../snapshot/derived.js';
import type { Image, Snapshot } from '../../snapshot/model.js';

/** Per-repository counts and times, computed once per snapshot. */
export interface RepositoryStats {
  readonly imageCount: number;
  readonly imagesTagged: number;
  /** Untagged manifests that no index of the repository lists and that are not referrers: the dangling ones. */
  readonly imagesUntagged: number;
  readonly lastPushedAt: number | null;
  readonly lastPulledAt: number | null;
}

/**
 * By image list: a snapshot keeps the lists of the repositories a refresh did not change (the same frozen arrays), so
 * their figures are not counted again for each push (a million images per push otherwise).
 */
const byList = new WeakMap<readonly Image[], RepositoryStats>();

export function computeStats(images: readonly Image[]): RepositoryStats {
  let stats = byList.get(images);
  if (!stats) byList.set(images, (stats = countStats(images)));
  return stats;
}

function countStats(images: readonly Image[]): RepositoryStats {
  const listed = new Set<string>();
  for (const image of images) for (const child of image.children) listed.add(child);
  let tagged = 0;
  let untagged = 0;
  let pushed: number | null = null;
  let pulled: number | null = null;
  for (const image of images) {
    if (image.tags.length > 0) tagged += 1;
    else if (!listed.has(image.digest) && image.subjectDigest === undefined) untagged += 1;
    if (pushed === null || image.pushedAt > pushed) pushed = image.pushedAt;
    if (image.lastPulledAt !== undefined && (pulled === null || image.lastPulledAt > pulled)) pulled = image.lastPulledAt;
  }
  return { imageCount: images.length, imagesTagged: tagged, imagesUntagged: untagged, lastPushedAt: pushed, lastPulledAt: pulled };
}

export const REPOSITORY_STATS = slot<ReadonlyMap<string, RepositoryStats>>('repository statistics');

export function repositoryStats(snapshot: Snapshot): ReadonlyMap<string, RepositoryStats> {
  return derivedOf(snapshot).getSteps(REPOSITORY_STATS, undefined, () => repositoryStatsSteps(snapshot));
}

/** As repositoryStats, giving the event loop a turn every `sliceMs`. */
export function repositoryStatsCooperatively(snapshot: Snapshot, sliceMs?: number): Promise<ReadonlyMap<string, RepositoryStats>> {
  return derivedOf(snapshot).getCooperatively(REPOSITORY_STATS, undefined, () => repositoryStatsSteps(snapshot), sliceMs);
}

/** Computes the map (not memoized), yielding after each repository. */
export function* repositoryStatsSteps(snapshot: Snapshot): Steps<ReadonlyMap<string, RepositoryStats>> {
  const map = new Map<string, RepositoryStats>();
  for (const [id, images] of snapshot.imagesByRepository) {
    map.set(id, computeStats(images));
    yield;
  }
  return map;
}
