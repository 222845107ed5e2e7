import { blobAt, type BlobKey, type BlobList } from './blob-key.js';
import { BlobTableBuilder, type BlobIndex } from './blob-table.js';

/** Tables made of maps that were not made as tables (tests, the empty snapshot's): once per map, which a snapshot never changes. */
const tablesOf = new WeakMap<ReadonlyMap<BlobKey, number>, BlobIndex & ReadonlyMap<BlobKey, number>>();

/** The map as a BlobIndex: itself when it is one (a snapshot's always is, but for the empty one's), else a table of its sizes. */
export function blobIndexOf(map: ReadonlyMap<BlobKey, number>): BlobIndex & ReadonlyMap<BlobKey, number> {
  if (isIndex(map)) return map;
  let table = tablesOf.get(map);
  if (!table) {
    const builder = new BlobTableBuilder(map.size);
    for (const [blob, size] of map) builder.set(blob, size);
    tablesOf.set(map, (table = builder.build()));
  }
  return table;
}

function isIndex(map: ReadonlyMap<BlobKey, number>): map is BlobIndex & ReadonlyMap<BlobKey, number> {
  return typeof (map as Partial<BlobIndex>).entryOfBlobAt === 'function';
}

/**
 * A snapshot's blob sizes made of an earlier snapshot's map and the sizes added since, without copying the earlier
 * one: a lookup reads both maps, the added sizes winning. At 1,000,000 images the map has about two million entries
 * and copying it took 4 s for each pushed image. Read-only, as a snapshot's map is.
 */
export class LayeredBlobSizes implements ReadonlyMap<BlobKey, number>, BlobIndex {
  readonly #base: BlobIndex & ReadonlyMap<BlobKey, number>;
  /** The added sizes: each blob's entry (after the base's: baseLimit + i) in #addedSizes. Few, so a Map. */
  readonly #added: ReadonlyMap<BlobKey, number>;
  readonly #addedSizes: readonly number[];
  readonly #size: number;
  /** Some added size differs from the base's for the same blob: then the added sizes must be looked up first. */
  readonly #overrides: boolean;
  /**
   * The map this one was laid over, as given (before flattening), and whether a size it knew reads otherwise here.
   * Weak: held strongly, each push's map would keep every map before it (and its added sizes) alive.
   */
  readonly #parent: WeakRef<ReadonlyMap<BlobKey, number>>;
  readonly #changesParent: boolean;

  /** `base` with `added` over it; a LayeredBlobSizes as the base gives its own base, and its added sizes under `added`. */
  constructor(base: ReadonlyMap<BlobKey, number>, added: ReadonlyMap<BlobKey, number>) {
    const inner = base instanceof LayeredBlobSizes ? base : undefined;
    this.#base = inner ? inner.#base : blobIndexOf(base);
    const merged = new Map(inner ? inner.#added : []);
    const sizes = inner ? inner.#addedSizes.slice() : [];
    for (const [blob, size] of added) {
      const entry = merged.get(blob);
      if (entry !== undefined) sizes[entry] = size;
      else {
        merged.set(blob, sizes.length);
        sizes.push(size);
      }
    }
    this.#added = merged;
    this.#addedSizes = sizes;
    let size = this.#base.size;
    let overrides = false;
    for (const [blob, entry] of merged) {
      const under = this.#base.get(blob);
      if (under === undefined) size += 1;
      else if (under !== sizes[entry]) overrides = true;
    }
    this.#size = size;
    this.#overrides = overrides;
    this.#parent = new WeakRef(base);
    let changes = false;
    for (const [blob, value] of added) {
      const before = base.get(blob);
      if (before !== undefined && value !== before) changes = true;
    }
    this.#changesParent = changes;
  }

  /**
   * True when every blob `earlier` holds has the same size here, so what was computed from `earlier` for blobs it
   * knew holds here too: `earlier` is this map, or the map it was laid over and no size added changes one it knew.
   * Constant time: a targeted refresh's map is checked against the previous snapshot's, once per push.
   */
  agreesWith(earlier: ReadonlyMap<BlobKey, number>): boolean {
    return earlier === this || (earlier === this.#parent.deref() && !this.#changesParent);
  }

  /** How many sizes lie over the base (the caller makes a flat map again when they grow). */
  get addedSize(): number {
    return this.#added.size;
  }

  get baseSize(): number {
    return this.#base.size;
  }

  get size(): number {
    return this.#size;
  }

  #addedSize(blob: BlobKey): number | undefined {
    const entry = this.#added.get(blob);
    return entry === undefined ? undefined : this.#addedSizes[entry];
  }

  // The base first: it holds nearly every blob, so a lookup is mostly one (of a two-million-entry map, 0.3 µs here).
  get(blob: BlobKey): number | undefined {
    if (this.#overrides) return this.#addedSize(blob) ?? this.#base.get(blob);
    return this.#base.get(blob) ?? this.#addedSize(blob);
  }

  get entryLimit(): number {
    return this.#base.entryLimit + this.#addedSizes.length;
  }

  // A blob has one entry: the added one when the added sizes come first (some differs from the base's), else the
  // base's when the base knows it. Added blobs are looked up by key, as they are few.
  entryOfBlobAt(list: BlobList, i: number): number {
    if (this.#overrides) {
      const added = this.#added.get(blobAt(list, i));
      return added !== undefined ? this.#base.entryLimit + added : this.#base.entryOfBlobAt(list, i);
    }
    const entry = this.#base.entryOfBlobAt(list, i);
    if (entry >= 0 || this.#added.size === 0) return entry;
    const added = this.#added.get(blobAt(list, i));
    return added !== undefined ? this.#base.entryLimit + added : -1;
  }

  sizeOfEntry(entry: number): number {
    const baseLimit = this.#base.entryLimit;
    return entry < baseLimit ? this.#base.sizeOfEntry(entry) : this.#addedSizes[entry - baseLimit]!;
  }

  has(blob: BlobKey): boolean {
    return this.#base.has(blob) || this.#added.has(blob);
  }

  *entries(): MapIterator<[BlobKey, number]> {
    for (const [blob, entry] of this.#added) yield [blob, this.#addedSizes[entry]!];
    for (const entry of this.#base.entries()) if (!this.#added.has(entry[0])) yield entry;
  }

  *keys(): MapIterator<BlobKey> {
    for (const [blob] of this.entries()) yield blob;
  }

  *values(): MapIterator<number> {
    for (const [, size] of this.entries()) yield size;
  }

  [Symbol.iterator](): MapIterator<[BlobKey, number]> {
    return this.entries();
  }

  forEach(callback: (size: number, blob: BlobKey, map: ReadonlyMap<BlobKey, number>) => void, thisArg?: unknown): void {
    for (const [blob, size] of this.entries()) callback.call(thisArg, size, blob, this);
  }
}

/** True when every blob `earlier` holds has the same size in `now` (LayeredBlobSizes.agreesWith; a flat map only agrees with itself). */
export function blobSizesAgree(now: ReadonlyMap<BlobKey, number>, earlier: ReadonlyMap<BlobKey, number>): boolean {
  return now === earlier || (now instanceof LayeredBlobSizes && now.agreesWith(earlier));
}
