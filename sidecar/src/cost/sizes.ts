import { ITEMS_PER_STEP, runNow, type Steps } from '../cooperative.js';
import { derivedOf, slot } from '../snapshot/derived.js';
import type { Image, Snapshot } from '../snapshot/model.js';
import { blobAt, blobCount, type BlobKey, type BlobList } from '../snapshot/blob-key.js';
import { blobSizesAgree } from '../snapshot/blob-sizes.js';

/**
 * The two sizes of a repository.
 * - summed: Σ imageSizeInBytes over distinct digests, what other tools show; an upper bound because shared
 *   layers count once per image. Indexes are left out: ECR reports an index's size as its largest child,
 *   and the children are images of the same repository, so adding the index would count them twice.
 *   Images whose size ECR did not report add nothing and make the figure incomplete (`imagesWithoutSize` > 0).
 * - deduplicated: each unique layer and config blob of the repository counted once (how ECR bills),
 *   from `snapshot.layerSizes`. Images whose layers are unknown fall back to their imageSizeInBytes (nothing
 *   when that is unknown too) and make the figure incomplete (`imagesWithoutLayers` > 0).
 * Archived images are billed too, so both sizes include them; the archived part is also given apart.
 */
export interface RepositorySizes {
  readonly imageCount: number;
  readonly summedSizeBytes: number;
  readonly deduplicatedSizeBytes: number;
  /** Images (not indexes) whose layer list or a layer size was unknown; their imageSizeInBytes, when known, was used. */
  readonly imagesWithoutLayers: number;
  /**
   * Of those, the images whose layer list is known but a layer's size is not: their share may change when the blob
   * map learns it. The others (no layer list: an archived image, a manifest not read) use their own size whatever it holds.
   */
  readonly imagesWithUnsizedLayers: number;
  readonly deduplicatedComplete: boolean;
  /** Images (not indexes) whose imageSizeInBytes ECR did not report: not in the summed sizes. */
  readonly imagesWithoutSize: number;
  readonly archivedImageCount: number;
  readonly archivedSummedSizeBytes: number;
}

export function computeRepositorySizes(images: readonly Image[], layerSizes: ReadonlyMap<BlobKey, number>): RepositorySizes {
  return runNow(repositorySizeSteps(images, layerSizes));
}

/** computeRepositorySizes in steps of ITEMS_PER_STEP images (the largest repositories, 100,000 images, took about 200 ms at once). */
function* repositorySizeSteps(images: readonly Image[], layerSizes: ReadonlyMap<BlobKey, number>): Steps<RepositorySizes> {
  const seen = new Set<string>();
  // The repository's blobs with their sizes: each is looked up once in the snapshot's map of millions, whose
  // lookups miss the cache (a million images hold about three million layer references).
  const blobs = new Map<BlobKey, number>();
  let summed = 0;
  let fallback = 0;
  let withoutLayers = 0;
  let unsizedLayers = 0;
  let withoutSize = 0;
  let archivedCount = 0;
  let archivedSummed = 0;
  let count = 0;
  for (let i = 0; i < images.length; i++) {
    if ((i + 1) % ITEMS_PER_STEP === 0) yield;
    const image = images[i]!;
    if (seen.has(image.digest)) continue;
    seen.add(image.digest);
    count += 1;
    const archived = image.status === 'ARCHIVED';
    if (archived) archivedCount += 1;
    if (image.kind === 'index') continue;
    // Unknown is not zero: an image without a size adds nothing and is counted apart.
    const size = image.sizeBytes ?? 0;
    if (image.sizeBytes === undefined) withoutSize += 1;
    summed += size;
    if (archived) archivedSummed += size;
    if (!addLayers(image.layers, layerSizes, blobs)) {
      fallback += size;
      withoutLayers += 1;
      if (image.layers !== undefined) unsizedLayers += 1;
    }
  }
  let deduplicated = fallback;
  for (const blobSize of blobs.values()) deduplicated += blobSize;
  return {
    imageCount: count,
    summedSizeBytes: summed,
    deduplicatedSizeBytes: deduplicated,
    imagesWithoutLayers: withoutLayers,
    imagesWithUnsizedLayers: unsizedLayers,
    deduplicatedComplete: withoutLayers === 0,
    imagesWithoutSize: withoutSize,
    archivedImageCount: archivedCount,
    archivedSummedSizeBytes: archivedSummed,
  };
}

/** The blobs addLayers added for the image at hand (a scratch list, not one per image). */
const addedNow: BlobKey[] = [];

/** Adds the image's layers to `blobs` when all of their sizes are known (then true); else adds none. */
function addLayers(layers: BlobList | undefined, layerSizes: ReadonlyMap<BlobKey, number>, blobs: Map<BlobKey, number>): boolean {
  if (layers === undefined) return false;
  addedNow.length = 0;
  for (let i = 0, n = blobCount(layers); i < n; i++) {
    const layer = blobAt(layers, i);
    if (blobs.has(layer)) continue;
    const size = layerSizes.get(layer);
    if (size === undefined) {
      for (const blob of addedNow) blobs.delete(blob);
      return false;
    }
    blobs.set(layer, size);
    addedNow.push(layer);
  }
  return true;
}

export const REPOSITORY_SIZES = slot<ReadonlyMap<string, RepositorySizes>>('repository sizes');

/** Sizes of every repository of the snapshot, computed once per snapshot. */
export function repositorySizes(snapshot: Snapshot): ReadonlyMap<string, RepositorySizes> {
  return derivedOf(snapshot).getSteps(REPOSITORY_SIZES, undefined, () => repositorySizesSteps(snapshot));
}

/**
 * True when the snapshot's sizes, if already made, show that every image (not index) of the repository that has a
 * layer list has the sizes of all its layers in the snapshot's blob map; false when they do not, or are not made
 * (nothing is computed here). Images without a layer list (archived ones) do not count: they have no layers to look up.
 */
export function layerSizesKnownIn(snapshot: Snapshot, repositoryId: string): boolean {
  const derived = derivedOf(snapshot);
  if (!derived.has(REPOSITORY_SIZES, undefined)) return false;
  return repositorySizes(snapshot).get(repositoryId)?.imagesWithUnsizedLayers === 0;
}

/** As repositorySizes, giving the event loop a turn every `sliceMs`. */
export function repositorySizesCooperatively(snapshot: Snapshot, sliceMs?: number): Promise<ReadonlyMap<string, RepositorySizes>> {
  return derivedOf(snapshot).getCooperatively(REPOSITORY_SIZES, undefined, () => repositorySizesSteps(snapshot), sliceMs);
}

/**
 * A repository's sizes by its image list, with the blob sizes they were computed from. A targeted refresh keeps the
 * lists of the repositories it did not read (snapshot/build.ts ListReuse): their sizes stand while every blob they
 * hold has the same size, which saves about a second per pushed image at 1,000,000 images.
 */
const sizesByList = new WeakMap<readonly Image[], { readonly layerSizes: ReadonlyMap<BlobKey, number>; readonly sizes: RepositorySizes }>();

/** Computes the map (not memoized per snapshot), yielding after each repository; an unchanged list's sizes are kept. */
export function* repositorySizesSteps(snapshot: Snapshot): Steps<ReadonlyMap<string, RepositorySizes>> {
  const map = new Map<string, RepositorySizes>();
  const agrees = new Map<ReadonlyMap<BlobKey, number>, boolean>();
  const agreesWith = (earlier: ReadonlyMap<BlobKey, number>): boolean => {
    let known = agrees.get(earlier);
    if (known === undefined) agrees.set(earlier, (known = blobSizesAgree(snapshot.layerSizes, earlier)));
    return known;
  };
  for (const [id, images] of snapshot.imagesByRepository) {
    const kept = sizesByList.get(images);
    // Only sizes that knew every blob they refer to: a blob unknown then may have a size now. Images without a layer
    // list refer to none (they count their own size), so they do not stop it.
    if (kept && kept.sizes.imagesWithUnsizedLayers === 0 && agreesWith(kept.layerSizes)) {
      // Now against this snapshot's sizes, so an earlier map is not held by it.
      if (kept.layerSizes !== snapshot.layerSizes) sizesByList.set(images, { layerSizes: snapshot.layerSizes, sizes: kept.sizes });
      map.set(id, kept.sizes);
      continue;
    }
    const sizes = yield* repositorySizeSteps(images, snapshot.layerSizes);
    sizesByList.set(images, { layerSizes: snapshot.layerSizes, sizes });
    map.set(id, sizes);
    yield;
  }
  return map;
}
