/**
 * Layers as integers, per repository: reclaimable bytes then read typed arrays instead of hashing
 * digest strings for every kept and deleted image. Ids are local to a repository (reclaimable bytes
 * never cross one), so no map of every layer is built.
 */
import { ITEMS_PER_STEP, type Steps } from '../../cooperative.js';
import type { Snapshot } from '../../snapshot/model.js';
import { blobAt, blobCount, type BlobKey } from '../../snapshot/blob-key.js';
import { blobIndexOf } from '../../snapshot/blob-sizes.js';

export interface RepositoryLayers {
  /** Layers of image i (imagesByRepository order) are ids[start[i] .. start[i + 1]). */
  readonly start: Int32Array;
  readonly ids: Int32Array;
  /** 1 when the image's layers are known (an index has none and counts as known). */
  readonly known: Uint8Array;
  /** Size of each repository-local layer id; 0 when unknown. */
  readonly sizes: Float64Array;
  /** Some layer's size is unknown: a later snapshot may know it (plan reuse must not assume the same sizes). */
  readonly unsized: boolean;
}

export interface LayerIndex {
  /**
   * The repository's layers, built when asked, in steps (the largest repositories hold a million layer references):
   * planning builds and drops them one repository at a time, each finished before the next is asked for.
   */
  forRepository(repositoryId: string): Steps<RepositoryLayers | undefined>;
}

/** Not memoized: kept for a million images, the arrays would cost about 50 MB for a plan that is cached anyway. */
export function layerIndex(snapshot: Snapshot): LayerIndex {
  // The repository-local id of each blob entry of the snapshot's sizes, valid where the entry's mark is the
  // repository's number (marks cleared once every 255 repositories): typed arrays reused from repository to
  // repository, made at the first one, not a Map keyed by blob (a lookup per layer reference, five million at a
  // million images). Blobs whose size is not known have no entry: a Map for those.
  const index = blobIndexOf(snapshot.layerSizes);
  let idOfEntry: Int32Array | undefined;
  let marks: Uint8Array | undefined;
  let repository = 0;
  const idOfUnsized = new Map<BlobKey, number>();
  const sizes: number[] = [];
  return {
    *forRepository(repositoryId) {
      const images = snapshot.imagesByRepository.get(repositoryId);
      if (!images) return undefined;
      const start = new Int32Array(images.length + 1);
      const known = new Uint8Array(images.length);
      let total = 0;
      for (let i = 0; i < images.length; i++) {
        if ((i + 1) % ITEMS_PER_STEP === 0) yield;
        start[i] = total;
        const image = images[i]!;
        if (image.layers !== undefined) {
          total += blobCount(image.layers);
          known[i] = 1;
        } else if (image.kind === 'index') known[i] = 1;
      }
      start[images.length] = total;
      const ids = new Int32Array(total);
      idOfEntry ??= new Int32Array(index.entryLimit);
      marks ??= new Uint8Array(index.entryLimit);
      if (repository === 255) {
        marks.fill(0);
        repository = 0;
      }
      repository += 1;
      idOfUnsized.clear();
      sizes.length = 0;
      let k = 0;
      let unsized = false;
      for (let i = 0; i < images.length; i++) {
        if ((i + 1) % ITEMS_PER_STEP === 0) yield;
        const layers = images[i]!.layers;
        if (layers === undefined) continue;
        for (let j = 0, n = blobCount(layers); j < n; j++) {
          const entry = index.entryOfBlobAt(layers, j);
          if (entry >= 0) {
            if (marks[entry] !== repository) {
              marks[entry] = repository;
              idOfEntry[entry] = sizes.length;
              sizes.push(index.sizeOfEntry(entry));
            }
            ids[k++] = idOfEntry[entry]!;
            continue;
          }
          const layer = blobAt(layers, j);
          let id = idOfUnsized.get(layer);
          if (id === undefined) {
            id = sizes.length;
            idOfUnsized.set(layer, id);
            unsized = true;
            sizes.push(0);
          }
          ids[k++] = id;
        }
      }
      return { start, ids, known, sizes: Float64Array.from(sizes), unsized };
    },
  };
}
