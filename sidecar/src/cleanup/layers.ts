/**
 * Layers as integers, built once per snapshot: reclaimable bytes over a million images then read
 * typed arrays instead of hashing a few million digest strings on every plan.
 */
import type { Snapshot } from '../snapshot/model.js';

export interface RepositoryLayers {
  /** Layers of image i (imagesByRepository order) are ids[start[i] .. start[i + 1]). */
  readonly start: Int32Array;
  readonly ids: Int32Array;
  /** 1 when the image's layers are known (an index has none and counts as known). */
  readonly known: Uint8Array;
}

export interface LayerIndex {
  readonly byRepository: ReadonlyMap<string, RepositoryLayers>;
  /** Size of layer id; 0 when unknown. */
  readonly sizes: Float64Array;
}

const memo = new WeakMap<Snapshot, LayerIndex>();

export function layerIndex(snapshot: Snapshot): LayerIndex {
  const cached = memo.get(snapshot);
  if (cached) return cached;
  const idOf = new Map<string, number>();
  const sizeList: number[] = [];
  const byRepository = new Map<string, RepositoryLayers>();
  for (const [repositoryId, images] of snapshot.imagesByRepository) {
    const start = new Int32Array(images.length + 1);
    const known = new Uint8Array(images.length);
    let total = 0;
    for (let i = 0; i < images.length; i++) {
      start[i] = total;
      const image = images[i]!;
      if (image.layers) {
        total += image.layers.length;
        known[i] = 1;
      } else if (image.kind === 'index') known[i] = 1;
    }
    start[images.length] = total;
    const ids = new Int32Array(total);
    let k = 0;
    for (const image of images) {
      for (const layer of image.layers ?? []) {
        let id = idOf.get(layer);
        if (id === undefined) {
          id = sizeList.length;
          idOf.set(layer, id);
          sizeList.push(snapshot.layerSizes.get(layer) ?? 0);
        }
        ids[k++] = id;
      }
    }
    byRepository.set(repositoryId, { start, ids, known });
  }
  const index: LayerIndex = { byRepository, sizes: Float64Array.from(sizeList) };
  memo.set(snapshot, index);
  return index;
}
