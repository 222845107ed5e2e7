/** Reads a repository's image manifests (BatchGetImage), from the caches where they hold every blob's size. */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { BATCH_GET_IMAGE_MAX, chunk, errorMessage } from '../aws/ecr.js';
import { INDEX_MEDIA_TYPES } from '../aws/media-types.js';
import { blobCount, type BlobList } from '../snapshot/blob-key.js';
import { blobIndexOf } from '../snapshot/blob-sizes.js';
import type { Image } from '../snapshot/model.js';
import type { CachedManifest, ManifestInfo } from './assemble-image.js';
import { compactManifest, isPlainManifest, parseManifest, plainManifestOf } from './assemble-image.js';
import type { EcrReadContext } from './ecr-context.js';
import type { Steps } from '../cooperative.js';
import { runCooperatively } from '../cooperative.js';

/**
 * Images handled per step of a repository's passes (a fraction of a millisecond of work): run cooperatively, they
 * share the event loop's turns with every other computation in flight, as the snapshot's own steps do.
 */
export const IMAGES_PER_STEP = 256;

/** A manifest as an image needs it, with its blobs' sizes. */
export interface ManifestRead {
  readonly info: CachedManifest;
  /** The size of the i-th blob of info.blobs. */
  readonly sizeAt: (i: number) => number | undefined;
}

/**
 * Parsed manifests of a repository's images, by canonical digest: cached ones (their blob sizes from the
 * previous snapshot), the rest fetched 100 per call. Plain manifests (isPlainManifest) are not cached:
 * the previous snapshot's image holds all they say, and a million cached copies would cost ~140 MB.
 */
export async function readManifests(
  ctx: EcrReadContext,
  repositoryName: string,
  details: readonly ImageDetail[],
  canonical: (digest: string) => string,
  previousImage: (digest: string) => Image | undefined,
  intern: (s: string) => string,
  onError: (error: unknown) => void,
): Promise<Map<string, ManifestRead>> {
  const { out, missing } = await runCooperatively(cachedManifestsSteps(ctx, details, canonical, previousImage));
  const errors = await fetchManifests(ctx, repositoryName, missing, details, canonical, intern, out);
  if (errors.length > 0) onError(`${errors.length} manifest batch(es)/image(s) unread; first: ${errors[0]}`);
  return out;
}

/** The manifests the caches hold whole (with every blob's size), and the digests whose manifest must be fetched. */
function* cachedManifestsSteps(
  ctx: EcrReadContext,
  details: readonly ImageDetail[],
  canonical: (digest: string) => string,
  previousImage: (digest: string) => Image | undefined,
): Steps<{ out: Map<string, ManifestRead>; missing: string[] }> {
  const out = new Map<string, ManifestRead>();
  const missing: string[] = [];
  const previousSizes = ctx.run.previous && blobIndexOf(ctx.run.previous.layerSizes);
  const { changed } = ctx.run.layerSizes;
  // A cached manifest's sizes: gathered by this refresh (another repository) or held by the previous snapshot.
  const knownSize = (blobs: BlobList, i: number): number | undefined => {
    let entry = changed.entryOfBlobAt(blobs, i);
    if (entry >= 0) return changed.sizeOfEntry(entry);
    entry = previousSizes ? previousSizes.entryOfBlobAt(blobs, i) : -1;
    return entry >= 0 ? previousSizes!.sizeOfEntry(entry) : undefined;
  };
  const allKnown = (blobs: BlobList): boolean => {
    for (let i = 0, n = blobCount(blobs); i < n; i++) if (knownSize(blobs, i) === undefined) return false;
    return true;
  };
  let done = 0;
  for (const detail of details) {
    // A repository of many thousand images would hold the event loop for a long while: let requests in.
    if (++done % IMAGES_PER_STEP === 0) yield;
    if (!detail.imageDigest) continue;
    const digest = canonical(detail.imageDigest);
    let cached = ctx.caches.manifests.get(digest);
    if (cached) ctx.run.seen.manifests.add(digest);
    else {
      const before = previousImage(digest);
      cached = (before && plainManifestOf(before)) ?? ctx.run.plainManifests.get(digest);
    }
    if (cached && allKnown(cached.blobs)) {
      const { blobs } = cached;
      out.set(digest, { info: cached, sizeAt: (i) => knownSize(blobs, i) });
    }
    // An archived image's layers are not needed (its size stands in), but an archived index's children are:
    // without them cleanup must fail closed for the repository. If ECR refuses to read it, that is what happens.
    else if (detail.imageStatus !== 'ARCHIVED' || INDEX_MEDIA_TYPES.has(detail.imageManifestMediaType ?? '')) missing.push(digest);
  }
  return { out, missing };
}

/** Fetches manifests 100 per BatchGetImage call into `out`, caching all but plain ones; returns what could not be read. */
async function fetchManifests(
  ctx: EcrReadContext,
  repositoryName: string,
  missing: readonly string[],
  details: readonly ImageDetail[],
  canonical: (digest: string) => string,
  intern: (s: string) => string,
  out: Map<string, ManifestRead>,
): Promise<string[]> {
  const mediaTypes = new Map(details.map((d) => [d.imageDigest, d.imageManifestMediaType]));
  const errors: string[] = [];
  await Promise.all(
    chunk(missing, BATCH_GET_IMAGE_MAX).map(async (digests) => {
      try {
        const batch = await ctx.ecr.manifests(repositoryName, digests);
        for (const raw of batch.manifests) {
          try {
            const parsed: ManifestInfo = parseManifest(raw.text, raw.mediaType ?? mediaTypes.get(raw.digest), intern);
            const info = compactManifest(parsed);
            const digest = canonical(raw.digest);
            if (isPlainManifest(info, mediaTypes.get(raw.digest))) ctx.run.plainManifests.set(digest, info);
            else {
              ctx.caches.manifests.set(digest, info);
              ctx.run.seen.manifests.add(digest);
            }
            const sizes = parsed.blobSizes;
            out.set(digest, { info, sizeAt: (i) => sizes[i] ?? 0 });
          } catch (error) {
            errors.push(`${raw.digest}: ${errorMessage(error)}`);
          }
        }
        // An image deleted since DescribeImages is not a failure of the refresh.
        for (const failure of batch.failures) if (failure.code !== 'ImageNotFound') errors.push(`${failure.digest}: ${failure.code} ${failure.reason}`);
      } catch (error) {
        errors.push(errorMessage(error));
      }
    }),
  );
  return errors;
}
