/**
 * A repository's listing is matched against its previous images page by page (refresh/ecr-unchanged.ts
 * RepositoryListing): a detail that gives back its image unchanged stands for the previous object at once, and only
 * the other details go the long way. What a refresh makes of a repository where some images changed must be what
 * a refresh without a previous snapshot makes of it, against the emulator through the real SDK clients.
 */
import { BatchDeleteImageCommand, type ImageDetail } from '@aws-sdk/client-ecr';
import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import { EcrFetcher } from '../../src/aws/ecr.js';
import type { EcrReadContext } from '../../src/refresh/ecr-context.js';
import { SNAPSHOT_FINDINGS_MAX } from '../../src/refresh/ecr.js';
import { IMAGES_PER_STEP } from '../../src/refresh/ecr-manifests.js';
import { loadFixture } from '../../src/demo/fixture.js';
import { RepositoryListing } from '../../src/refresh/ecr-unchanged.js';
import { Refresher } from '../../src/refresh/refresher.js';
import { startRefreshRun } from '../../src/refresh/run.js';
import type { Snapshot } from '../../src/snapshot/model.js';
import { repositoryId } from '../../src/snapshot/model.js';
import { REFERENCE_NOW, REFERENCE_PATH, digestOf, pushableImage, startHarness, type Harness } from './helpers.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ACCOUNT = '111111111111';
const NAME = 'web/frontend';

async function admin(h: Harness, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${h.emulator.url}/_emulator${path}`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, path).toBe(200);
}


/** The context a refresh of us-east-1 in ACCOUNT (a Clair registry) reads a repository with, after `previous`. */
function readContext(h: Harness, previous: Snapshot): EcrReadContext {
  return {
    accountId: ACCOUNT,
    region: 'us-east-1',
    ecr: new EcrFetcher(h.clients.ecr(h.config.accounts[0]!, 'us-east-1'), pLimit(1)),
    caches: h.refresher.caches,
    run: startRefreshRun(REFERENCE_NOW, previous, SNAPSHOT_FINDINGS_MAX),
    scanMaxAgeMs: 6 * 3_600_000,
    settingsMaxAgeMs: 0,
    repositoryLimit: pLimit(1),
    describeRegistry: Promise.resolve({ status: 'fulfilled', value: { replicationRules: [] } }),
    basicScanner: Promise.resolve('CLAIR'),
  };
}

/** A snapshot of the same registries read by a refresher with no previous snapshot and empty caches. */
async function readFromNothing(h: Harness): Promise<Snapshot> {
  const fresh = new Refresher({ config: h.config, clients: h.clients, now: () => REFERENCE_NOW });
  try {
    await fresh.run();
    return fresh.snapshot();
  } finally {
    await fresh.stop();
  }
}

describe('a repository listing matched page by page', () => {
  it('keeps each unchanged image as the previous object and sends only the others the long way', async () => {
    harness = await startHarness();
    await harness.refresher.run();
    const snapshot = harness.refresher.snapshot();
    const registry = snapshot.registries.find((r) => r.accountId === ACCOUNT && r.region === 'us-east-1')!;
    const id = repositoryId(ACCOUNT, 'us-east-1', NAME);
    const before = snapshot.imagesByRepository.get(id)!;
    const ctx = readContext(harness, snapshot);
    const details = await ctx.ecr.images(NAME);
    expect(details.length).toBe(before.length);

    const pulled: ImageDetail = { ...details[1]!, lastRecordedPullTime: new Date(REFERENCE_NOW) };
    const listing = new RepositoryListing(ctx, registry, id, false);
    // One detail per page, the pulled one changed, and the first listed twice.
    for (const detail of [details[0]!, pulled, ...details.slice(2), details[0]!]) listing.add([detail]);
    expect(listing.unchanged()).toBeUndefined();
    expect(listing.details).toEqual([pulled, details[0]]);
    const unchanged = before.filter((image) => image.digest !== pulled.imageDigest);
    expect(listing.matched).toHaveLength(unchanged.length);
    for (const image of unchanged) expect(listing.matched).toContain(image);

    // Every detail as it was, in two pages: the previous objects, and nothing for the long way.
    const whole = new RepositoryListing(ctx, registry, id, false);
    whole.add(details.slice(0, 2));
    whole.add(details.slice(2));
    expect(whole.details).toEqual([]);
    expect(whole.matched).toEqual(details.map((d) => before.find((image) => image.digest === d.imageDigest)));
    // The previous snapshot's list itself, so the build keeps it (and what is kept by list: sizes, index rows).
    expect(whole.unchanged()?.images).toBe(before);
  });

  it('does not match a previous image built without the manifest the cache now holds: the long way builds it whole', async () => {
    harness = await startHarness();
    await harness.refresher.run();
    const snapshot = harness.refresher.snapshot();
    const registry = snapshot.registries.find((r) => r.accountId === ACCOUNT && r.region === 'us-east-1')!;
    const id = repositoryId(ACCOUNT, 'us-east-1', 'platform/api');
    const images = snapshot.imagesByRepository.get(id)!;
    const index = images.find((image) => image.kind === 'index')!;
    expect(index.children.length).toBeGreaterThan(0);
    expect(harness.refresher.caches.manifests.has(index.digest)).toBe(true);
    // As a refresh whose BatchGetImage failed for this repository left it, while another had cached the manifest.
    const { layers: _layers, ...withoutManifest } = index;
    const stale = { ...withoutManifest, children: [] };
    const previous = { ...snapshot, imagesByRepository: new Map([...snapshot.imagesByRepository, [id, images.map((image) => (image === index ? stale : image))]]) };
    const ctx = readContext(harness, previous);
    const details = await ctx.ecr.images('platform/api');
    const listing = new RepositoryListing(ctx, registry, id, false);
    listing.add(details);
    expect(listing.details.map((d) => d.imageDigest)).toEqual([index.digest]);
    expect(listing.matched).toHaveLength(images.length - 1);
    expect(listing.unchanged()).toBeUndefined();
  });

  it('a push and a new index in a repository: its images are those read from nothing, the unchanged ones the previous objects', async () => {
    harness = await startHarness();
    const h = harness;
    await h.refresher.run();
    const id = repositoryId(ACCOUNT, 'us-east-1', NAME);
    const first = h.refresher.snapshot().imagesByRepository.get(id)!;
    // An untagged plain image that a new index will list as its attestation manifest: its kind becomes attestation.
    const listedAsAttestation = first.find((image) => image.kind === 'image' && image.tags.length === 0 && image.status === 'ACTIVE')!;
    expect(listedAsAttestation).toBeDefined();
    const platform = first.find((image) => image.kind === 'image' && image.tags.includes('v1.0.0'))!;
    await admin(h, '/images', { repositoryName: NAME, image: pushableImage('listing-push', ['v2.0.0']) });
    await admin(h, '/images', {
      repositoryName: NAME,
      image: {
        digest: digestOf('listing-index'),
        tags: ['v1.0.0-multi'],
        mediaType: 'application/vnd.oci.image.index.v1+json',
        pushedAt: REFERENCE_NOW / 1000,
        children: [
          { digest: platform.digest, platform: { os: 'linux', architecture: 'amd64' } },
          { digest: listedAsAttestation.digest, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': platform.digest } },
        ],
      },
    });
    await h.refresher.run();
    const second = h.refresher.snapshot().imagesByRepository.get(id)!;
    const fromNothing = (await readFromNothing(h)).imagesByRepository.get(id)!;
    expect(second).toEqual(fromNothing);
    expect(second).toHaveLength(first.length + 2);
    expect(second.find((image) => image.digest === listedAsAttestation.digest)?.kind).toBe('attestation');
    // The images nothing changed are the first snapshot's very objects.
    for (const image of first) if (image !== listedAsAttestation) expect(second).toContain(image);
  });

  it('a full refresh keeps the lists of repositories where nothing changed as they are, and makes the others; so does a targeted one', async () => {
    harness = await startHarness();
    const h = harness;
    await h.refresher.run();
    const first = h.refresher.snapshot();
    const id = repositoryId(ACCOUNT, 'us-east-1', NAME);
    await admin(h, '/images', { repositoryName: NAME, image: pushableImage('kept-lists-push', ['v3.0.0']) });
    await h.refresher.run();
    const second = h.refresher.snapshot();
    expect(second.imagesByRepository.get(id)).toHaveLength(first.imagesByRepository.get(id)!.length + 1);
    // A list is the previous array exactly when its images are the previous objects, in the same order.
    const sameObjects = (a: readonly unknown[], b: readonly unknown[] | undefined): boolean => !!b && a.length === b.length && a.every((x, i) => x === b[i]);
    let kept = 0;
    for (const [other, list] of second.imagesByRepository) {
      const before = first.imagesByRepository.get(other);
      if (sameObjects(list, before)) {
        expect(list, other).toBe(before);
        kept += 1;
      } else expect(list, other).not.toBe(before);
    }
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(second.imagesByRepository.get(id)).not.toBe(first.imagesByRepository.get(id));
    // What the build kept is what a refresh without a previous snapshot makes.
    expect([...second.imagesByRepository]).toEqual([...(await readFromNothing(h)).imagesByRepository]);

    // A targeted refresh of a repository in which nothing changed keeps its list too.
    const other = [...second.imagesByRepository].find(([key, list]) => key !== id && list.length > 0 && list === first.imagesByRepository.get(key))!;
    const repository = second.repositoryById.get(other[0])!;
    await h.refresher.applyEvents([
      { id: 'kept-lists', kind: 'image-action', at: REFERENCE_NOW, targets: [{ kind: 'repository', accountId: repository.accountId, region: repository.region, repositoryName: repository.name }] },
    ]);
    const third = h.refresher.snapshot();
    expect(third.version).toBeGreaterThan(second.version);
    expect(third.imagesByRepository.get(other[0])).toBe(other[1]);
  });

  it('a repository of several steps of images: read whole in steps, the unchanged ones the previous objects', async () => {
    // More images than three steps of the per-repository passes, so each pass stops and goes on between steps.
    const count = 3 * IMAGES_PER_STEP + 7;
    const fixture = loadFixture(REFERENCE_PATH);
    const registry = fixture.registries.find((r) => r.accountId === ACCOUNT && r.region === 'us-east-1')!;
    registry.repositories.push({
      name: 'bulk/many',
      createdAt: REFERENCE_NOW / 1000 - 86_400,
      images: Array.from({ length: count }, (_, i) => pushableImage(`bulk-${i}`, [`v${i}`])),
    } as (typeof registry.repositories)[number]);
    harness = await startHarness({ fixture });
    const h = harness;
    await h.refresher.run();
    const id = repositoryId(ACCOUNT, 'us-east-1', 'bulk/many');
    const first = h.refresher.snapshot().imagesByRepository.get(id)!;
    expect(first).toHaveLength(count);
    expect(new Set(first.map((image) => image.digest)).size).toBe(count);
    // New images at both ends of the listing's steps, and one gone: the long way and the matched way both run in steps.
    await admin(h, '/images', { repositoryName: 'bulk/many', image: pushableImage('bulk-new-1', ['n1']) });
    await admin(h, '/images', { repositoryName: 'bulk/many', image: pushableImage('bulk-new-2', ['n2']) });
    const gone = first[IMAGES_PER_STEP]!;
    const deleted = await h.clients.ecr(h.config.accounts[0]!, 'us-east-1').send(
      new BatchDeleteImageCommand({ repositoryName: 'bulk/many', imageIds: [{ imageDigest: gone.digest }] }),
    );
    expect(deleted.failures ?? []).toEqual([]);
    await h.refresher.run();
    const second = h.refresher.snapshot().imagesByRepository.get(id)!;
    expect(second).toHaveLength(count + 1);
    expect(second).toEqual((await readFromNothing(h)).imagesByRepository.get(id));
    expect(second.map((image) => image.digest)).not.toContain(gone.digest);
    for (const image of first) if (image !== gone) expect(second).toContain(image);
  });

  it('a changed repository keeps the cached scans of its unchanged images: the next refresh fetches no findings', async () => {
    harness = await startHarness();
    const h = harness;
    await h.refresher.run();
    // eu-west-1 uses the AWS-native basic scanner: its findings are fetched with DescribeImageScanFindings and cached.
    expect(h.emulator.controls.callCount('ecr:DescribeImageScanFindings')).toBeGreaterThan(0);
    await admin(h, '/images', { region: 'eu-west-1', repositoryName: NAME, image: pushableImage('listing-eu', ['v3']) });
    h.emulator.controls.resetCalls();
    await h.refresher.run();
    // The pushed image alone has a scan to look up.
    expect(h.emulator.controls.callCount('ecr:DescribeImageScanFindings')).toBe(1);
    h.emulator.controls.resetCalls();
    await h.refresher.run();
    expect(h.emulator.controls.callCount('ecr:DescribeImageScanFindings')).toBe(0);
    expect(h.emulator.controls.callCount('ecr:BatchGetImage')).toBe(0);
    const id = repositoryId(ACCOUNT, 'eu-west-1', NAME);
    expect(h.refresher.snapshot().imagesByRepository.get(id)).toEqual((await readFromNothing(h)).imagesByRepository.get(id));
  });
});
