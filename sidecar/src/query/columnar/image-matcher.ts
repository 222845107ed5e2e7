/**
 * The image filters as a question about single images, for the cleanup plan and the lifecycle preview:
 * the images query's own columnar selection (one semantics for every path that filters images), read
 * by row. The caller leaves out the filters it answers itself (the plan's inUse, cluster and decision).
 */
import type { Image, Snapshot } from '../../snapshot/model.js';
import { rowsWithDigest } from './image-index.js';
import { selectImageRows } from './image-select.js';
import type { Filters } from '../request.js';

export interface ImageMatcher {
  /** How many of the snapshot's images match. */
  readonly count: number;
  /**
   * Whether `image`, one of the snapshot's, matches. `position` (in its repository's newest-first list)
   * saves the lookup; an image that is not the snapshot's is an error, never a silent "no".
   */
  has(image: Image, position?: number): boolean;
}

export function imageMatcher(snapshot: Snapshot, filters: Filters, now: number): ImageMatcher {
  const { index, mask, count } = selectImageRows(snapshot, filters, now);
  const repositoryRow = new Map(snapshot.repositories.map((r, k) => [r.id, k]));
  const rowOf = (image: Image, position: number | undefined): number => {
    const r = repositoryRow.get(image.repositoryId);
    if (r !== undefined && position !== undefined) {
      const row = index.repoStart[r]! + position;
      if (row < index.repoStart[r + 1]! && index.images[row] === image) return row;
    }
    for (const row of rowsWithDigest(index, image.digest)) if (index.images[row] === image) return row;
    throw new Error(`image ${image.digest} of ${image.repositoryId} is not in snapshot ${snapshot.version}`);
  };
  return { count, has: (image, position) => mask[rowOf(image, position)] === 1 };
}
