import { afterEach, describe, expect, it } from 'vitest';
import { createFindingsProvider, findingsBytes } from '../../src/aws/findings.js';
import { compactScan, scanResult, SharedCounts } from '../../src/refresh/scans.js';
import type { FetchedScan } from '../../src/refresh/scans.js';
import type { Finding } from '../../src/snapshot/model.js';
import { blobKey, blobKeys } from '../../src/snapshot/blob-key.js';
import { LayeredBlobSizes } from '../../src/snapshot/blob-sizes.js';
import type { Harness } from './helpers.js';
import { REFERENCE_NOW, digestOf, pushableImage, startHarness } from './helpers.js';

const B = '222222222222';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('what a refresh keeps in memory', () => {
  it('shares unchanged images, digests and manifests with the previous snapshot', async () => {
    let now = REFERENCE_NOW;
    harness = await startHarness({ now: () => now });
    await harness.refresher.run();
    const first = harness.refresher.snapshot();
    now += 60_000;
    await harness.refresher.run();
    const second = harness.refresher.snapshot();
    expect(second.version).toBe(2);
    expect(second.images).toHaveLength(16);
    // Same objects, not equal copies: the two snapshots hold one image each while the new one is built.
    for (const image of second.images) expect(first.images).toContain(image);
    // Cached manifests keep no blob sizes, and only those their image cannot rebuild: the indexes, referrers
    // and artifacts (5 of the 14 manifests read); the plain ones (10 images) come from the previous images.
    const cached = harness.refresher.caches.manifests;
    expect([...cached.values()].some((m) => 'blobSizes' in m)).toBe(false);
    expect(cached.size).toBe(5);
    for (const m of cached.values()) expect(m.children.length > 0 || m.subject !== undefined || m.artifactType !== undefined || m.attestationLayers).toBe(true);
    const rebuilt = second.images.filter((i) => i.layers && !cached.has(i.digest));
    expect(rebuilt).toHaveLength(10);
    expect(rebuilt.every((i) => i.kind === 'image')).toBe(true);
  });

  it('keeps the previous blob-size map while no blob changed, and drops deleted blobs otherwise', async () => {
    harness = await startHarness();
    await harness.refresher.run();
    const first = harness.refresher.snapshot();
    expect(new Set(first.layerSizes.keys())).toEqual(new Set(first.images.flatMap((i) => (i.layers ? blobKeys(i.layers) : []))));
    await harness.refresher.run();
    const second = harness.refresher.snapshot();
    expect(second.version).toBe(2);
    expect(second.layerSizes).toBe(first.layerSizes);

    // A repository with a blob no other repository has: deleting it must shrink the map.
    const blobsOf = (id: string): string[] => (second.imagesByRepository.get(id) ?? []).flatMap((i) => (i.layers ? blobKeys(i.layers) : []));
    const store = harness.emulator.store;
    const victim = second.repositories.find(
      (r) =>
        r.accountId === store.defaultAccountId &&
        r.region === store.defaultRegion &&
        blobsOf(r.id).some((b) => second.repositories.every((o) => o.id === r.id || !blobsOf(o.id).includes(b))),
    )!;
    expect(victim).toBeDefined();
    expect(store.deleteRepository(victim.accountId, victim.region, victim.name)).toBe(true);
    await harness.refresher.run();
    const third = harness.refresher.snapshot();
    expect(third.repositoryById.has(victim.id)).toBe(false);
    expect(third.layerSizes).not.toBe(second.layerSizes);
    const blobs = new Set(third.images.flatMap((i) => (i.layers ? blobKeys(i.layers) : [])));
    expect(new Set(third.layerSizes.keys())).toEqual(blobs);
    for (const blob of blobs) expect(third.layerSizes.get(blob)).toBe(second.layerSizes.get(blob));
  });

  it('lays the blob sizes a push brings over the previous map instead of making it again', async () => {
    harness = await startHarness();
    const h = harness;
    await h.refresher.run();
    const first = h.refresher.snapshot();
    const res = await fetch(`${h.emulator.url}/_emulator/images`, { method: 'POST', body: JSON.stringify({ repositoryName: 'web/frontend', image: pushableImage('memory-push', ['v7']) }) });
    expect(res.status).toBe(200);
    await h.refresher.run();
    const second = h.refresher.snapshot();
    expect(second.layerSizes).toBeInstanceOf(LayeredBlobSizes);
    const layered = second.layerSizes as LayeredBlobSizes;
    expect(layered.baseSize).toBe(first.layerSizes.size);
    expect(layered.addedSize).toBe(2); // the pushed image's config and layer
    expect(new Set(layered.keys())).toEqual(new Set(second.images.flatMap((i) => (i.layers ? blobKeys(i.layers) : []))));
    expect(layered.get(blobKey(digestOf('memory-push-layer')))).toBe(5_000_000);
    for (const [blob, size] of first.layerSizes) expect(layered.get(blob)).toBe(size);
  });

  it('caches scan counts, not findings lists, and still gives the same scan results', async () => {
    harness = await startHarness();
    await harness.refresher.run();
    const scans = [...harness.refresher.caches.scans.values()].flatMap((m) => [...m.values()]);
    expect(scans).toHaveLength(3); // one per DescribeImageScanFindings call
    expect(scans.every((s) => s.findings.length === 0)).toBe(true);
    const ml = harness.refresher.caches.scans.get(`${B}/us-east-1/ml/inference`)!;
    const withFindings = [...ml.values()].find((s) => s.counts?.CRITICAL === 1);
    expect(withFindings?.counts).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 });
  });

  it('compacts a fetched scan without changing its scan result', () => {
    const finding = (name: string, severity: Finding['severity']): Finding => ({ name, severity, source: 'enhanced' });
    const fetched: FetchedScan = { status: 'ACTIVE', completedAt: 5, findings: [finding('CVE-1', 'HIGH'), finding('CVE-2', 'LOW')], enhanced: true, fetchedAt: 9 };
    const compact = compactScan(fetched);
    expect(compact.findings).toEqual([]);
    // Every other field as fetched, none added as undefined, and frozen.
    expect(Object.keys(compact).sort()).toEqual(['completedAt', 'counts', 'enhanced', 'fetchedAt', 'findings', 'status']);
    expect([compact.status, compact.completedAt, compact.enhanced, compact.fetchedAt]).toEqual(['ACTIVE', 5, true, 9]);
    expect(Object.isFrozen(compact)).toBe(true);
    expect(compactScan(compact)).toBe(compact);
    expect(compact.counts).toEqual({ CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 1, INFORMATIONAL: 0, UNDEFINED: 0 });
    const detail = { imageScanStatus: { status: 'ACTIVE' as const } };
    expect(scanResult({ detail, fetched: compact, registryScanType: 'ENHANCED' })).toEqual(scanResult({ detail, fetched, registryScanType: 'ENHANCED' }));
    const none: FetchedScan = { findings: [], enhanced: false, fetchedAt: 9 };
    expect(scanResult({ detail: {}, fetched: compactScan(none), registryScanType: 'BASIC' })).toEqual(scanResult({ detail: {}, fetched: none, registryScanType: 'BASIC' }));
  });

  it('shares one frozen counts object per distinct count set through the refresher’s SharedCounts, and none without it', () => {
    const summary = (high: number) => ({
      imageScanStatus: { status: 'COMPLETE' as const },
      imageScanFindingsSummary: { imageScanCompletedAt: new Date(5), findingSeverityCounts: { HIGH: high } },
    });
    const shared = new SharedCounts();
    const a = scanResult({ detail: summary(2), registryScanType: 'BASIC' }, undefined, shared).counts!;
    const b = scanResult({ detail: summary(2), registryScanType: 'BASIC' }, undefined, shared).counts!;
    const c = scanResult({ detail: summary(3), registryScanType: 'BASIC' }, undefined, shared).counts!;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    const alone = scanResult({ detail: summary(2), registryScanType: 'BASIC' }).counts!;
    expect(alone).toEqual(a);
    expect(alone).not.toBe(a);
    expect(Object.isFrozen(alone)).toBe(true);
  });
});

describe('on-demand findings provider', () => {
  it('fetches a list once, with the descriptions ECR gives, and serves it from its byte-bounded cache', async () => {
    harness = await startHarness();
    await harness.refresher.run();
    const s = harness.refresher.snapshot();
    const repository = s.repositoryById.get(`${B}/us-east-1/ml/inference`)!;
    const image = s.imagesByRepository.get(repository.id)!.find((i) => i.scan.counts?.CRITICAL === 1)!;
    const provider = createFindingsProvider({
      clientFor: (accountId, region) => {
        const account = harness!.refresher.accountFor(accountId, region);
        return account ? harness!.clients.ecr(account, region) : undefined;
      },
    });
    const before = harness.emulator.controls.callCount('ecr:DescribeImageScanFindings');
    const list = await provider(repository, image.digest);
    expect(list?.map((f) => f.severity)).toEqual(['CRITICAL', 'HIGH']);
    expect(list?.map((f) => f.description)).toEqual(['glibc: buffer overflow in getaddrinfo.', 'python: path traversal in tarfile.']);
    expect(await provider(repository, image.digest)).toBe(list);
    expect(harness.emulator.controls.callCount('ecr:DescribeImageScanFindings')).toBe(before + 1);
  });

  it('estimates bytes from the strings a list holds', () => {
    expect(findingsBytes(undefined)).toBe(64);
    expect(findingsBytes([{ name: 'CVE-1', severity: 'LOW', source: 'basic' }])).toBe(64 + 96 + (16 + 10) + (16 + 6) + (16 + 10));
  });
});
