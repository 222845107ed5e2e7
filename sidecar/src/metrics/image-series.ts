import { runNow } from '../cooperative.js';
import type { Steps } from '../cooperative.js';
import type { Image, Repository, Severity, Snapshot } from '../snapshot/model.js';
import { SEVERITIES } from '../snapshot/model.js';
import { lastUse, lastUses, usedNow } from '../snapshot/last-used.js';

/** The labels of the Python exporter's per-image families. `image` is `repositoryUri:tag`, as kube_pod_container_info has it. */
// A type literal, not an interface: prom-client's label parameter has an index signature.
export type ImageTagLabels = {
  readonly name: string;
  readonly tag: string;
  readonly digest: string;
  readonly registry_id: string;
  readonly image: string;
};

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
  return seriesIn(lastUses(snapshot).get(image.repositoryId), image);
}

/** seriesOf, given the last uses of the image's repository (lastUses), looked up once per repository. */
function seriesIn(used: ReadonlyMap<string, unknown> | undefined, image: Image): number {
  if (image.tags.length === 0) return 0;
  const counts = image.scan.counts;
  let scan = 0;
  if (counts) {
    for (const severity of SEVERITIES) if (counts[severity] > 0) scan += 1;
    if (image.scan.completedAt !== undefined) scan += 1;
  }
  return image.tags.length * (2 + scan + (used?.has(image.digest) ? 1 : 0));
}

/** How many series the per-image families hold for `snapshot`, a repository per step. */
export function* countImageSeriesSteps(snapshot: Snapshot): Steps<number> {
  const last = lastUses(snapshot);
  let count = 0;
  for (const [id, images] of snapshot.imagesByRepository) {
    const used = last.get(id);
    for (const image of images) count += seriesIn(used, image);
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
  const last = lastUses(snapshot);
  // Each repository's tagged images (positions in its list, newest first) and their series, counted once.
  const tagged: { readonly images: readonly Image[]; readonly at: Int32Array; readonly series: Int32Array }[] = [];
  let total = 0;
  for (const repository of snapshot.repositories) {
    const images = snapshot.imagesByRepository.get(repository.id) ?? [];
    const used = last.get(repository.id);
    const series = new Int32Array(images.length);
    let count = 0;
    for (let i = 0; i < images.length; i++) {
      series[i] = seriesIn(used, images[i]!);
      if (series[i]! > 0) count += 1;
      total += series[i]!;
    }
    const at = new Int32Array(count);
    for (let i = 0, k = 0; i < images.length; i++) if (series[i]! > 0) at[k++] = i;
    tagged.push({ images, at, series });
    yield;
  }
  if (total <= cap) return { total, dropped: 0 };
  const keep = new Set<Image>();
  let kept = 0;
  // A kept image's series become 0 in its repository's list: it is not taken twice.
  const take = (images: readonly Image[], series: Int32Array, i: number): void => {
    if (series[i] === 0 || kept + series[i]! > cap) return;
    keep.add(images[i]!);
    kept += series[i]!;
    series[i] = 0;
  };
  const now = usedNow(snapshot);
  for (let r = 0; r < snapshot.repositories.length; r++) {
    const { images, series } = tagged[r]!;
    for (const i of inUse(images, now.get(snapshot.repositories[r]!.id))) take(images, series, i);
    yield;
  }
  // Every repository's newest, then every second newest, ...: each rank visits only the repositories that reach it.
  let active = tagged.filter((t) => t.at.length > 0);
  // Every tagged image has at least two series: with less room left, nothing more fits.
  for (let rank = 0; active.length > 0 && kept <= cap - 2; rank++) {
    for (const { images, at, series } of active) take(images, series, at[rank]!);
    active = active.filter((t) => t.at.length > rank + 1);
    yield;
  }
  return { total, keep, dropped: total - kept };
}

/** Positions in `images` of the repository's images used now: those with a use (`usedHere`, usedNow's for the repository), and the children of an index with one. */
function inUse(images: readonly Image[], usedHere: ReadonlySet<string> | undefined): number[] {
  if (!usedHere) return [];
  const used = new Set<string>();
  for (const image of images) {
    if (!usedHere.has(image.digest)) continue;
    used.add(image.digest);
    for (const child of image.children) used.add(child);
  }
  const at: number[] = [];
  for (let i = 0; i < images.length; i++) if (used.has(images[i]!.digest)) at.push(i);
  return at;
}
