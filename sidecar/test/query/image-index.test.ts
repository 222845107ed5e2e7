import { describe, expect, it } from 'vitest';
import { imageIndex, severityCount } from '../../src/query/columnar/image-index.js';
import { SEVERITIES } from '../../src/snapshot/model.js';
import { completeScan, DAY, makeImage, makeRepository, makeSnapshot, NOT_SCANNED, NOW, scanCounts } from '../support/builders.js';

describe('the image index: finding counts', () => {
  const repository = makeRepository({ name: 'web' });
  // One frozen count set shared by two images (as the refresher shares them), and an equal set held apart.
  const shared = Object.freeze(scanCounts({ HIGH: 2, LOW: 5 }));
  const scan = { ...completeScan(), counts: shared };
  const images = [
    makeImage({ repository, seed: 'a', pushedAt: NOW - 1 * DAY, scan }),
    makeImage({ repository, seed: 'b', pushedAt: NOW - 2 * DAY, scan }),
    makeImage({ repository, seed: 'c', pushedAt: NOW - 3 * DAY, scan: completeScan({ HIGH: 2, LOW: 5 }) }),
    makeImage({ repository, seed: 'd', pushedAt: NOW - 4 * DAY, scan: completeScan() }),
    makeImage({ repository, seed: 'e', pushedAt: NOW - 5 * DAY, scan: NOT_SCANNED }),
    makeImage({ repository, seed: 'f', pushedAt: NOW - 6 * DAY, scan: completeScan({ CRITICAL: 1, UNDEFINED: 3 }) }),
  ];
  const index = imageIndex(makeSnapshot({ repositories: [repository], images }));
  const row = (seed: string) => index.images.findIndex((image) => image === images['abcdef'.indexOf(seed)]);
  const countsOf = (seed: string) => SEVERITIES.map((_, k) => severityCount(index, row(seed), k));

  it('gives each row the counts of its image, -1 for every severity when they are unknown', () => {
    expect(countsOf('a')).toEqual([0, 2, 0, 5, 0, 0]);
    expect(countsOf('b')).toEqual([0, 2, 0, 5, 0, 0]);
    expect(countsOf('c')).toEqual([0, 2, 0, 5, 0, 0]);
    expect(countsOf('d')).toEqual([0, 0, 0, 0, 0, 0]);
    expect(countsOf('e')).toEqual([-1, -1, -1, -1, -1, -1]);
    expect(countsOf('f')).toEqual([1, 0, 0, 0, 0, 3]);
  });

  it('keeps one set per distinct counts: images sharing an object, or holding equal counts apart, share a set', () => {
    expect(index.countSet[row('a')]).toBe(index.countSet[row('b')]);
    expect(index.countSet[row('c')]).toBe(index.countSet[row('a')]);
    expect(index.countSet[row('d')]).not.toBe(index.countSet[row('a')]);
    expect(index.countSet[row('e')]).toBe(0);
    // The unknown set, then a's (and b's and c's), d's zeros and f's.
    expect(index.countTable.length).toBe(4 * 6);
  });

  it('ranks the most severe non-zero count, 6 for all zero and -1 for unknown', () => {
    expect(['a', 'b', 'c', 'd', 'e', 'f'].map((seed) => index.topSeverity[row(seed)])).toEqual([1, 1, 1, 6, -1, 0]);
  });
});
