import { describe, expect, it } from 'vitest';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { planCleanup, planCleanupCooperatively } from '../../src/cleanup/plan/planner.js';
import { computeRepositorySizes, repositorySizesCooperatively } from '../../src/cost/sizes.js';
import { DAY, NOW, blobKeys, blobList, layer, makeImage, makeRepository, makeSnapshot } from '../support/builders.js';
import { countTurns } from '../support/turns.js';

// One repository of 20,000 images (five steps of 4,096), and a small one.
const big = makeRepository({ name: 'big' });
const small = makeRepository({ name: 'small' });
const images = [
  ...Array.from({ length: 20_000 }, (_, i) =>
    makeImage({ repository: big, seed: `big-${i}`, tags: i % 3 ? [] : [`v${i}`], pushedAt: NOW - (i % 400) * DAY, layers: blobList([layer(`base-${i % 7}`), layer(`own-${i}`)]) }),
  ),
  makeImage({ repository: small, tags: ['v1'] }),
];
const layerSizes = new Map(images.flatMap((image) => (image.layers ? blobKeys(image.layers) : []).map((blob) => [blob, 1000] as const)));
const snapshot = makeSnapshot({ repositories: [big, small], images, layerSizes });
const config = CleanupConfig.parse({ defaultRule: {} });

describe('planning and sizing a large repository', () => {
  it('gives the event loop turns within the repository, and the same plan', async () => {
    const turns = countTurns();
    const cooperative = await planCleanupCooperatively(snapshot, config, NOW, {}, 0);
    // Two repositories, but the large one alone is decided, indexed, measured and hashed in more than ten steps.
    expect(turns.stop()).toBeGreaterThan(10);
    const atOnce = planCleanup(snapshot, config, NOW);
    expect(cooperative.id).toBe(atOnce.id);
    expect(cooperative.summary).toEqual(atOnce.summary);
    expect(cooperative.summary.delete).toBeGreaterThan(0);
  });

  it('sizes it in steps, to the same figures', async () => {
    const turns = countTurns();
    const sizes = await repositorySizesCooperatively(snapshot, 0);
    expect(turns.stop()).toBeGreaterThanOrEqual(5);
    expect(sizes.get(big.id)).toEqual(computeRepositorySizes(snapshot.imagesByRepository.get(big.id)!, layerSizes));
    // 7 shared base layers and 20,000 own ones, once each.
    expect(sizes.get(big.id)?.deduplicatedSizeBytes).toBe(20_007 * 1000);
  });
});
