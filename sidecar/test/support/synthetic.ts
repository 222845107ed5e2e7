/**
 * A seeded synthetic inventory large enough to cross the chunk and run sizes of the stepwise builders
 * (thousands of rows): shared and unknown layers, multi-arch indexes with children, attestations, a
 * digest pushed to two repositories, ties on push time and size, never-pulled and archived images, every
 * scan state, and uses by tag, by digest and through an index.
 */
import { createRandom } from '../../src/demo/prng.js';
import type { Image, ImageUse, Repository, ScanResult, SnapshotInput } from '../../src/snapshot/model.js';
import { SCAN_STATES } from '../../src/snapshot/model.js';
import { blobKey, blobList, type BlobKey } from '../../src/snapshot/blob-key.js';
import { ACCOUNT, DAY, MIB, NOW, OTHER_ACCOUNT, completeScan, makeCluster, makeRepository, makeUse, snapshotInput } from './builders.js';

export function syntheticInput(repositoryCount: number, meanImages: number, seed = 1): SnapshotInput {
  const rnd = createRandom(seed);
  const repositories: Repository[] = [];
  const perRepository: Image[][] = [];
  const layerSizes = new Map<BlobKey, number>();
  const uses: ImageUse[] = [];
  let shared: { readonly digest: string; readonly repositoryId: string } | undefined;
  for (let r = 0; r < repositoryCount; r++) {
    const repository = makeRepository({
      name: `team-${r % 7}/svc-${r}`,
      accountId: r % 3 === 0 ? OTHER_ACCOUNT : ACCOUNT,
      region: r % 2 === 0 ? 'us-east-1' : 'eu-west-1',
    });
    repositories.push(repository);
    const base = Array.from({ length: 4 }, () => {
      const layer = blobKey(rnd.digest());
      layerSizes.set(layer, rnd.int(1, 50) * MIB);
      return layer;
    });
    const images: Image[] = [];
    const count = r % 10 === 9 ? 0 : rnd.int(1, 2 * meanImages);
    const image = (patch: Partial<Image>): Image => {
      const own = blobKey(rnd.digest());
      if (!rnd.chance(0.05)) layerSizes.set(own, rnd.int(0, 5) * MIB); // else: a layer of unknown size
      const scanState = rnd.pick(SCAN_STATES);
      const scan: ScanResult =
        scanState === 'complete' ? completeScan({ CRITICAL: rnd.int(0, 1), HIGH: rnd.int(0, 3), LOW: rnd.int(0, 5) }) : { state: scanState };
      const pushedAt = NOW - rnd.int(0, 400) * DAY; // few distinct values: ties
      return {
        repositoryId: repository.id,
        digest: rnd.digest(),
        tags: [],
        kind: 'image',
        pushedAt,
        ...(rnd.chance(0.6) ? { lastPulledAt: pushedAt + rnd.int(0, 10) * DAY } : {}),
        sizeBytes: rnd.int(1, 20) * MIB,
        status: rnd.chance(0.05) ? 'ARCHIVED' : 'ACTIVE',
        children: [],
        ...(rnd.chance(0.9) ? { layers: blobList([base[rnd.int(0, 3)]!, base[rnd.int(0, 3)]!, own]) } : {}),
        scan,
        ...patch,
      };
    };
    let holdsShared = false;
    for (let i = 0; i < count; i++) {
      const tags = rnd.chance(0.3) ? [] : rnd.chance(0.5) ? [`v${i}`] : [`v${i}`, `build-${rnd.int(0, 50)}`];
      if (rnd.chance(0.1)) {
        const children = [image({}), image({})];
        const index = image({ kind: 'index', tags, children: children.map((c) => c.digest), scan: { state: 'unsupported' } });
        images.push(index, ...children);
        if (rnd.chance(0.5)) images.push(image({ kind: 'attestation', subjectDigest: index.digest, scan: { state: 'unsupported' } }));
      } else if (shared && shared.repositoryId !== repository.id && !holdsShared && rnd.chance(0.05)) {
        images.push(image({ tags, digest: shared.digest }));
        holdsShared = true;
      } else {
        const pushed = image({ tags });
        shared ??= { digest: pushed.digest, repositoryId: repository.id };
        images.push(pushed);
      }
    }
    if (images.length > 0) images[images.length - 1] = { ...images[images.length - 1]!, tags: ['latest'] };
    perRepository.push(images);
    for (const used of images.filter(() => rnd.chance(0.02))) {
      const reference = used.tags.length > 0 && rnd.chance(0.5) ? `${repository.uri}:${used.tags[0]}` : `${repository.uri}@${used.digest}`;
      uses.push(makeUse({ cluster: `c${r % 3}`, accountId: repository.accountId, region: repository.region, reference, digest: used.digest }));
    }
  }
  // Interleaved, so that grouping by repository has work to do.
  const images: Image[] = [];
  for (let i = 0; perRepository.some((list) => i < list.length); i++) for (const list of perRepository) if (i < list.length) images.push(list[i]!);
  return snapshotInput({ repositories, images, layerSizes, uses, clusters: [makeCluster('c0'), makeCluster('c1'), makeCluster('c2')] });
}
