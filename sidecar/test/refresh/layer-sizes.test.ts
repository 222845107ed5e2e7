/** The next snapshot's blob sizes (refresh/ecr.ts snapshotLayerSizesSteps): which map, and made in steps. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runNow } from '../../src/cooperative.js';
import { snapshotLayerSizesSteps } from '../../src/refresh/ecr.js';
import { blobAt, blobList, type BlobKey } from '../../src/snapshot/blob-key.js';
import { LayeredBlobSizes, blobIndexOf, blobSizesAgree } from '../../src/snapshot/blob-sizes.js';
import { BlobTable, BlobTableBuilder } from '../../src/snapshot/blob-table.js';
import type { Image } from '../../src/snapshot/model.js';
import { layer, makeImage } from '../support/builders.js';
import { collectGarbage } from '../support/collect.js';
import { expectEntriesAsKeys } from '../support/blob-index.js';

const REPO = '111111111111/us-east-1/app';
/** 10,000 images of two layers each: a base layer every image shares, and one of its own. */
const base = layer('base');
const images: Image[] = Array.from({ length: 10_000 }, (_, i) => makeImage({ repository: REPO, seed: `image-${i}`, layers: blobList([base, layer(`own-${i}`)]) }));
const previous = new Map<BlobKey, number>([[base, 50], ...images.map((image, i) => [blobAt(image.layers!, 1), i] as const)]);

/** Sizes as a refresh gathers them. */
function gathered(sizes: Iterable<readonly [BlobKey, number]> = []): BlobTableBuilder {
  const table = new BlobTableBuilder();
  for (const [blob, size] of sizes) table.set(blob, size);
  return table;
}

describe('the next snapshot’s blob sizes', () => {
  it('are the gathered sizes of the blobs images hold, in a table, on a first refresh, and the previous map when nothing changed', () => {
    const changed = gathered([
      [base, 50],
      [layer('own-7'), 7],
      [layer('held by no image'), 1],
    ]);
    const first = runNow(snapshotLayerSizesSteps(images, { changed, imageGone: false }, undefined, false));
    expect(first).toBeInstanceOf(BlobTable);
    expect(new Map(first)).toEqual(new Map([[base, 50], [layer('own-7'), 7]]));
    expect(runNow(snapshotLayerSizesSteps(images, { changed: gathered(), imageGone: false }, previous, false))).toBe(previous);
  });

  it('are the gathered table itself on a first refresh when the images hold every blob of it, found in steps', () => {
    // Gathered in the reverse of the images' order: a table made again from the images would list them in theirs.
    const changed = gathered([...previous].reverse());
    const steps = snapshotLayerSizesSteps(images, { changed, imageGone: false }, undefined, false);
    let yields = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) yields++;
    expect(yields).toBe(2);
    expect(step.value).toBeInstanceOf(BlobTable);
    expect(new Map(step.value)).toEqual(previous);
    expect([...step.value.keys()]).toEqual([...previous.keys()].reverse());
  });

  it('are made again in steps of 4,096 images when a size is new or an image went away, with only the blobs images still hold', () => {
    // A push brought a new image and a size that differs; the first image went away.
    const pushed = makeImage({ repository: REPO, seed: 'pushed', layers: blobList([base, layer('pushed-own')]) });
    const now = [...images.slice(1), pushed];
    const changed = gathered([
      [layer('pushed-own'), 7],
      [base, 60],
    ]);
    const steps = snapshotLayerSizesSteps(now, { changed, imageGone: true }, previous, false);
    let yields = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) yields++;
    expect(yields).toBe(2);
    const sizes = step.value;
    expect(sizes.size).toBe(10_000 + 1);
    expect(sizes.get(base)).toBe(60);
    expect(sizes.get(layer('pushed-own'))).toBe(7);
    expect(sizes.has(layer('own-0'))).toBe(false);
    expect(sizes.get(layer('own-9999'))).toBe(9999);
    expect(new Map(runNow(snapshotLayerSizesSteps(now, { changed, imageGone: true }, previous, false)))).toEqual(new Map(sizes));
  });

  it('lay new sizes over the previous map when nothing went away, in no steps, until they reach a quarter of it', () => {
    const pushed = Array.from({ length: 2_600 }, (_, i) => makeImage({ repository: REPO, seed: `pushed-${i}`, layers: blobList([base, layer(`pushed-${i}`)]) }));
    const added = (from: number, to: number) => new Map<BlobKey, number>(pushed.slice(from, to).map((image, i) => [blobAt(image.layers!, 1), from + i]));
    const gatheredAdded = (from: number, to: number) => gathered(added(from, to));
    const steps = snapshotLayerSizesSteps([...images, ...pushed.slice(0, 2_000)], { changed: gatheredAdded(0, 2_000), imageGone: false }, previous, false);
    const step = steps.next();
    expect(step.done).toBe(true);
    const layered = step.value as ReadonlyMap<BlobKey, number>;
    expect(layered).toBeInstanceOf(LayeredBlobSizes);
    expect(new Map(layered)).toEqual(new Map([...previous, ...added(0, 2_000)]));
    expect(layered.get(layer('pushed-1999'))).toBe(1_999);
    expect(layered.get(layer('own-7'))).toBe(7);

    // 2,600 sizes over 10,001: more than a quarter, so one flat map again, made in steps.
    const now = [...images, ...pushed];
    const flat = snapshotLayerSizesSteps(now, { changed: gatheredAdded(2_000, 2_600), imageGone: false }, layered, false);
    let yields = 0;
    let next = flat.next();
    for (; !next.done; next = flat.next()) yields++;
    expect(yields).toBe(3);
    expect(next.value).toBeInstanceOf(BlobTable);
    expect(new Map(next.value)).toEqual(new Map([...previous, ...added(0, 2_600)]));
  });

  it('are made again when a repository went away, though no image of the others did', () => {
    const kept = images.slice(0, 5);
    const sizes = runNow(snapshotLayerSizesSteps(kept, { changed: gathered(), imageGone: false }, previous, true));
    expect(new Set(sizes.keys())).toEqual(new Set([base, ...kept.map((image) => blobAt(image.layers!, 1))]));
  });
});

describe('whether blob sizes agree with an earlier map', () => {
  const [x, y, z] = [layer('x'), layer('y'), layer('z')];
  const base = new Map<BlobKey, number>([[x, 1], [y, 2]]);

  it('holds over its base unless an added size overrides one, and over a map laid over the same base', () => {
    const first = new LayeredBlobSizes(base, new Map([[z, 3]]));
    expect(blobSizesAgree(first, first)).toBe(true);
    expect(blobSizesAgree(first, base)).toBe(true);
    expect(blobSizesAgree(base, base)).toBe(true);
    // A flat map agrees only with itself: it may have been made without some blob.
    expect(blobSizesAgree(new Map(base), base)).toBe(false);
    expect(blobSizesAgree(new LayeredBlobSizes(base, new Map([[y, 20]])), base)).toBe(false);
    // One laid over another: the earlier one's added sizes must read the same.
    const second = new LayeredBlobSizes(first, new Map([[layer('w'), 4]]));
    expect(blobSizesAgree(second, first)).toBe(true);
    expect(blobSizesAgree(new LayeredBlobSizes(first, new Map([[z, 30]])), first)).toBe(false);
    // An earlier map that overrode its base: the base's size reads here, not the earlier one's.
    const overriding = new LayeredBlobSizes(base, new Map([[x, 10]]));
    expect(blobSizesAgree(new LayeredBlobSizes(base, new Map([[z, 3]])), overriding)).toBe(false);
  });
});

describe('blob sizes found by place in a list', () => {
  it('read as by key over a chain of laid maps, with or without overrides: one entry per blob', () => {
    const sizeMap = fc.array(fc.tuple(fc.nat(40), fc.nat(5)), { maxLength: 30 }).map((pairs) => new Map(pairs.map(([n, size]) => [layer(`b${n}`), size] as const)));
    fc.assert(
      fc.property(sizeMap, fc.array(sizeMap, { maxLength: 3 }), fc.boolean(), fc.array(fc.nat(50), { maxLength: 40 }), (flat, laid, asTable, listed) => {
        let sizes: ReadonlyMap<BlobKey, number> = asTable ? gathered(flat).build() : flat;
        for (const added of laid) sizes = new LayeredBlobSizes(sizes, added);
        const index = blobIndexOf(sizes);
        const list = blobList(listed.map((n) => layer(`b${n}`)));
        expectEntriesAsKeys(index, sizes, list);
      }),
      { numRuns: 200 },
    );
  });
});

describe('a chain of laid blob-size maps', () => {
  it('keeps no earlier map alive: each push’s map agrees with the one before while it lives, and lets it go', async () => {
    const flat = new Map<BlobKey, number>([[layer('base'), 1]]);
    let before: ReadonlyMap<BlobKey, number> | undefined = new LayeredBlobSizes(flat, new Map([[layer('push-1'), 2]]));
    const next = new LayeredBlobSizes(before, new Map([[layer('push-2'), 3]]));
    expect(blobSizesAgree(next, before)).toBe(true);
    const gone = new WeakRef(before);
    before = undefined;
    await collectGarbage();
    expect(gone.deref()).toBeUndefined();
    expect(next.get(layer('push-1'))).toBe(2);
  });
});
