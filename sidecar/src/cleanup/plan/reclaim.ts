/** What deleting frees: layers of deleted images that no kept image of the same repository shares. */
import type { Decisions } from './decisions.js';
import { DELETE, KEEP } from './decisions.js';
import type { RepositoryLayers } from './layers.js';

export interface Reclaim {
  /** NaN when unknown. */
  readonly perImage: Float64Array;
  readonly unionBytes: number;
  readonly unknown: number;
}

/** Layers of deleted images that no kept image of the repository shares (stamps avoid clearing per repository). */
export function reclaimable(layers: RepositoryLayers, stamps: Stamps, decisions: Decisions): Reclaim {
  const { start, ids, known, sizes } = layers;
  stamps.fit(sizes.length);
  const n = known.length;
  const kept = ++stamps.counter;
  let keptUnknown = false;
  for (let i = 0; i < n; i++) {
    if (decisions.decision[i] !== KEEP) continue;
    if (!known[i]) keptUnknown = true;
    for (let k = start[i]!; k < start[i + 1]!; k++) stamps.kept[ids[k]!] = kept;
  }
  const perImage = new Float64Array(n);
  let unionBytes = 0;
  let unknown = 0;
  for (let i = 0; i < n; i++) {
    if (decisions.decision[i] !== DELETE) continue;
    if (!known[i] || keptUnknown) {
      perImage[i] = NaN;
      unknown++;
      continue;
    }
    let bytes = 0;
    for (let k = start[i]!; k < start[i + 1]!; k++) {
      const id = ids[k]!;
      if (stamps.kept[id] === kept) continue;
      const size = sizes[id]!;
      bytes += size; // per image: may overlap another deleted image's; the union counts it once
      if (stamps.freed[id] !== kept) {
        stamps.freed[id] = kept;
        unionBytes += size;
      }
    }
    perImage[i] = bytes;
  }
  return { perImage, unionBytes, unknown };
}

/** Marks per repository-local layer id; a new counter per repository instead of clearing. */
export class Stamps {
  counter = 0;
  kept = new Int32Array(0);
  freed = new Int32Array(0);
  /** Grows to hold ids below `layers` (fresh zeros never equal a counter, which starts at 1). */
  fit(layers: number): void {
    if (this.kept.length >= layers) return;
    this.kept = new Int32Array(layers);
    this.freed = new Int32Array(layers);
  }
}
