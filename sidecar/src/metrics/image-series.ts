import { runNow } from '../cooperative.js';
import type { Steps } from '../cooperative.js';
import type { Image, Repository, Severity, Snapshot } from '../snapshot/model.js';
import { imageKey, SEVERITIES } from '../snapshot/model.js';
import { lastUse } from '../snapshot/last-used.js';

/** The labels of the Python exporter's per-image families. `image` is `repositoryUri:tag`, as kube_pod_container_info has it. */
export interface ImageTagLabels {
  readonly name: string;
  readonly tag: string;
  readonly digest: string;
  readonly registry_id: string;
  readonly image: string;
}

export interface ImageTagSeries {
  readonly labels: ImageTagLabels;
  readonly image: Image;
  /** Non-zero severities, only when the scan counts are known (never zero-filled). */
  readonly severities: readonly (readonly [Severity, number])[];
  /** Scan completion time, only when the counts are known. */
  readonly scanCompletedAt?: number;
  /** Last use (snapshot/last-used.ts), only when the image was ever seen used. */
  readonly lastUsedAt?: number;
}

function nonZeroSeverities(image: Image): readonly (readonly [Severity, number])[] {
  const counts = image.scan.counts;
  if (!counts) return [];
  return SEVERITIES.filter((severity) => counts[severity] > 0).map((severity) => [severity, counts[severity]] as const);
}

/**
 * One entry per (tagged image, tag): every tag of an image gets all the per-image series, scan series
 * included (the Python exporter gave the scan series to the last tag only). Untagged images are left out, as there.
 */
export function* imageTagSeries(snapshot: Snapshot, keep?: ReadonlySet<Image>): Generator<ImageTagSeries> {
  for (const repository of snapshot.repositories) {
    for (const image of snapshot.imagesByRepository.get(repository.id) ?? []) {
      if (image.tags.length === 0 || (keep && !keep.has(image))) continue;
      const severities = nonZeroSeverities(image);
      const scanCompletedAt = image.scan.counts ? image.scan.completedAt : undefined;
      const lastUsedAt = lastUse(snapshot, image)?.at;
      for (const tag of image.tags) {
        yield {
          labels: labelsFor(repository, image, tag),
          image,
          severities,
          ...(scanCompletedAt !== undefined ? { scanCompletedAt } : {}),
          ...(lastUsedAt !== undefined ? { lastUsedAt } : {}),
        };
      }
    }
  }
}

const labelsFor = (repository: Repository, image: Image, tag: string): ImageTagLabels => ({
  name: repository.name,
  tag,
  digest: image.digest,
  registry_id: repository.accountId,
  image: `${repository.uri}:${tag}`,
});

/** The series one tagged image holds: size + pushed-at per tag, plus its scan and last-used series. */
export function seriesOf(snapshot: Snapshot, image: Image): number {
  if (image.tags.length === 0) return 0;
  const scan = image.scan.counts ? nonZeroSeverities(image).length + (image.scan.completedAt !== undefined ? 1 : 0) : 0;
  const used = lastUse(snapshot, image) ? 1 : 0;
  return image.tags.length * (2 + scan + used);
}

/** How many series the per-image families hold for `snapshot`, a repository per step. */
export function* countImageSeriesSteps(snapshot: Snapshot): Steps<number> {
  let count = 0;
  for (const images of snapshot.imagesByRepository.values()) {
    for (const image of images) count += seriesOf(snapshot, image);
    yield;
  }
  return count;
}

export const countImageSeries = (snapshot: Snapshot): number => runNow(countImageSeriesSteps(snapshot));

/** Which images keep their per-image series under the cap, and how many series are left out. */
export interface ImageSeriesSelection {
  /** Series the per-image families would have without a cap. */
  readonly total: number;
  /** Undefined: every image. */
  readonly keep?: ReadonlySet<Image>;
  readonly dropped: number;
}

/**
 * Over the cap, the series degrade rather than disappear: first the images in use now (directly, or as the child of
 * an index in use), so that joins with kube_pod_container_info keep working for running images at any registry size;
 * then each repository's newest tagged images in turn (every repository's newest, then every second newest, ...),
 * each image whole (all its tags), while it fits.
 */
export const selectImageSeries = (snapshot: Snapshot, cap: number): ImageSeriesSelection => runNow(selectImageSeriesSteps(snapshot, cap));

/** selectImageSeries in steps of a repository (or a rank of every repository), so a large registry does not stall the event loop. */
export function* selectImageSeriesSteps(snapshot: Snapshot, cap: number): Steps<ImageSeriesSelection> {
  const total = yield* countImageSeriesSteps(snapshot);
  if (total <= cap) return { total, dropped: 0 };
  const keep = new Set<Image>();
  let kept = 0;
  const take = (image: Image): void => {
    const series = seriesOf(snapshot, image);
    if (series === 0 || keep.has(image) || kept + series > cap) return;
    keep.add(image);
    kept += series;
  };
  const tagged: Image[][] = [];
  let deepest = 0;
  for (const repository of snapshot.repositories) {
    for (const image of inUse(snapshot, repository)) take(image);
    const images = (snapshot.imagesByRepository.get(repository.id) ?? []).filter((i) => i.tags.length > 0);
    tagged.push(images);
    deepest = Math.max(deepest, images.length);
    yield;
  }
  for (let rank = 0; rank < deepest && kept < cap; rank++) {
    for (const images of tagged) if (rank < images.length) take(images[rank]!);
    yield;
  }
  return { total, keep, dropped: total - kept };
}

/** The repository's images used now: those with a use, and the children of an index with one. */
function inUse(snapshot: Snapshot, repository: Repository): Image[] {
  const images = snapshot.imagesByRepository.get(repository.id) ?? [];
  const used = new Set<string>();
  for (const image of images) {
    if (!snapshot.usesByImage.get(imageKey(image))?.length) continue;
    used.add(image.digest);
    for (const child of image.children) used.add(child);
  }
  return used.size === 0 ? [] : images.filter((image) => used.has(image.digest));
}
