/**
 * A steady refresh's shortcut: when DescribeImages says nothing about a repository's images changed, its images
 * are the previous snapshot's objects, and no manifest is looked up and no image assembled. "Nothing changed"
 * means the same digests, and for each image every field assembleImage reads from its detail, and the same scan
 * result; and nothing is left to read (a manifest never read, a scan to fetch again). Anything else goes the
 * long way (ecr.ts readImages), which gives the same images when they are the same.
 */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { INDEX_MEDIA_TYPES } from '../aws/media-types.js';
import type { BlobKey } from '../snapshot/blob-key.js';
import type { Finding, Image, Registry } from '../snapshot/model.js';
import { sameList, sameScan } from './assemble-image.js';
import type { EcrReadContext } from './ecr-context.js';
import { YIELD_EVERY } from './ecr-manifests.js';
import { nextTurn } from '../cooperative.js';
import { cachedScanValid, needsFindingsFetch, scanResult } from './scans.js';

export interface UnchangedImages {
  readonly images: readonly Image[];
  /** The previous snapshot's findings lists of the images whose scans the cache holds (the caller keeps them within the budget). */
  readonly findings: readonly (readonly [string, readonly Finding[] | undefined])[];
}

const time = (d: Date | undefined): number | undefined => (d ? d.getTime() : undefined);

/**
 * True when the detail gives back the image's own values for every field assembleImage takes from a detail; the
 * manifest's media type and subject stand in where the detail leaves them out, as there.
 */
function sameDetail(before: Image, detail: ImageDetail, manifestType: string | undefined, subject: string | undefined): boolean {
  const pushedAt = time(detail.imagePushedAt);
  return (
    sameList(detail.imageTags ?? [], before.tags) &&
    (detail.imageManifestMediaType ?? manifestType) === before.manifestMediaType &&
    detail.artifactMediaType === before.artifactMediaType &&
    (detail.subjectManifestDigest ?? subject) === before.subjectDigest &&
    (pushedAt ?? 0) === before.pushedAt &&
    (pushedAt === undefined) === (before.pushedAtUnknown === true) &&
    time(detail.lastRecordedPullTime) === before.lastPulledAt &&
    detail.imageSizeInBytes === before.sizeBytes &&
    (detail.imageStatus ?? 'ACTIVE') === before.status &&
    time(detail.lastArchivedAt) === before.lastArchivedAt &&
    time(detail.lastActivatedAt) === before.lastActivatedAt
  );
}

/**
 * The repository's previous images when nothing about them changed, else undefined (the previous snapshot is
 * immutable, so turns given to the event loop meanwhile change nothing here). Marks what it uses as seen, as
 * the long way does: the cached manifests, and the repository's scan cache (kept whole: the same images need it).
 */
export async function unchangedImages(
  ctx: EcrReadContext,
  registry: Registry,
  id: string,
  details: readonly ImageDetail[],
  repositoryScanned: boolean,
): Promise<UnchangedImages | undefined> {
  const previous = ctx.run.previous;
  const before = previous?.imagesByRepository.get(id);
  if (!previous || !before || before.length !== details.length) return undefined;
  const byDigest = new Map<string, Image>();
  for (const image of before) byDigest.set(image.digest, image);
  const scans = ctx.caches.scans.get(id);
  const changed = ctx.run.layerSizes.changed;
  const knownSize = (blob: BlobKey): boolean => previous.layerSizes.has(blob) || (changed.size > 0 && changed.has(blob));
  const images: Image[] = [];
  const findings: (readonly [string, readonly Finding[] | undefined])[] = [];
  const cached: string[] = [];
  let done = 0;
  for (const detail of details) {
    // A repository of 100,000 images held the event loop for a third of a second: let requests in.
    if (++done % YIELD_EVERY === 0) await nextTurn();
    const image = detail.imageDigest === undefined ? undefined : byDigest.get(detail.imageDigest);
    if (!image) return undefined;
    byDigest.delete(image.digest); // each previous image answers one detail only
    const stored = ctx.caches.manifests.get(image.digest);
    // Without a cached one, the manifest is the image's own when plain (as plainManifestOf makes it, without the copy).
    const plain = !stored && image.layers !== undefined && image.children.length === 0;
    const blobs = stored ? stored.blobs : plain ? image.layers! : undefined;
    const manifestType = stored ? stored.mediaType : plain ? image.manifestMediaType : undefined;
    // A manifest the long way would fetch: never read, or with a blob whose size is not known.
    if (!blobs || !blobs.every(knownSize))
      if (detail.imageStatus !== 'ARCHIVED' || INDEX_MEDIA_TYPES.has(detail.imageManifestMediaType ?? '')) return undefined;
    if (!sameDetail(image, detail, manifestType, stored?.subject)) return undefined;
    let fetched;
    if (needsFindingsFetch(detail, repositoryScanned)) {
      fetched = scans?.get(image.digest);
      if (!fetched || !cachedScanValid(fetched, detail, ctx.run.startedAt, ctx.scanMaxAgeMs)) return undefined;
      if (!fetched.notFound) findings.push([image.digest, previous.findings.get(image.digest)]);
    }
    const scan = scanResult({ detail, ...(fetched ? { fetched } : {}), registryScanType: registry.scanType }, (s) => s, ctx.caches.counts);
    if (!sameScan(scan, image.scan)) return undefined;
    if (stored) cached.push(image.digest);
    images.push(image);
  }
  for (const digest of cached) ctx.run.seen.manifests.add(digest);
  ctx.run.seen.scans.add(id);
  return { images, findings };
}
