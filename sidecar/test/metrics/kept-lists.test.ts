/**
 * Figures that follow from a repository's image list alone are counted once per list: a push's snapshot keeps the
 * lists of the repositories it did not read again, and their figures with them; a list read again is counted anew.
 */
import { describe, expect, it } from 'vitest';
import { runNow } from '../../src/cooperative.js';
import { repositoryStats } from '../../src/metrics/repository-stats.js';
import { computeStats } from '../../src/query/columnar/stats.js';
import { buildSnapshot, buildSnapshotSteps } from '../../src/snapshot/build.js';
import { NOW, DAY, completeScan, makeImage, makeRepository, snapshotInput } from '../support/builders.js';

const api = makeRepository({ name: 'api' });
const web = makeRepository({ name: 'web' });
const apiImages = [makeImage({ repository: api, tags: ['v1'], scan: completeScan({ HIGH: 2 }) }), makeImage({ repository: api, seed: 'old', pushedAt: NOW - 30 * DAY })];
const webImages = [makeImage({ repository: web, tags: ['w1'], sizeBytes: 5 })];
const before = buildSnapshot(snapshotInput({ repositories: [api, web], images: [...apiImages, ...webImages] }));
// A push to web: api's list is the same array.
const pushed = makeImage({ repository: web, tags: ['w2'], pushedAt: NOW, sizeBytes: 7, scan: completeScan({ CRITICAL: 1 }) });
const after = runNow(
  buildSnapshotSteps(snapshotInput({ version: 2, repositories: [api, web], images: [...apiImages, ...webImages, pushed] }), {
    base: before,
    changed: new Set([web.id]),
    images: [...webImages, pushed],
  }),
);

describe('figures of a kept image list', () => {
  it('are the ones counted for the snapshot before, and what counting the list again gives', () => {
    expect(after.imagesByRepository.get(api.id)).toBe(before.imagesByRepository.get(api.id));
    const kept = repositoryStats(after, api);
    expect(kept.findings).toBe(repositoryStats(before, api).findings);
    const fresh = buildSnapshot(snapshotInput({ repositories: [api, web], images: [...apiImages, ...webImages, pushed] }));
    expect(kept).toEqual(repositoryStats(fresh, api));
    expect(kept.findings.HIGH).toBe(2);
    expect(computeStats(after.imagesByRepository.get(api.id)!)).toBe(computeStats(before.imagesByRepository.get(api.id)!));
    expect(computeStats(after.imagesByRepository.get(api.id)!)).toEqual(computeStats([...apiImages]));
  });

  it('are counted anew for a list read again', () => {
    const stats = repositoryStats(after, web);
    expect(stats.findings).not.toBe(repositoryStats(before, web).findings);
    expect([stats.imageCount, stats.findings.CRITICAL, stats.sizeMaxBytes, stats.latestPushAt]).toEqual([2, 1, 7, NOW]);
    expect(computeStats(after.imagesByRepository.get(web.id)!)).toMatchObject({ imageCount: 2, imagesTagged: 2, lastPushedAt: NOW });
  });
});
