import { ITEMS_PER_STEP, runNow, type Steps } from '../cooperative.js';
import { derivedOf, slot } from '../snapshot/derived.js';
import type { Image, Snapshot } from '../snapshot/model.js';
import { blobCount, type BlobKey, type BlobList } from '../snapshot/blob-key.js';
import { blobIndexOf, blobSizesAgree } from '../snapshot/blob-sizes.js';
import type { BlobIndex } from '../snapshot/blob-table.js';

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
  return runNow(repositorySizeSteps(images, new BlobMarks(blobIndexOf(layerSizes))));
}

/**
 * Which of the snapshot's blobs the repository at hand counted: a mark per blob entry, the repository's number when
 * counted (so no clearing between repositories, but once every 255). Typed arrays rather than a Set of keys: a
 * million images hold about five million layer references, each a lookup.
 */
class BlobMarks {
  readonly index: BlobIndex;
  readonly marks: Uint8Array;
  repository = 0;

  constructor(index: BlobIndex) {
    this.index = index;
    this.marks = new Uint8Array(index.entryLimit);
  }

  /** The next repository's number: no entry is marked with it. */
  next(): void {
    if (this.repository === 255) {
      this.marks.fill(0);
      this.repository = 0;
    }
    this.repository += 1;
  }
}

/** computeRepositorySizes in steps of ITEMS_PER_STEP images (the largest repositories, 100,000 images, took about 200 ms at once). */
function* repositorySizeSteps(images: readonly Image[], blobs: BlobMarks): Steps<RepositorySizes> {
  const seen = new Set<string>();
  blobs.next();
  let deduplicated = 0;
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
    const layerBytes = image.layers === undefined ? undefined : addLayers(image.layers, blobs);
    if (layerBytes !== undefined) deduplicated += layerBytes;
    else {
      fallback += size;
      withoutLayers += 1;
      if (image.layers !== undefined) unsizedLayers += 1;
    }
  }
  deduplicated += fallback;
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

/** The entries addLayers marked for the image at hand (a scratch list, not one per image). */
const markedNow: number[] = [];

/**
 * Marks the image's blobs the repository has not counted yet and gives their bytes, when every size is known; else
 * marks none and gives undefined.
 */
function addLayers(layers: BlobList, blobs: BlobMarks): number | undefined {
  const { index, marks, repository } = blobs;
  markedNow.length = 0;
  let bytes = 0;
  for (let i = 0, n = blobCount(layers); i < n; i++) {
    const entry = index.entryOfBlobAt(layers, i);
    if (entry < 0) {
      for (const marked of markedNow) marks[marked] = 0;
      return undefined;
    }
    if (marks[entry] === repository) continue;
    marks[entry] = repository;
    markedNow.push(entry);
    bytes += index.sizeOfEntry(entry);
  }
  return bytes;
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
  let blobs: BlobMarks | undefined;
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
    blobs ??= new BlobMarks(blobIndexOf(snapshot.layerSizes));
    const sizes = yield* repositorySizeSteps(images, blobs);
    sizesByList.set(images, { layerSizes: snapshot.layerSizes, sizes });
    map.set(id, sizes);
    yield;
  }
  return map;
}
