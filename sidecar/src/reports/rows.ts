import { repositoryCost } from '../cost/cost.js';
import type { PriceTable } from '../cost/pricing.js';
import { daysSince, repositoryPredicate } from '../query/filters.js';
import { repositoryStats } from '../query/columnar/stats.js';
import type { Image, Snapshot } from '../snapshot/model.js';
import { SEVERITIES } from '../snapshot/model.js';

/** The columns users of the ECR CSV report tool (aws-samples cost/vulnerability/usage reporting) expect. */
export const REPOSITORY_REPORT_COLUMNS = [
  'repositoryName',
  'createdAt',
  'scanOnPush',
  'totalImages',
  'totalSize(MB)',
  'monthlyStorageCost(USD)',
  'hasBeenPulled',
  'lastRecordedPullTime',
  'daysSinceLastPull',
  'lifecyclePolicyText',
] as const;

export const IMAGE_REPORT_COLUMNS = [
  'repositoryName',
  'imageTags',
  'imagePushedAt',
  'imageSize(MB)',
  'imageScanStatus',
  'imageScanCompletedAt',
  'findingSeverityCounts',
  'lastRecordedPullTime',
  'daysSinceLastPull',
] as const;

export type ReportCell = string | number | boolean | null;
export type RepositoryReportRow = Record<(typeof REPOSITORY_REPORT_COLUMNS)[number], ReportCell>;
export type ImageReportRow = Record<(typeof IMAGE_REPORT_COLUMNS)[number], ReportCell>;

export interface ReportScope {
  readonly registry?: readonly string[];
  readonly region?: readonly string[];
  /** Repository name globs. */
  readonly repository?: readonly string[];
}

export interface ReportOptions {
  readonly now: number;
  readonly prices: PriceTable;
  readonly scope?: ReportScope;
}

const iso = (t: number | null | undefined): string | null => (t === null || t === undefined ? null : new Date(t).toISOString());
/** MB as the report tool has it: 10^6 bytes, one decimal; empty when the size is unknown. */
const megabytes = (bytes: number | undefined): number | null => (bytes === undefined ? null : Math.round(bytes / 1e5) / 10);

/**
 * One row per repository. totalSize(MB) is the summed size (Σ imageSizeInBytes / 10^6, as the report
 * tool computes it), empty when ECR did not report the size of one of its images (a partial sum would pass
 * for the total); monthlyStorageCost(USD) is billed from the deduplicated size (1 GB = 1024^3 bytes),
 * so the two do not divide into the price. Times are ISO-8601 UTC; missing values are empty, never 0 or -1.
 */
export function repositoryReportRows(snapshot: Snapshot, options: ReportOptions): RepositoryReportRow[] {
  const keep = repositoryPredicate(options.scope ?? {});
  const stats = repositoryStats(snapshot);
  return snapshot.repositories.filter(keep).map((repository) => {
    const s = stats.get(repository.id)!;
    const cost = repositoryCost(snapshot, repository.id, options.prices);
    return {
      repositoryName: repository.name,
      createdAt: iso(repository.createdAt),
      scanOnPush: repository.scanOnPush,
      totalImages: s.imageCount,
      'totalSize(MB)': megabytes(cost.imagesWithoutSize > 0 ? undefined : cost.summedSizeBytes),
      'monthlyStorageCost(USD)': Math.round(cost.monthlyCostUsd * 1e4) / 1e4,
      hasBeenPulled: s.lastPulledAt !== null,
      lastRecordedPullTime: iso(s.lastPulledAt),
      daysSinceLastPull: daysSince(options.now, s.lastPulledAt ?? undefined),
      lifecyclePolicyText: repository.lifecyclePolicyText ?? null,
    };
  });
}

/** ECR's findingSeverityCounts: the severities present, as JSON; `{}` for a clean scan; empty when unknown. */
function severityCounts(image: Image): string | null {
  const counts = image.scan.counts;
  if (!counts) return null;
  return JSON.stringify(Object.fromEntries(SEVERITIES.filter((s) => counts[s] > 0).map((s) => [s, counts[s]])));
}

/** One row per image (every manifest, as DescribeImages lists them). imageScanStatus is ECR's status, else our scan state. */
export function imageReportRows(snapshot: Snapshot, options: ReportOptions): ImageReportRow[] {
  return [...iterateImageReportRows(snapshot, options)];
}

/** The rows of imageReportRows, one at a time (for streaming a million images). */
export function* iterateImageReportRows(snapshot: Snapshot, options: ReportOptions): Generator<ImageReportRow, void, undefined> {
  const keep = repositoryPredicate(options.scope ?? {});
  for (const repository of snapshot.repositories) {
    if (!keep(repository)) continue;
    for (const image of snapshot.imagesByRepository.get(repository.id) ?? []) {
      yield {
        repositoryName: repository.name,
        imageTags: image.tags.length > 0 ? image.tags.join(',') : null,
        imagePushedAt: iso(image.pushedAt),
        'imageSize(MB)': megabytes(image.sizeBytes),
        imageScanStatus: image.scan.status ?? image.scan.state.toUpperCase(),
        imageScanCompletedAt: iso(image.scan.completedAt),
        findingSeverityCounts: severityCounts(image),
        lastRecordedPullTime: iso(image.lastPulledAt),
        daysSinceLastPull: daysSince(options.now, image.lastPulledAt),
      };
    }
  }
}
