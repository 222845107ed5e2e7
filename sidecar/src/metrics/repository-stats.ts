import type { Image, ImageKind, Repository, ScanState, Severity, Snapshot } from '../snapshot/model.js';
import { IMAGE_KINDS, SCAN_STATES, SEVERITIES } from '../snapshot/model.js';
import { derivedOf, slot } from '../snapshot/derived.js';
import { digestsByRepository, lastUses } from '../snapshot/last-used.js';
import { isUnscanned } from '../snapshot/unscanned.js';

/** The repository tag that overrides the storage alert threshold for one repository. */
export const STORAGE_THRESHOLD_TAG = 'ecrlens:storage-threshold-bytes';

/** Uses that mean "running now": a task that runs, a service whose deployment runs it, a Lambda function, a pod. */
const RUNNING_USES = new Set(['running-task', 'service', 'lambda-function', 'pod']);

/** Incomplete scopes after which an empty image list means "unknown", not "no images". */
const IMAGE_SCOPES = new Set(['images', 'repository']);

export interface RepositoryStats {
  readonly repository: Repository;
  /** False when the repository's images could not be read and none are known: its image series are left out. */
  readonly imagesKnown: boolean;
  readonly imageCount: number;
  /** Over the images whose size ECR reported; absent when there is none. */
  readonly sizeMinBytes?: number;
  readonly sizeMaxBytes?: number;
  readonly sizeAvgBytes?: number;
  readonly latestPushAt?: number;
  readonly latestPullAt?: number;
  /** Image counts by kind and tagged state; only non-zero combinations. */
  readonly byKind: readonly { kind: ImageKind; tagged: boolean; count: number }[];
  /** Findings summed over the images whose counts are known. */
  readonly findings: Readonly<Record<Severity, number>>;
  readonly byScanState: Readonly<Record<ScanState, number>>;
  /** Images whose finding counts are unknown (not scanned, pending, failed, ...), as snapshot/unscanned.ts defines them. */
  readonly unscannedImages: number;
  /** Images running now (task, service, Lambda function, pod) with CRITICAL findings (own or, for an index, a child's). */
  readonly criticalImagesInUse: number;
  /** The most recent use of any of its images, current or remembered (epoch ms); absent when never seen used. */
  readonly lastUsedAt?: number;
  /** From the `ecrlens:storage-threshold-bytes` tag, when it holds a non-negative number. */
  readonly storageThresholdBytes?: number;
  /** Incomplete entries that concern the repository (its own and its registry's). */
  readonly incompleteEntries: number;
}

const zeroRecord = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;

export function parseStorageThreshold(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+(\.\d+)?([eE]\d+)?\s*$/.test(value)) return undefined;
  const bytes = Number(value);
  return Number.isFinite(bytes) ? bytes : undefined;
}

const RUNNING_NOW = slot<ReadonlyMap<string, ReadonlySet<string>>>('running now');

/**
 * The digests running now, by repository id, once per snapshot. Current uses only: a use the ledger merely
 * remembers is not running now.
 */
function runningNow(snapshot: Snapshot): ReadonlyMap<string, ReadonlySet<string>> {
  return derivedOf(snapshot).get(RUNNING_NOW, undefined, () => digestsByRepository(snapshot.usesByImage, (uses) => uses.some((use) => RUNNING_USES.has(use.kind))));
}

function hasCritical(image: Image, byDigest: () => ReadonlyMap<string, Image>): boolean {
  if ((image.scan.counts?.CRITICAL ?? 0) > 0) return true;
  return (
    image.children.length > 0 && image.children.some((child) => (byDigest().get(child)?.scan.counts?.CRITICAL ?? 0) > 0)
  );
}

/**
 * Per-repository figures for the metric families. Pure. What follows from the image list alone is counted in one pass
 * per list (listFigures); uses, tags and incomplete entries are read per snapshot.
 */
export function repositoryStats(snapshot: Snapshot, repository: Repository): RepositoryStats {
  const images = snapshot.imagesByRepository.get(repository.id) ?? NO_IMAGES;
  const running = runningNow(snapshot).get(repository.id);
  const incomplete = snapshot.incompleteByRepository.get(repository.id) ?? [];
  const imagesKnown = images.length > 0 || !incomplete.some((entry) => IMAGE_SCOPES.has(entry.scope));
  let criticalInUse = 0;
  if (running?.size) {
    let digests: Map<string, Image> | undefined;
    const byDigest = (): ReadonlyMap<string, Image> => (digests ??= new Map(images.map((image) => [image.digest, image])));
    for (const image of images) if (running.has(image.digest) && hasCritical(image, byDigest)) criticalInUse += 1;
  }
  const threshold = parseStorageThreshold(repository.tags[STORAGE_THRESHOLD_TAG]);
  let lastUsedAt: number | undefined;
  for (const last of lastUses(snapshot).get(repository.id)?.values() ?? []) lastUsedAt = Math.max(lastUsedAt ?? -Infinity, last.at);
  const figures = listFigures(images);
  return {
    repository,
    imagesKnown,
    imageCount: images.length,
    ...figures.sizes,
    byKind: figures.byKind,
    findings: figures.findings,
    byScanState: figures.byScanState,
    unscannedImages: figures.unscannedImages,
    criticalImagesInUse: criticalInUse,
    ...(lastUsedAt !== undefined ? { lastUsedAt } : {}),
    ...(threshold !== undefined ? { storageThresholdBytes: threshold } : {}),
    incompleteEntries: incomplete.length,
  };
}

const NO_IMAGES: readonly Image[] = Object.freeze([]);

/** What a repository's figures owe to its image list alone. */
interface ListFigures {
  readonly sizes: Pick<RepositoryStats, 'sizeMinBytes' | 'sizeMaxBytes' | 'sizeAvgBytes' | 'latestPushAt' | 'latestPullAt'>;
  readonly byKind: RepositoryStats['byKind'];
  readonly findings: RepositoryStats['findings'];
  readonly byScanState: RepositoryStats['byScanState'];
  readonly unscannedImages: number;
}

/**
 * By image list: a snapshot keeps the lists of the repositories a refresh did not change (the same frozen arrays), so a
 * push does not count a million images again. Kept as long as the list is.
 */
const figuresByList = new WeakMap<readonly Image[], ListFigures>();

function listFigures(images: readonly Image[]): ListFigures {
  let figures = figuresByList.get(images);
  if (!figures) figuresByList.set(images, (figures = countFigures(images)));
  return figures;
}

/** One pass that fills every figure at once (a pass per figure would walk a million images a dozen times). */
function countFigures(images: readonly Image[]): ListFigures {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sized = 0;
  let latestPushAt: number | undefined;
  let latestPullAt: number | undefined;
  // Counts by kind, [tagged, untagged].
  const kinds = new Map<ImageKind, [number, number]>(IMAGE_KINDS.map((kind) => [kind, [0, 0]]));
  const findings = zeroRecord(SEVERITIES);
  const byScanState = zeroRecord(SCAN_STATES);
  let unscanned = 0;
  for (const image of images) {
    // An unknown size is left out of the aggregates, never taken as 0.
    if (image.sizeBytes !== undefined) {
      min = Math.min(min, image.sizeBytes);
      max = Math.max(max, image.sizeBytes);
      sum += image.sizeBytes;
      sized += 1;
    }
    latestPushAt = Math.max(latestPushAt ?? -Infinity, image.pushedAt);
    if (image.lastPulledAt !== undefined) latestPullAt = Math.max(latestPullAt ?? -Infinity, image.lastPulledAt);
    kinds.get(image.kind)![image.tags.length > 0 ? 0 : 1] += 1;
    byScanState[image.scan.state] += 1;
    const counts = image.scan.counts;
    if (counts) for (const severity of SEVERITIES) findings[severity] += counts[severity];
    if (isUnscanned(image.kind, counts !== undefined)) unscanned += 1;
  }
  const byKind: { kind: ImageKind; tagged: boolean; count: number }[] = [];
  for (const kind of IMAGE_KINDS) {
    const [tagged, untagged] = kinds.get(kind)!;
    if (tagged) byKind.push({ kind, tagged: true, count: tagged });
    if (untagged) byKind.push({ kind, tagged: false, count: untagged });
  }
  return {
    sizes: {
      ...(sized > 0 ? { sizeMinBytes: min, sizeMaxBytes: max, sizeAvgBytes: sum / sized } : {}),
      ...(latestPushAt !== undefined ? { latestPushAt } : {}),
      ...(latestPullAt !== undefined ? { latestPullAt } : {}),
    },
    byKind,
    findings,
    byScanState,
    unscannedImages: unscanned,
  };
}
