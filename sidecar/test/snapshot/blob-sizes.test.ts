/** LayeredBlobSizes (snapshot/blob-sizes.ts): a base map with sizes laid over it behaves as the map made again. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BlobKey } from '../../src/snapshot/blob-key.js';
import { LayeredBlobSizes } from '../../src/snapshot/blob-sizes.js';

/** A key of the length real ones have (16 characters). */
const key = (n: number): BlobKey => `blob-${n}`.padEnd(16, '.') as BlobKey;
const sizesArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }).map(key), fc.integer({ min: 0, max: 1e9 })), { maxLength: 30 });

describe('layered blob sizes', () => {
  it('answer get, has, size, iteration and equality as the map with the added sizes set over the base', () => {
    fc.assert(
      fc.property(sizesArb, sizesArb, sizesArb, fc.boolean(), (anyBase, anyFirst, anySecond, consistent) => {
        // Consistent: a blob has one size wherever it is given (as content-addressed blobs do), else sizes differ.
        const sized = (list: [BlobKey, number][]): [BlobKey, number][] => (consistent ? list.map(([blob]) => [blob, Number.parseInt(blob.slice(5), 10) * 1000 + 7]) : list);
        const [base, first, second] = [sized(anyBase), sized(anyFirst), sized(anySecond)];
        const flat = new Map(base);
        const once = new LayeredBlobSizes(flat, new Map(first));
        // Laid over a layered map: the added sizes accumulate over the same base.
        const twice = new LayeredBlobSizes(once, new Map(second));
        const expected = new Map([...base, ...first, ...second]);
        expect(twice.size).toBe(expected.size);
        expect(new Map(twice)).toEqual(expected);
        expect(twice.addedSize).toBe(new Map([...first, ...second]).size);
        expect(twice.baseSize).toBe(flat.size);
        for (let n = 0; n <= 41; n++) {
          expect(twice.get(key(n))).toBe(expected.get(key(n)));
          expect(twice.has(key(n))).toBe(expected.has(key(n)));
        }
        expect(new Set(twice.keys())).toEqual(new Set(expected.keys()));
        expect([...twice.values()].sort()).toEqual([...expected.values()].sort());
        const seen: [BlobKey, number][] = [];
        twice.forEach((size, blob) => seen.push([blob, size]));
        expect(new Map(seen)).toEqual(expected);
        // The layers under it are unchanged.
        expect(new Map(once)).toEqual(new Map([...base, ...first]));
        expect(flat).toEqual(new Map(base));
      }),
    );
  });

  it('hold the base and the sizes as given when made, whatever is done to those maps later', () => {
    const base = new Map([[key(1), 1]]);
    const added = new Map([[key(2), 2]]);
    const sizes = new LayeredBlobSizes(base, added);
    added.set(key(3), 3);
    expect(new Map(sizes)).toEqual(new Map([[key(2), 2], [key(1), 1]]));
    expect(sizes.size).toBe(2);
  });
});
