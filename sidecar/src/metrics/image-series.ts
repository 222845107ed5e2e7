import type { Image, Repository, Severity, Snapshot } from '../snapshot/model.js';
import { SEVERITIES } from '../snapshot/model.js';
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
export function* imageTagSeries(snapshot: Snapshot): Generator<ImageTagSeries> {
  for (const repository of snapshot.repositories) {
    for (const image of snapshot.imagesByRepository.get(repository.id) ?? []) {
      if (image.tags.length === 0) continue;
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

/** How many series the per-image families hold for `snapshot`: size + pushed-at per tag, plus the scan and last-used series. */
export function countImageSeries(snapshot: Snapshot): number {
  let count = 0;
  for (const images of snapshot.imagesByRepository.values()) {
    for (const image of images) {
      if (image.tags.length === 0) continue;
      const scan = image.scan.counts
        ? nonZeroSeverities(image).length + (image.scan.completedAt !== undefined ? 1 : 0)
        : 0;
      const used = lastUse(snapshot, image) ? 1 : 0;
      count += image.tags.length * (2 + scan + used);
    }
  }
  return count;
}
