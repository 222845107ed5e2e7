import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameImage } from '../../src/refresh/assemble-image.js';
import { blobKey, blobList } from '../../src/snapshot/blob-key.js';
import { imageRecord } from '../../src/snapshot/image-record.js';
import type { Image } from '../../src/snapshot/model.js';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const SCAN = { state: 'complete', status: 'COMPLETE', scanType: 'BASIC', completedAt: 1_700_000_000_000 } as const;

// Every optional field of Image, each present or absent, in the order a snapshot's image holds them.
const anyImage: fc.Arbitrary<Image> = fc
  .record({
    manifestMediaType: fc.option(fc.constantFrom('application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json'), { nil: undefined }),
    artifactMediaType: fc.option(fc.constant('application/vnd.cncf.helm.config.v1+json'), { nil: undefined }),
    pushedAtUnknown: fc.boolean(),
    lastPulledAt: fc.option(fc.integer({ min: 0, max: 2e12 }), { nil: undefined }),
    sizeBytes: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
    lastArchivedAt: fc.option(fc.integer({ min: 0, max: 2e12 }), { nil: undefined }),
    lastActivatedAt: fc.option(fc.integer({ min: 0, max: 2e12 }), { nil: undefined }),
    subjectDigest: fc.option(fc.nat().map(digest), { nil: undefined }),
    layers: fc.option(fc.array(fc.nat().map((n) => blobKey(digest(n))), { maxLength: 3 }).map(blobList), { nil: undefined }),
    tags: fc.array(fc.constantFrom('latest', 'v1', 'main'), { maxLength: 3 }),
    pushedAt: fc.integer({ min: 0, max: 2e12 }),
  })
  .map((f) => ({
    repositoryId: '111122223333/eu-west-1/app',
    digest: digest(f.pushedAt),
    tags: f.tags,
    kind: 'image' as const,
    ...(f.manifestMediaType !== undefined ? { manifestMediaType: f.manifestMediaType } : {}),
    ...(f.artifactMediaType !== undefined ? { artifactMediaType: f.artifactMediaType } : {}),
    pushedAt: f.pushedAtUnknown ? 0 : f.pushedAt,
    ...(f.pushedAtUnknown ? { pushedAtUnknown: true as const } : {}),
    ...(f.lastPulledAt !== undefined ? { lastPulledAt: f.lastPulledAt } : {}),
    ...(f.sizeBytes !== undefined ? { sizeBytes: f.sizeBytes } : {}),
    status: 'ACTIVE' as const,
    ...(f.lastArchivedAt !== undefined ? { lastArchivedAt: f.lastArchivedAt } : {}),
    ...(f.lastActivatedAt !== undefined ? { lastActivatedAt: f.lastActivatedAt } : {}),
    ...(f.subjectDigest !== undefined ? { subjectDigest: f.subjectDigest } : {}),
    children: [],
    ...(f.layers !== undefined ? { layers: f.layers } : {}),
    scan: SCAN,
  }));

describe('imageRecord', () => {
  it('holds the same own fields, with the same values, in the same order, as the image it is made from', () => {
    fc.assert(
      fc.property(anyImage, (image) => {
        const record = imageRecord(image);
        expect(Object.entries(record)).toEqual(Object.entries(image));
        expect(JSON.stringify(record)).toBe(JSON.stringify(image));
        expect(sameImage(record, image)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('shares the lists and the scan result instead of copying them', () => {
    const layers = blobList([blobKey(digest(1))]);
    const image: Image = { repositoryId: 'r', digest: digest(2), tags: ['v1'], kind: 'image', pushedAt: 1, status: 'ACTIVE', children: [], layers, scan: SCAN };
    const record = imageRecord(image);
    expect(record.tags).toBe(image.tags);
    expect(record.layers).toBe(layers);
    expect(record.scan).toBe(SCAN);
  });
});
