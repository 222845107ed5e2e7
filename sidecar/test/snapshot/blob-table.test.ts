/** Blob sizes in typed arrays (blob-table.ts) and blob lists as one string (blob-key.ts): what a Map and an array gave. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOB_KEY_CHARS, NO_BLOBS, blobAt, blobCount, blobKey, blobKeys, blobList, type BlobKey } from '../../src/snapshot/blob-key.js';
import { BlobTable, BlobTableBuilder } from '../../src/snapshot/blob-table.js';
import { expectEntriesAsKeys } from '../support/blob-index.js';

const key = (n: number): BlobKey => blobKey(`sha256:${createHash('sha256').update(String(n)).digest('hex')}`);
/** Keys whose first four bytes (the table's hash) are the same: every one collides with every other. */
const colliding = (n: number): BlobKey => `abcd${String(n).padStart(BLOB_KEY_CHARS - 4, '0')}` as BlobKey;

describe('BlobTable', () => {
  it('answers as a Map of the same sizes: the last size set for a blob wins', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(300), fc.boolean(), fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e15, noNaN: true }))), { maxLength: 400 }),
        fc.integer({ min: 0, max: 500 }),
        (sets, expected) => {
          const map = new Map<BlobKey, number>();
          const builder = new BlobTableBuilder(expected);
          for (const [n, collide, size] of sets) {
            const blob = collide ? colliding(n) : key(n);
            map.set(blob, size);
            builder.set(blob, size);
          }
          expect(builder.size).toBe(map.size);
          const table = builder.build();
          expect(table.size).toBe(map.size);
          expect(new Map(table)).toEqual(map);
          for (let n = 0; n <= 300; n++) {
            for (const blob of [key(n), colliding(n)]) {
              expect(table.get(blob)).toBe(map.get(blob));
              expect(table.has(blob)).toBe(map.has(blob));
            }
          }
          expect([...table.values()].sort()).toEqual([...map.values()].sort());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finds a list’s blobs by place as by key, one entry per blob, while it is built and after', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(60), fc.boolean(), fc.nat()), { maxLength: 120 }),
        fc.array(fc.tuple(fc.nat(80), fc.boolean()), { maxLength: 40 }),
        fc.boolean(),
        (sets, listed, byPlace) => {
          const builder = new BlobTableBuilder();
          const map = new Map<BlobKey, number>();
          // Set by key or by place in a list of the one key: the same table.
          for (const [n, collide, size] of sets) {
            const blob = collide ? colliding(n) : key(n);
            map.set(blob, size);
            if (byPlace) builder.setBlobAt(blobList([blob]), 0, size);
            else builder.set(blob, size);
          }
          const list = blobList(listed.map(([n, collide]) => (collide ? colliding(n) : key(n))));
          for (const table of [builder, builder.build()]) {
            expect(new Map(table)).toEqual(map);
            expect(table.entryLimit).toBe(map.size);
            expectEntriesAsKeys(table, map, list);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('knows no key of another length, and refuses to hold one', () => {
    const builder = new BlobTableBuilder();
    builder.set(key(1), 5);
    const table = builder.build();
    expect(table.get('short' as BlobKey)).toBeUndefined();
    expect(table.has(`${key(1)}x` as BlobKey)).toBe(false);
    expect(() => new BlobTableBuilder().set('short' as BlobKey, 1)).toThrow(/16 characters/);
  });

  it('keeps its sizes outside the heap, about 35 bytes a blob, and keys and sizes to their length when much room is left', () => {
    const sized = (expected: number, count: number): BlobTable => {
      const builder = new BlobTableBuilder(expected);
      for (let n = 0; n < count; n++) builder.set(key(n), n);
      const table = builder.build();
      expect(table).toBeInstanceOf(BlobTable);
      expect(table.size).toBe(count);
      expect(table.get(key(count - 1))).toBe(count - 1);
      return table;
    };
    // As expected: 16 bytes of key and 8 of size each, and 4 for each of the 262,144 slots (at most half full).
    expect(sized(100_000, 100_000).byteLength).toBe(100_000 * 24 + 262_144 * 4);
    // Grown to room for 131,072 (from 8, doubling): 100,000 fill over three quarters of it, so it is kept.
    expect(sized(0, 100_000).byteLength).toBe(131_072 * 24 + 262_144 * 4);
    // 70,000 fill little more than half: keys and sizes copied to their length, the slots kept.
    expect(sized(0, 70_000).byteLength).toBe(70_000 * 24 + 262_144 * 4);
  });
});

describe('blob lists', () => {
  it('give back their keys in order, duplicates included', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { maxLength: 20 }), (ns) => {
        const keys = ns.map(key);
        const list = blobList(keys);
        expect(blobCount(list)).toBe(keys.length);
        expect(blobKeys(list)).toEqual(keys);
        for (let i = 0; i < keys.length; i++) expect(blobAt(list, i)).toBe(keys[i]);
        // Equal lists are equal strings: a list is compared with ===.
        expect(blobList([...keys])).toBe(list);
      }),
    );
  });

  it('are never empty strings, so that a list of no blob is still there in a condition', () => {
    expect(blobCount(NO_BLOBS)).toBe(0);
    expect(blobList([])).toBe(NO_BLOBS);
    expect(Boolean(NO_BLOBS)).toBe(true);
    expect(blobKeys(NO_BLOBS)).toEqual([]);
  });
});
