/**
 * A snapshot's blob sizes in typed arrays: about two million blobs at 1,000,000 images. As a Map, each blob was a
 * key string and an entry for the collector to mark on every full collection; here they are three arrays outside
 * the V8 heap. Open addressing with linear probing; a key's first four bytes are its hash (keys are sha256 output or
 * a keyed hash: uniformly spread). Immutable once built, as a snapshot's map is.
 */
import { BLOB_KEY_CHARS, blobListText, blobOffset, type BlobKey, type BlobList } from './blob-key.js';

/**
 * Blob sizes looked up by a blob's place in an image's list, as entry numbers: hot loops (repository sizes, the
 * plan's layer ids, the refresh's size gathering) mark and count entries in typed arrays instead of Maps keyed by
 * blob (a Map hashes each slice of a list anew: about 600 ns per operation at two million blobs, against 190 for
 * a place lookup here). Every blob the map knows has one entry in 0 .. entryLimit - 1.
 */
export interface BlobIndex {
  /** The entry of the list's i-th blob, or -1 when its size is not known. */
  entryOfBlobAt(list: BlobList, i: number): number;
  sizeOfEntry(entry: number): number;
  readonly entryLimit: number;
}

const EMPTY_SLOT = -1;

/** The hash of the key whose characters start at `from`: its first four bytes. */
function hashAt(text: string, from: number): number {
  return (text.charCodeAt(from) | (text.charCodeAt(from + 1) << 8) | (text.charCodeAt(from + 2) << 16) | (text.charCodeAt(from + 3) << 24)) >>> 0;
}

/** hashAt of the key whose bytes start at `at`. */
function hashOfBytes(keys: Uint8Array, at: number): number {
  return (keys[at]! | (keys[at + 1]! << 8) | (keys[at + 2]! << 16) | (keys[at + 3]! << 24)) >>> 0;
}

/** Slots for `count` keys: a power of two, at most half full. */
function slotCount(count: number): number {
  let n = 16;
  while (n < count * 2) n *= 2;
  return n;
}

interface Arrays {
  readonly keys: Uint8Array;
  readonly sizes: Float64Array;
  readonly slots: Int32Array;
}

/** The entry holding the key whose characters start at `from`, or the empty slot where it would go (as a negative number: -1 - slot). */
function find(arrays: Arrays, text: string, from: number): number {
  const { keys, slots } = arrays;
  const mask = slots.length - 1;
  let slot = hashAt(text, from) & mask;
  for (;;) {
    const entry = slots[slot]!;
    if (entry === EMPTY_SLOT) return -1 - slot;
    const at = entry * BLOB_KEY_CHARS;
    let same = true;
    for (let i = 0; i < BLOB_KEY_CHARS; i++) {
      if (keys[at + i] !== text.charCodeAt(from + i)) {
        same = false;
        break;
      }
    }
    if (same) return entry;
    slot = (slot + 1) & mask;
  }
}

/** What a table and its builder read alike. */
class BlobTableReads implements ReadonlyMap<BlobKey, number>, BlobIndex {
  protected arrays: Arrays;
  protected count: number;

  protected constructor(arrays: Arrays, count: number) {
    this.arrays = arrays;
    this.count = count;
  }

  get size(): number {
    return this.count;
  }

  get entryLimit(): number {
    return this.count;
  }

  entryOfBlobAt(list: BlobList, i: number): number {
    const entry = find(this.arrays, blobListText(list), blobOffset(i));
    return entry >= 0 ? entry : -1;
  }

  sizeOfEntry(entry: number): number {
    return this.arrays.sizes[entry]!;
  }

  get(blob: BlobKey): number | undefined {
    if (blob.length !== BLOB_KEY_CHARS) return undefined;
    const entry = find(this.arrays, blob, 0);
    return entry >= 0 ? this.arrays.sizes[entry] : undefined;
  }

  has(blob: BlobKey): boolean {
    return blob.length === BLOB_KEY_CHARS && find(this.arrays, blob, 0) >= 0;
  }

  /** Each entry's key is made when it is read (latin1 text of its bytes). */
  *entries(): MapIterator<[BlobKey, number]> {
    const { keys, sizes } = this.arrays;
    for (let entry = 0; entry < this.count; entry++) {
      const at = entry * BLOB_KEY_CHARS;
      yield [Buffer.from(keys.buffer, keys.byteOffset + at, BLOB_KEY_CHARS).toString('latin1') as BlobKey, sizes[entry]!];
    }
  }

  *keys(): MapIterator<BlobKey> {
    for (const [blob] of this.entries()) yield blob;
  }

  *values(): MapIterator<number> {
    const { sizes } = this.arrays;
    for (let entry = 0; entry < this.count; entry++) yield sizes[entry]!;
  }

  [Symbol.iterator](): MapIterator<[BlobKey, number]> {
    return this.entries();
  }

  forEach(callback: (size: number, blob: BlobKey, map: ReadonlyMap<BlobKey, number>) => void, thisArg?: unknown): void {
    for (const [blob, size] of this.entries()) callback.call(thisArg, size, blob, this);
  }

  /** Bytes held outside the heap. */
  get byteLength(): number {
    const { keys, sizes, slots } = this.arrays;
    return keys.byteLength + sizes.byteLength + slots.byteLength;
  }
}

export class BlobTable extends BlobTableReads {
  /** Made by BlobTableBuilder.build. */
  constructor(arrays: Arrays, count: number) {
    super(arrays, count);
  }
}

/** Gathers sizes (a later size for the same blob wins) into a BlobTable; what is gathered so far can be read. */
export class BlobTableBuilder extends BlobTableReads {
  constructor(expected = 0) {
    super(BlobTableBuilder.#allocate(Math.max(8, expected)), 0);
  }

  /** Room for `capacity` keys. Growing places every key again, in one piece: give the expected count. */
  static #allocate(capacity: number): Arrays {
    return {
      keys: new Uint8Array(capacity * BLOB_KEY_CHARS),
      sizes: new Float64Array(capacity),
      slots: new Int32Array(slotCount(capacity)).fill(EMPTY_SLOT),
    };
  }

  set(blob: BlobKey, size: number): void {
    if (blob.length !== BLOB_KEY_CHARS) throw new Error(`a blob key is ${BLOB_KEY_CHARS} characters, not ${blob.length}`);
    this.#setAt(blob, 0, size);
  }

  /** set(blobAt(list, i), size), without making the key. */
  setBlobAt(list: BlobList, i: number, size: number): void {
    this.#setAt(blobListText(list), blobOffset(i), size);
  }

  #setAt(text: string, from: number, size: number): void {
    let found = find(this.arrays, text, from);
    if (found >= 0) {
      this.arrays.sizes[found] = size;
      return;
    }
    if (this.count === this.arrays.sizes.length) {
      this.#grow(this.count * 2);
      found = find(this.arrays, text, from);
    }
    const entry = this.count++;
    const { keys, sizes, slots } = this.arrays;
    const at = entry * BLOB_KEY_CHARS;
    for (let i = 0; i < BLOB_KEY_CHARS; i++) keys[at + i] = text.charCodeAt(from + i);
    sizes[entry] = size;
    slots[-1 - found] = entry;
  }

  /**
   * The table of what was set; the builder is not to be used after. Keys and sizes are copied to their length when
   * the room left is over a quarter of it (a copy, fast); the slots are kept as they are, since placing two million
   * keys again took 0.3-0.4 s in one piece.
   */
  build(): BlobTable {
    const { keys, sizes, slots } = this.arrays;
    if (sizes.length * 3 <= this.count * 4) return new BlobTable(this.arrays, this.count);
    const arrays = { keys: keys.slice(0, this.count * BLOB_KEY_CHARS), sizes: sizes.slice(0, this.count), slots };
    return new BlobTable(arrays, this.count);
  }

  #grow(capacity: number): void {
    const before = this.arrays;
    const after = BlobTableBuilder.#allocate(capacity);
    after.keys.set(before.keys.subarray(0, this.count * BLOB_KEY_CHARS));
    after.sizes.set(before.sizes.subarray(0, this.count));
    const mask = after.slots.length - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let slot = hashOfBytes(before.keys, entry * BLOB_KEY_CHARS) & mask;
      while (after.slots[slot] !== EMPTY_SLOT) slot = (slot + 1) & mask;
      after.slots[slot] = entry;
    }
    this.arrays = after;
  }
}
