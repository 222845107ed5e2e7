/**
 * A steady refresh's shortcut: each DescribeImages detail that says nothing about its image changed stands for the
 * previous snapshot's object, and no manifest is looked up and no image assembled for it. "Nothing changed" means
 * for the image every field assembleImage reads from its detail, the same scan result, and the layers and children
 * its manifest gives; and nothing is left to read (a manifest never read, a scan to fetch again). The listing is
 * matched page by page as DescribeImages answers, so a matched page's details die young instead of being held (and
 * promoted to the old generation) until a large repository's last page. The other details go the long way (ecr.ts
 * readImages), which gives the same images when they are the same.
 */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { INDEX_MEDIA_TYPES } from '../aws/media-types.js';
import { blobCount, type BlobList } from '../snapshot/blob-key.js';
import { blobIndexOf } from '../snapshot/blob-sizes.js';
import type { BlobIndex } from '../snapshot/blob-table.js';
import type { Finding, Image, Registry } from '../snapshot/model.js';
import { layerSizesKnownIn } from '../cost/sizes.js';
import { sameList } from './assemble-image.js';
import type { EcrReadContext } from './ecr-context.js';
import type { FetchedScan } from './scans.js';
import { cachedScanValid, needsFindingsFetch, sameScanResult } from './scans.js';

export interface UnchangedImages {
  /** The previous snapshot's list of the repository itself, sorted as it is: the snapshot build keeps it (ListReuse). */
  readonly images: readonly Image[];
  /** The previous snapshot's findings lists of the images whose scans the cache holds (the caller keeps them within the budget). */
  readonly findings: readonly (readonly [string, readonly Finding[] | undefined])[];
}

const time = (d: Date | undefined): number | undefined => (d ? d.getTime() : undefined);
const NO_TAGS: readonly string[] = [];

/** True when every blob's size is known: in the previous snapshot, or read during this refresh. */
function allSizesKnown(blobs: BlobList, before: BlobIndex, read: BlobIndex): boolean {
  for (let i = 0, n = blobCount(blobs); i < n; i++) if (before.entryOfBlobAt(blobs, i) < 0 && read.entryOfBlobAt(blobs, i) < 0) return false;
  return true;
}

/**
 * True when the detail gives back the image's own values for every field assembleImage takes from a detail; the
 * manifest's media type and subject stand in where the detail leaves them out, as there.
 */
function sameDetail(before: Image, detail: ImageDetail, manifestType: string | undefined, subject: string | undefined): boolean {
  const pushedAt = time(detail.imagePushedAt);
  return (
    sameList(detail.imageTags ?? NO_TAGS, before.tags) &&
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
 * A repository's listing, matched page by page against its previous images (see above). The previous snapshot is
 * immutable, so turns given to the event loop between pages change nothing here. Marks what it uses as seen, as
 * the long way does: the cached manifests of the images it matched.
 */
export class RepositoryListing {
  /** The previous images that a detail gave back unchanged, in DescribeImages's order. */
  readonly matched: Image[] = [];
  /** The details that did not: new or changed images, repeated digests, or something left to read. */
  readonly details: ImageDetail[] = [];
  /** The cached scans of matched images whose findings are fetched: the repository's scan cache keeps them. */
  readonly matchedScans = new Map<string, FetchedScan>();
  /** The previous snapshot's findings lists of matched images whose scans the cache holds. */
  readonly findings: (readonly [string, readonly Finding[] | undefined])[] = [];
  private readonly before = new Map<string, Image>();
  private readonly beforeList: readonly Image[];
  /**
   * Every previous image (not index) of the repository that has a layer list had its blob sizes in the previous
   * snapshot's map, as that snapshot's repository sizes say: its own layers need no lookup in a map of two million
   * blobs (1.8 µs an image). Archived images, which have no layer list, do not stop it.
   */
  private readonly sizesKnownBefore: boolean;

  constructor(
    private readonly ctx: EcrReadContext,
    private readonly registry: Registry,
    private readonly id: string,
    private readonly repositoryScanned: boolean,
  ) {
    const before = ctx.run.previous?.imagesByRepository.get(id) ?? [];
    this.beforeList = before;
    for (const image of before) this.before.set(image.digest, image);
    this.sizesKnownBefore = ctx.run.previous !== undefined && layerSizesKnownIn(ctx.run.previous, id);
  }

  /** Takes one page of details (at most 1,000). */
  add(page: readonly ImageDetail[]): void {
    for (const detail of page) {
      const image = this.match(detail);
      if (image) this.matched.push(image);
      else this.details.push(detail);
    }
  }

  /**
   * The previous images when every one was given back unchanged and nothing else was listed, as the previous
   * snapshot's list itself (the same images, each matched once); marks the repository's scans seen.
   */
  unchanged(): UnchangedImages | undefined {
    if (this.details.length > 0 || this.matched.length !== this.beforeList.length) return undefined;
    this.ctx.run.seen.scans.add(this.id);
    return { images: this.beforeList, findings: this.findings };
  }

  private match(detail: ImageDetail): Image | undefined {
    const { ctx } = this;
    const previous = ctx.run.previous;
    const image = detail.imageDigest === undefined ? undefined : this.before.get(detail.imageDigest);
    if (!previous || !image) return undefined;
    this.before.delete(image.digest); // each previous image answers one detail only
    const stored = ctx.caches.manifests.get(image.digest);
    // Without a cached one, the manifest is the image's own when plain (as plainManifestOf makes it, without the copy).
    const plain = !stored && image.layers !== undefined && image.children.length === 0;
    const blobs = stored ? stored.blobs : plain ? image.layers! : undefined;
    const manifestType = stored ? stored.mediaType : plain ? image.manifestMediaType : undefined;
    // The image's own layers were all in the previous snapshot's map, as its repository sizes say: what
    // allSizesKnown would find, without the lookups (a cached manifest that gives other blobs is looked up).
    const ownLayers = this.sizesKnownBefore && image.kind !== 'index' && image.layers !== undefined && blobs === image.layers;
    const usable = blobs !== undefined && (ownLayers || allSizesKnown(blobs, blobIndexOf(previous.layerSizes), ctx.run.layerSizes.changed));
    // A manifest the long way would fetch: never read, or with a blob whose size is not known.
    if (!usable && (detail.imageStatus !== 'ARCHIVED' || INDEX_MEDIA_TYPES.has(detail.imageManifestMediaType ?? ''))) return undefined;
    // The layers and children the long way would give: an image built without its manifest (its read failed) is
    // built again from the one cached since, and an archived one whose manifest is not used keeps none.
    if (usable ? stored && !(image.layers === stored.blobs && sameList(image.children, stored.children)) : image.layers !== undefined || image.children.length > 0)
      return undefined;
    if (!sameDetail(image, detail, manifestType, stored?.subject)) return undefined;
    let fetched: FetchedScan | undefined;
    if (needsFindingsFetch(detail, this.repositoryScanned)) {
      fetched = ctx.caches.scans.get(this.id)?.get(image.digest);
      if (!fetched || !cachedScanValid(fetched, detail, ctx.run.startedAt, ctx.scanMaxAgeMs)) return undefined;
    }
    const registryScanType = this.registry.scanType;
    if (!sameScanResult(fetched ? { detail, fetched, registryScanType } : { detail, registryScanType }, image.scan)) return undefined;
    if (stored) ctx.run.seen.manifests.add(image.digest);
    if (fetched) {
      this.matchedScans.set(image.digest, fetched);
      if (!fetched.notFound) this.findings.push([image.digest, previous.findings.get(image.digest)]);
    }
    return image;
  }
}
