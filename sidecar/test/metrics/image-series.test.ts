import { describe, expect, it } from 'vitest';
import { countImageSeries, selectImageSeries } from '../../src/metrics/image-series.js';
import { DAY, makeImage, makeRepository, makeSnapshot, makeUse, NOW } from '../support/builders.js';

// Three repositories of 4, 1 and 2 tagged images (2 series each: size and pushed-at), plus an untagged one.
const deep = makeRepository({ name: 'deep' });
const single = makeRepository({ name: 'single' });
const pair = makeRepository({ name: 'pair' });
const at = (days: number): number => NOW - days * DAY;
const deepImages = [1, 2, 3, 4].map((d) => makeImage({ repository: deep, tags: [`d${d}`], pushedAt: at(d) }));
const singleImage = makeImage({ repository: single, tags: ['s1'], pushedAt: at(1) });
const pairImages = [1, 2].map((d) => makeImage({ repository: pair, tags: [`p${d}`], pushedAt: at(d) }));
const untagged = makeImage({ repository: pair, seed: 'untagged', pushedAt: at(0) });
const repositories = [deep, single, pair];
const images = [...deepImages, singleImage, ...pairImages, untagged];
const tagsOf = (keep: ReadonlySet<{ tags: readonly string[] }> | undefined): string[] => [...(keep ?? [])].flatMap((i) => i.tags).sort();

describe('the per-image series kept under the cap', () => {
  it('counts every tagged image and keeps all when they fit', () => {
    const snapshot = makeSnapshot({ repositories, images });
    expect(countImageSeries(snapshot)).toBe(14);
    expect(selectImageSeries(snapshot, 14)).toEqual({ total: 14, dropped: 0 });
  });

  it('takes every repository’s newest, then every second newest, ... while each image fits whole', () => {
    const snapshot = makeSnapshot({ repositories, images });
    // Rank 0: d1, s1, p1 (6); rank 1: d2, p2 (10); rank 2: d3 (12), then d4 would pass 12.
    const selection = selectImageSeries(snapshot, 12);
    expect(tagsOf(selection.keep)).toEqual(['d1', 'd2', 'd3', 'p1', 'p2', 's1']);
    expect(selection).toMatchObject({ total: 14, dropped: 2 });
    expect(tagsOf(selectImageSeries(snapshot, 7).keep)).toEqual(['d1', 'p1', 's1']);
  });

  it('keeps images in use first, and the children of an index in use, before any rank', () => {
    const child = makeImage({ repository: deep, tags: ['child'], pushedAt: at(9) });
    const index = makeImage({ repository: deep, tags: ['multi'], kind: 'index', pushedAt: at(8), children: [child.digest] });
    const oldUsed = deepImages[3]!;
    const snapshot = makeSnapshot({
      repositories,
      images: [...images, child, index],
      uses: [makeUse({ reference: `${deep.uri}:multi` }), makeUse({ reference: `${deep.uri}@${oldUsed.digest}` })],
    });
    // In use: d4, multi and its child (3 each, with last used) = 9; then rank 0: d1 and s1 make 13, p1 would pass it.
    const selection = selectImageSeries(snapshot, 13);
    expect(tagsOf(selection.keep)).toEqual(['child', 'd1', 'd4', 'multi', 's1']);
    // 14, plus the two new images (2 each) and a last-used series for each of the three in use.
    expect(selection).toMatchObject({ total: 21, dropped: 21 - 13 });
  });
});
