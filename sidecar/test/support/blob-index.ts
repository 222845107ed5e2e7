/** What every BlobIndex must answer (snapshot/blob-table.ts): by place in a list, as the map answers by key. */
import { expect } from 'vitest';
import { blobAt, blobCount, type BlobKey, type BlobList } from '../../src/snapshot/blob-key.js';
import type { BlobIndex } from '../../src/snapshot/blob-table.js';

/** Each blob of the list: -1 when `sizes` lacks it, else an entry below entryLimit with its size; one entry per blob. */
export function expectEntriesAsKeys(index: BlobIndex, sizes: ReadonlyMap<BlobKey, number>, list: BlobList): void {
  const entryOf = new Map<BlobKey, number>();
  for (let i = 0; i < blobCount(list); i++) {
    const blob = blobAt(list, i);
    const entry = index.entryOfBlobAt(list, i);
    if (!sizes.has(blob)) {
      expect(entry).toBe(-1);
      continue;
    }
    expect(entry).toBeGreaterThanOrEqual(0);
    expect(entry).toBeLessThan(index.entryLimit);
    expect(index.sizeOfEntry(entry)).toBe(sizes.get(blob));
    // The same blob, the same entry; another blob, another.
    const known = entryOf.get(blob);
    if (known !== undefined) expect(entry).toBe(known);
    else expect([...entryOf.values()]).not.toContain(entry);
    entryOf.set(blob, entry);
  }
}
