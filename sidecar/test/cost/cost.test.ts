import { describe, expect, it } from 'vitest';
import { repositoryCost } from '../../src/cost/cost.js';
import { GIB, monthlyCostUsd, priceFor } from '../../src/cost/pricing.js';
import { computeRepositorySizes, repositorySizes } from '../../src/cost/sizes.js';
import { MIB, layer, makeImage, makeRepository, makeSnapshot, snapshotInput } from '../support/builders.js';
import { buildSnapshotCooperatively } from '../../src/snapshot/build.js';
import { LayeredBlobSizes } from '../../src/snapshot/blob-sizes.js';
import { blobList, type BlobKey } from '../../src/snapshot/blob-key.js';
import { SAMPLE_EXPECTED, api, empty, sampleSnapshot, web } from '../support/sample.js';

const prices = { defaultUsdPerGbMonth: 0.1, byRegion: { 'eu-west-1': 0.12 } };

describe('repository sizes', () => {
  it('sums imageSizeInBytes without indexes and deduplicates layers, falling back for images without layers', () => {
    const snapshot = sampleSnapshot();
    const a = repositoryCost(snapshot, api.id, prices);
    expect(a.summedSizeBytes).toBe(SAMPLE_EXPECTED.api.summed);
    expect(a.deduplicatedSizeBytes).toBe(SAMPLE_EXPECTED.api.deduplicated);
    expect(a.imagesWithoutLayers).toBe(1);
    expect(a.deduplicatedComplete).toBe(false);
    expect(a.pricePerGbMonth).toBe(0.1);
    expect(a.monthlyCostUsd).toBe(0.01875); // 192 MiB = 0.1875 GiB × 0.10

    const w = repositoryCost(snapshot, web.id, prices);
    expect(w.imageCount).toBe(4);
    expect(w.summedSizeBytes).toBe(96 * MIB);
    expect(w.deduplicatedSizeBytes).toBe(86 * MIB);
    expect(w.deduplicatedComplete).toBe(true);
    expect(w.pricePerGbMonth).toBe(0.12);
    expect(w.monthlyCostUsd).toBe(0.010078); // 86/1024 × 0.12 = 0.0100781…
    expect(w.archivedImageCount).toBe(1);
    expect(w.archivedSummedSizeBytes).toBe(MIB);
  });

  it('counts each repository’s blobs apart, however many repositories there are (600, marks reused every 255)', () => {
    const repositories = Array.from({ length: 600 }, (_, i) => makeRepository({ name: `r${String(i).padStart(3, '0')}` }));
    // A blob every repository holds, one of its own, and one it shares with the repositories 255 and 510 away.
    const shared = layer('shared');
    const images = repositories.flatMap((repository, i) => [
      makeImage({ repository, tags: ['a'], sizeBytes: 3 * MIB, layers: blobList([shared, layer(`own-${i}`)]) }),
      makeImage({ repository, tags: ['b'], sizeBytes: 7 * MIB, layers: blobList([shared, layer(`apart-${i % 255}`)]) }),
    ]);
    const layerSizes = new Map([
      [shared, 2 * MIB],
      ...repositories.map((_, i) => [layer(`own-${i}`), MIB] as const),
      ...Array.from({ length: 255 }, (_, i) => [layer(`apart-${i}`), 5 * MIB] as const),
    ]);
    const sizes = repositorySizes(makeSnapshot({ repositories, images, layerSizes }));
    for (const repository of repositories) expect(sizes.get(repository.id)).toMatchObject({ summedSizeBytes: 10 * MIB, deduplicatedSizeBytes: 8 * MIB, deduplicatedComplete: true });
  });

  it('gives zero sizes for an empty repository and memoizes per snapshot', () => {
    const snapshot = sampleSnapshot();
    const e = repositoryCost(snapshot, empty.id, prices);
    expect([e.imageCount, e.summedSizeBytes, e.deduplicatedSizeBytes, e.monthlyCostUsd]).toEqual([0, 0, 0, 0]);
    expect(repositorySizes(snapshot)).toBe(repositorySizes(snapshot));
    expect(repositorySizes(sampleSnapshot())).not.toBe(repositorySizes(snapshot));
  });

  it('keeps the sizes of a list a targeted refresh kept while its blobs keep their sizes, and makes them again otherwise', async () => {
    const a = makeRepository({ name: 'a' });
    const b = makeRepository({ name: 'b' });
    const c = makeRepository({ name: 'c' });
    const shared = layer('shared');
    const aImage = makeImage({ repository: a, tags: ['v1'], sizeBytes: 5 * MIB, layers: blobList([shared, layer('a1')]) });
    const bImage = makeImage({ repository: b, tags: ['v1'], sizeBytes: 5 * MIB, layers: blobList([shared, layer('b1')]) });
    // c's second layer has no known size: its deduplicated size falls back to the image size.
    const cImage = makeImage({ repository: c, tags: ['v1'], sizeBytes: 9 * MIB, layers: blobList([shared, layer('c1')]) });
    // d has an archived image without a layer list (its manifest is not read): it counts its own size, whatever the blobs.
    const d = makeRepository({ name: 'd' });
    const dImage = makeImage({ repository: d, tags: ['v1'], sizeBytes: 5 * MIB, layers: blobList([shared, layer('b1')]) });
    const dArchived = makeImage({ repository: d, tags: ['old'], sizeBytes: 8 * MIB, status: 'ARCHIVED' });
    const base = makeSnapshot({
      repositories: [a, b, c, d],
      images: [aImage, bImage, cImage, dImage, dArchived],
      layerSizes: new Map([[shared, 2 * MIB], [layer('a1'), 1 * MIB], [layer('b1'), 3 * MIB]]),
    });
    const before = repositorySizes(base);
    expect([before.get(a.id)!.deduplicatedSizeBytes, before.get(c.id)!.imagesWithoutLayers]).toEqual([3 * MIB, 1]);
    expect(before.get(d.id)).toMatchObject({ deduplicatedSizeBytes: 13 * MIB, imagesWithoutLayers: 1, imagesWithUnsizedLayers: 0 });

    // A push to a, which brings c1's size: a is read again; b's and c's lists are kept.
    const pushed = makeImage({ repository: a, tags: ['v2'], sizeBytes: 6 * MIB, layers: blobList([shared, layer('a2')]) });
    const next = async (added: [BlobKey, number][]) => {
      const input = { ...snapshotInput({ repositories: [a, b, c, d], images: [pushed, aImage, bImage, cImage, dImage, dArchived] }), version: base.version + 1 };
      const built = await buildSnapshotCooperatively({ ...input, layerSizes: new LayeredBlobSizes(base.layerSizes, new Map(added)) }, 0, {
        base,
        changed: new Set([a.id]),
        images: [pushed, aImage],
      });
      expect(built.imagesByRepository.get(b.id)).toBe(base.imagesByRepository.get(b.id));
      return built;
    };
    const after = await next([[layer('a2'), 4 * MIB], [layer('c1'), 5 * MIB]]);
    const sizes = repositorySizes(after);
    // b's and d's sizes are kept as they were; a's and c's are made again (c knew a blob's size only now).
    expect(sizes.get(b.id)).toBe(before.get(b.id));
    expect(sizes.get(d.id)).toBe(before.get(d.id));
    expect(sizes.get(a.id)!.deduplicatedSizeBytes).toBe(7 * MIB);
    expect(sizes.get(c.id)).toEqual(computeRepositorySizes([cImage], after.layerSizes));
    expect(sizes.get(c.id)!.deduplicatedSizeBytes).toBe(7 * MIB);
    // Every size as a fresh computation gives it.
    for (const [id, images] of after.imagesByRepository) expect(sizes.get(id)).toEqual(computeRepositorySizes(images, after.layerSizes));

    // A size that overrides one b holds: b's sizes are made again, with it.
    const overriding = await next([[layer('a2'), 4 * MIB], [layer('b1'), 30 * MIB]]);
    expect(repositorySizes(overriding).get(b.id)).not.toBe(before.get(b.id));
    expect(repositorySizes(overriding).get(b.id)!.deduplicatedSizeBytes).toBe(32 * MIB);
    expect(repositorySizes(overriding).get(d.id)!.deduplicatedSizeBytes).toBe((2 + 30 + 8) * MIB);
  });

  it('counts a digest listed twice once, and treats an unknown layer size as missing layer data', () => {
    const repo = makeRepository({ name: 'r' });
    const one = makeImage({ repository: repo, seed: 'x', sizeBytes: 5, layers: blobList([layer('a'), layer('b')]) });
    const sizes = computeRepositorySizes([one, one], new Map([[layer('a'), 3]]));
    expect(sizes).toMatchObject({ imageCount: 1, summedSizeBytes: 5, deduplicatedSizeBytes: 5, imagesWithoutLayers: 1, imagesWithUnsizedLayers: 1 });
  });

  it('adds none of an image’s layers when one size is unknown, and keeps those other images brought', () => {
    const repo = makeRepository({ name: 'r' });
    const sizes = new Map([[layer('a'), 3], [layer('b'), 4], [layer('c'), 100]]);
    // Newest first: `first` brings a; `partial` has a, b and the unknown u, so falls back to its own 50; `later` brings b.
    const first = makeImage({ repository: repo, seed: 'first', sizeBytes: 3, layers: blobList([layer('a')]) });
    const partial = makeImage({ repository: repo, seed: 'partial', sizeBytes: 50, layers: blobList([layer('a'), layer('b'), layer('u')]) });
    const later = makeImage({ repository: repo, seed: 'later', sizeBytes: 4, layers: blobList([layer('b')]) });
    expect(computeRepositorySizes([first, partial, later], sizes)).toMatchObject({ deduplicatedSizeBytes: 3 + 50 + 4, imagesWithoutLayers: 1 });
    // Without `later`, b is not billed: `partial` took back what it had added.
    expect(computeRepositorySizes([first, partial], sizes)).toMatchObject({ deduplicatedSizeBytes: 3 + 50, imagesWithoutLayers: 1 });
  });

  it('leaves an image whose size ECR did not report out of the sums instead of counting 0, and counts it apart', () => {
    const repo = makeRepository({ name: 'r' });
    const { sizeBytes: _unknown, ...withLayers } = makeImage({ repository: repo, seed: 'layers', layers: blobList([layer('a')]) });
    const { sizeBytes: _unknown2, ...withoutLayers } = makeImage({ repository: repo, seed: 'bare', status: 'ARCHIVED' });
    const known = makeImage({ repository: repo, seed: 'known', sizeBytes: 7, layers: blobList([layer('b')]) });
    const { sizeBytes: _index, ...index } = makeImage({ repository: repo, seed: 'index', kind: 'index', children: [known.digest] });
    const sizes = computeRepositorySizes([withLayers, withoutLayers, known, index], new Map([[layer('a'), 3], [layer('b'), 7]]));
    expect(sizes).toMatchObject({
      imageCount: 4,
      summedSizeBytes: 7,
      // The layers of `layers` are known, so it is billed exactly; `bare` has neither layers nor size: nothing.
      deduplicatedSizeBytes: 10,
      imagesWithoutLayers: 1,
      // `bare` has no layer list at all: no layer size is missing.
      imagesWithUnsizedLayers: 0,
      deduplicatedComplete: false,
      // The index is never summed, so its missing size is no gap.
      imagesWithoutSize: 2,
      archivedImageCount: 1,
      archivedSummedSizeBytes: 0,
    });
  });

  it('prices per region with a default, in GB of 1024^3 bytes', () => {
    expect(priceFor(prices, 'eu-west-1')).toBe(0.12);
    expect(priceFor(prices, 'ap-south-1')).toBe(0.1);
    expect(monthlyCostUsd(GIB * 10, 0.1)).toBe(1);
    expect(monthlyCostUsd(1e9, 0.1)).toBe(0.093132);
  });

  it('handles a repository id absent from the snapshot', () => {
    expect(repositoryCost(makeSnapshot(), 'nope', prices).monthlyCostUsd).toBe(0);
  });
});
