/**
 * The steady refresh's shortcut (refresh/ecr-unchanged.ts) hands back a repository's previous images only when
 * DescribeImages says nothing about them changed: each field assembleImage reads from a detail, changed alone,
 * sends the repository the long way.
 */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import { EcrFetcher, PAGE_SIZE } from '../../src/aws/ecr.js';
import type { EcrReadContext } from '../../src/refresh/ecr-context.js';
import { SNAPSHOT_FINDINGS_MAX } from '../../src/refresh/ecr.js';
import { RepositoryListing } from '../../src/refresh/ecr-unchanged.js';
import { startRefreshRun } from '../../src/refresh/run.js';
import { generateFixture, type SyntheticParams } from '../../src/demo/generate.js';
import type { Fixture } from '../../src/demo/fixture.js';
import { repositoryId, type Snapshot } from '../../src/snapshot/model.js';
import { blobAt, blobCount, type BlobKey, type BlobList } from '../../src/snapshot/blob-key.js';
import { blobIndexOf } from '../../src/snapshot/blob-sizes.js';
import type { BlobIndex } from '../../src/snapshot/blob-table.js';
import { repositorySizes } from '../../src/cost/sizes.js';
import { REFERENCE_NOW, startHarness, type Harness } from './helpers.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const NAME = 'web/frontend';

async function setUp(fixture?: { fixture: Fixture; name: string }, previous: (snapshot: Snapshot) => Snapshot = (s) => s) {
  harness = await startHarness(fixture ? { fixture: fixture.fixture } : {});
  await harness.refresher.run();
  const snapshot = previous(harness.refresher.snapshot());
  const ecr = new EcrFetcher(harness.clients.ecr(harness.config.accounts[0]!, REGION), pLimit(4));
  const details = await ecr.images(fixture?.name ?? NAME);
  const ctx: EcrReadContext = {
    accountId: ACCOUNT,
    region: REGION,
    ecr,
    caches: harness.refresher.caches,
    run: startRefreshRun(REFERENCE_NOW, snapshot, SNAPSHOT_FINDINGS_MAX),
    scanMaxAgeMs: 6 * 3_600_000,
    settingsMaxAgeMs: 0,
    repositoryLimit: pLimit(2),
    describeRegistry: Promise.resolve({ status: 'fulfilled', value: { replicationRules: [] } }),
    basicScanner: Promise.resolve('CLAIR'),
  };
  const registry = snapshot.registries.find((r) => (fixture || r.accountId === ACCOUNT) && r.region === REGION)!;
  const id = repositoryId(registry.accountId, REGION, fixture?.name ?? NAME);
  // As DescribeImages gives them: pages of up to 1,000 details.
  const check = (list: readonly ImageDetail[]) => {
    const listing = new RepositoryListing(ctx, registry, id, false);
    for (let from = 0; from < list.length; from += PAGE_SIZE) listing.add(list.slice(from, from + PAGE_SIZE));
    return listing.unchanged();
  };
  return { snapshot, details, check, id, ctx };
}

/**
 * One generated repository. No scanning to fetch findings for: setUp's context asks for none (as a Clair registry
 * without scan on push).
 */
function oneRepository(params: Partial<SyntheticParams>): { fixture: Fixture; name: string } {
  const fixture = generateFixture({ accounts: 1, regions: 1, repositories: 1, enhancedShare: 0, awsNativeShare: 0, ...params });
  const registry = fixture.registries[0]!;
  const { scanning: _scanning, ...plain } = registry;
  fixture.registries[0] = { ...plain, repositories: registry.repositories.map((r) => ({ ...r, scanOnPush: false })) };
  return { fixture, name: registry.repositories[0]!.name };
}

describe('unchanged images', () => {
  it('hands back the previous objects when nothing changed, and marks the repository seen', async () => {
    const { snapshot, details, check, id, ctx } = await setUp();
    const out = (await check(details))!;
    expect(out).toBeDefined();
    const before = snapshot.imagesByRepository.get(id)!;
    expect(out.images).toHaveLength(before.length);
    for (const image of out.images) expect(before).toContain(image);
    expect(ctx.run.seen.scans.has(id)).toBe(true);
  });

  const later = (d: Date | undefined) => new Date((d?.getTime() ?? 0) + 1000);
  const changes: [string, (d: ImageDetail) => ImageDetail][] = [
    ['a tag', (d) => ({ ...d, imageTags: [...(d.imageTags ?? []), 'moved-here'] })],
    ['the push time', (d) => ({ ...d, imagePushedAt: later(d.imagePushedAt) })],
    ['no push time', ({ imagePushedAt: _none, ...d }) => d],
    ['the last pull', (d) => ({ ...d, lastRecordedPullTime: later(d.lastRecordedPullTime) })],
    ['the size', (d) => ({ ...d, imageSizeInBytes: (d.imageSizeInBytes ?? 0) + 1 })],
    ['the status', (d) => ({ ...d, imageStatus: 'ARCHIVED', lastArchivedAt: new Date(REFERENCE_NOW) })],
    ['the last activation', (d) => ({ ...d, lastActivatedAt: new Date(REFERENCE_NOW) })],
    ['the artifact type', (d) => ({ ...d, artifactMediaType: 'application/vnd.cncf.helm.config.v1+json' })],
    ['the manifest type', (d) => ({ ...d, imageManifestMediaType: 'application/vnd.oci.image.index.v1+json' })],
    ['a subject', (d) => ({ ...d, subjectManifestDigest: `sha256:${'a'.repeat(64)}` })],
    ['the scan', (d) => ({ ...d, imageScanStatus: { status: 'FAILED', description: 'The scan failed.' } })],
    ['the findings counts', (d) => ({ ...d, imageScanStatus: { status: 'COMPLETE' }, imageScanFindingsSummary: { imageScanCompletedAt: new Date(REFERENCE_NOW), findingSeverityCounts: { CRITICAL: 7 } } })],
  ];
  it.each(changes)('goes the long way when %s changed', async (_what, change) => {
    const { details, check } = await setUp();
    for (let i = 0; i < details.length; i++) {
      const changed = details.map((d, j) => (j === i ? change(d) : d));
      expect(await check(changed), `image ${i}`).toBeUndefined();
    }
  });

  it('goes the long way when an image is added or gone', async () => {
    const { details, check } = await setUp();
    expect(await check(details.slice(1))).toBeUndefined();
    expect(await check([...details, { ...details[0]!, imageDigest: `sha256:${'b'.repeat(64)}` }])).toBeUndefined();
    expect(await check([...details.slice(1), details[1]!])).toBeUndefined();
  });

  it('matches a large repository a page at a time, and hands back the previous objects', async () => {
    const { snapshot, details, check, id } = await setUp(oneRepository({ imagesPerRepository: 2 * PAGE_SIZE + 500 }));
    expect(details.length).toBeGreaterThan(2 * PAGE_SIZE);
    const out = check(details);
    const before = new Set(snapshot.imagesByRepository.get(id));
    expect(out?.images).toHaveLength(before.size);
    // The very objects of the previous snapshot (in DescribeImages's order).
    expect(out!.images.filter((image) => before.has(image))).toHaveLength(before.size);
    // One changed detail on the last page: the repository goes the long way.
    const last = details.length - 1;
    expect(check(details.map((d, i) => (i === last ? { ...d, imageTags: ['moved-here'] } : d)))).toBeUndefined();
  });

  it('takes known layer sizes from the previous snapshot’s repository sizes instead of looking each blob up, only when they say all were known, archived images without layers or not', async () => {
    let lookups = 0;
    class CountingSizes extends Map<BlobKey, number> implements BlobIndex {
      readonly #index: BlobIndex;
      constructor(sizes: ReadonlyMap<BlobKey, number>) {
        super(sizes);
        this.#index = blobIndexOf(sizes);
      }
      get entryLimit(): number {
        return this.#index.entryLimit;
      }
      entryOfBlobAt(list: BlobList, i: number): number {
        lookups += 1;
        return this.#index.entryOfBlobAt(list, i);
      }
      sizeOfEntry(entry: number): number {
        return this.#index.sizeOfEntry(entry);
      }
      override has(blob: BlobKey): boolean {
        lookups += 1;
        return super.has(blob);
      }
      override get(blob: BlobKey): number | undefined {
        lookups += 1;
        return super.get(blob);
      }
    }
    let copy: Snapshot | undefined;
    for (const archivedShare of [0, 0.3]) {
      await harness?.close();
      const { details, check, id } = await setUp(oneRepository({ imagesPerRepository: 60, archivedShare }), (s) => (copy = Object.freeze({ ...s, layerSizes: new CountingSizes(s.layerSizes) })));
      lookups = 0;
      expect(check(details)).toBeDefined();
      expect(lookups).toBeGreaterThan(0);
      // Once the previous snapshot's sizes are made (as preparing it does), and they say every size of a layer list was known:
      const sizes = repositorySizes(copy!).get(id)!;
      expect(sizes.imagesWithUnsizedLayers).toBe(0);
      // Archived images have no layer list (their manifests are not read): they do not stop the shortcut.
      if (archivedShare > 0) expect(sizes.imagesWithoutLayers).toBeGreaterThan(0);
      else expect(sizes.imagesWithoutLayers).toBe(0);
      lookups = 0;
      expect(check(details)?.images).toHaveLength(copy!.imagesByRepository.get(id)!.length);
      expect(lookups).toBe(0);
    }
  });

  it('looks blobs up, and goes the long way, when the previous snapshot lacked a size of the repository', async () => {
    const { details, check, id, snapshot } = await setUp(undefined, (s) => {
      const image = s.imagesByRepository.get(repositoryId(ACCOUNT, REGION, NAME))!.find((i) => i.kind !== 'index' && i.layers !== undefined && blobCount(i.layers) > 0)!;
      const sizes = new Map(s.layerSizes);
      sizes.delete(blobAt(image.layers!, 0));
      return Object.freeze({ ...s, layerSizes: sizes });
    });
    expect(repositorySizes(snapshot).get(id)!.imagesWithUnsizedLayers).toBeGreaterThan(0);
    expect(check(details)).toBeUndefined();
  });
});
