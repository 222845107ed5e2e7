/** An image's scan as the model keeps it: the explicit state, counts only when known, and when to fetch findings again. */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { normalizeSeverity } from '../aws/finding-mappers.js';
import type { Finding, ScanResult, ScanState, Severity, SeverityCounts } from '../snapshot/model.js';
import { SEVERITIES, severityCountsKey } from '../snapshot/model.js';

const ZERO_COUNTS: SeverityCounts = Object.freeze(Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>);

/** ECR's per-severity counts with every severity present; unknown keys (e.g. UNTRIAGED) count as UNDEFINED. */
export function severityCounts(raw: Readonly<Record<string, number | undefined>> | undefined): SeverityCounts {
  const counts: Record<Severity, number> = { ...ZERO_COUNTS };
  // for…in rather than Object.entries: a refresh reads a million of these, and each pair would be an array.
  for (const key in raw) {
    if (!Object.hasOwn(raw, key)) continue;
    const value = raw[key];
    if (typeof value === 'number') counts[normalizeSeverity(key)] += value;
  }
  return Object.freeze(counts);
}

const NOT_SCANNED: ScanResult = Object.freeze({ state: 'not_scanned' });

/**
 * One frozen object per distinct count set: most images share a handful (all zero, a few findings). The
 * refresher owns one (its caches keep compact scans across refreshes); bounded, it starts afresh when full.
 */
export class SharedCounts {
  private readonly byKey = new Map<string, SeverityCounts>();

  share(counts: SeverityCounts): SeverityCounts {
    const key = severityCountsKey(counts);
    let shared = this.byKey.get(key);
    if (!shared) {
      if (this.byKey.size > 100_000) this.byKey.clear();
      this.byKey.set(key, (shared = Object.isFrozen(counts) ? counts : Object.freeze({ ...counts })));
    }
    return shared;
  }
}
/** Without a SharedCounts: each count set is kept as it is, frozen. */
const frozen = (counts: SeverityCounts): SeverityCounts => (Object.isFrozen(counts) ? counts : Object.freeze({ ...counts }));

export function countFindings(findings: readonly Finding[]): SeverityCounts {
  const counts: Record<Severity, number> = { ...ZERO_COUNTS };
  for (const f of findings) counts[f.severity] += 1;
  return Object.freeze(counts);
}

/** ECR scan status -> explicit state. Undefined status: not scanned (unless findings say otherwise). */
export function scanState(status: string | undefined): ScanState {
  switch (status) {
    case 'COMPLETE':
      return 'complete';
    case 'ACTIVE':
      return 'active';
    case 'PENDING':
    case 'IN_PROGRESS':
      return 'pending';
    case 'FAILED':
    case 'FINDINGS_UNAVAILABLE':
    case 'LIMIT_EXCEEDED':
      return 'failed';
    case 'UNSUPPORTED_IMAGE':
      return 'unsupported';
    default:
      // undefined, SCAN_ELIGIBILITY_EXPIRED, IMAGE_ARCHIVED: no current scan.
      return 'not_scanned';
  }
}

/** Findings fetched with DescribeImageScanFindings (all pages), or the fact that ECR has no scan. */
export interface FetchedScan {
  /** ScanNotFoundException: the image has no scan. */
  readonly notFound?: boolean;
  readonly status?: string;
  readonly description?: string;
  readonly completedAt?: number;
  readonly vulnerabilitySourceUpdatedAt?: number;
  /** The response's own counts when given. */
  readonly counts?: SeverityCounts;
  /** OMITTED_FINDINGS when they were not made (the snapshot could not take them); `counts` then says what they hold. */
  readonly findings: readonly Finding[];
  readonly enhanced: boolean;
  /** When it was fetched (epoch ms), for the cache's maximum age. */
  readonly fetchedAt: number;
}

/**
 * A fetched scan as the refresh cache keeps it: its counts and timestamps, not its findings (the re-fetch
 * decision needs only those; the findings query fetches lists on demand). scanResult gives the same result.
 */
export function compactScan(fetched: FetchedScan, shared?: SharedCounts): FetchedScan {
  if (fetched.findings === EMPTY_FINDINGS) return fetched;
  const counts = fetched.counts ?? (fetched.findings.length > 0 ? countFindings(fetched.findings) : undefined);
  return new CachedScan(fetched, counts && (shared ? shared.share(counts) : frozen(counts)));
}
const EMPTY_FINDINGS: readonly Finding[] = Object.freeze([]);

/**
 * The findings of a fetched scan that were not made into records: when it was fetched, the snapshot's findings
 * budget could not take them, and it only shrinks within a refresh, so it would not have taken them later either.
 */
export const OMITTED_FINDINGS: readonly Finding[] = Object.freeze([]);

/** A freshly fetched scan's findings for the snapshot; undefined when they were not made (OMITTED_FINDINGS). */
export const madeFindings = (fetched: FetchedScan): readonly Finding[] | undefined =>
  fetched.findings === OMITTED_FINDINGS ? undefined : fetched.findings;

/**
 * A cached scan as one object, without its findings: a copy made with Object.assign gets room for four fields and
 * keeps the rest in a second array (one more object per cached scan); a class instance gets room for every field
 * its constructor may set. The fetched scan's own fields, its findings list emptied, in toFetchedScan's order.
 */
class CachedScan implements FetchedScan {
  declare readonly notFound?: boolean;
  declare readonly findings: readonly Finding[];
  declare readonly enhanced: boolean;
  declare readonly fetchedAt: number;
  declare readonly status?: string;
  declare readonly description?: string;
  declare readonly completedAt?: number;
  declare readonly vulnerabilitySourceUpdatedAt?: number;
  declare readonly counts?: SeverityCounts;

  constructor(fetched: FetchedScan, counts: SeverityCounts | undefined) {
    if (fetched.notFound !== undefined) this.notFound = fetched.notFound;
    this.findings = EMPTY_FINDINGS;
    this.enhanced = fetched.enhanced;
    this.fetchedAt = fetched.fetchedAt;
    if (fetched.status !== undefined) this.status = fetched.status;
    if (fetched.description !== undefined) this.description = fetched.description;
    if (fetched.completedAt !== undefined) this.completedAt = fetched.completedAt;
    if (fetched.vulnerabilitySourceUpdatedAt !== undefined) this.vulnerabilitySourceUpdatedAt = fetched.vulnerabilitySourceUpdatedAt;
    if (counts !== undefined) this.counts = counts;
    Object.freeze(this);
  }
}

// A field added to FetchedScan and not copied above fails to compile here.
type CopiedScanFields = 'notFound' | 'findings' | 'enhanced' | 'fetchedAt' | 'status' | 'description' | 'completedAt' | 'vulnerabilitySourceUpdatedAt' | 'counts';
export const EVERY_SCAN_FIELD_COPIED: [Exclude<keyof FetchedScan, CopiedScanFields>] extends [never] ? true : never = true;

export interface ScanInput {
  readonly detail: Pick<ImageDetail, 'imageScanStatus' | 'imageScanFindingsSummary'>;
  readonly fetched?: FetchedScan;
  readonly registryScanType: 'BASIC' | 'ENHANCED';
}

/** Where a scan result's counts come from, decided before any object is made. */
const enum CountsFrom {
  None,
  /** The fetched scan's own counts. */
  Fetched,
  /** Counted from the fetched findings. */
  Findings,
  /** DescribeImages' summary of a completed basic scan. */
  Summary,
}

/** What scanResult decides from its input: every field of the result, and where its counts come from. */
interface ScanFacts {
  state: ScanState;
  status: string | undefined;
  description: string | undefined;
  scanType: 'BASIC' | 'ENHANCED' | undefined;
  completedAt: number | undefined;
  vulnerabilitySourceUpdatedAt: number | undefined;
  countsFrom: CountsFrom;
}

/** scanResult's and sameScanResult's decision, made into one reused object: a refresh decides a million of them. */
function decideScan({ detail, fetched, registryScanType }: ScanInput, into: ScanFacts): ScanFacts {
  const summary = detail.imageScanFindingsSummary;
  const useFetched = !!fetched && !fetched.notFound;
  const status = (useFetched ? fetched.status : undefined) ?? detail.imageScanStatus?.status;
  const description = (useFetched ? fetched.description : undefined) ?? detail.imageScanStatus?.description;
  let state = scanState(status);
  // The newer basic scanner reports no status in DescribeImages; findings fetched without a status mean a scan exists.
  if (!status && useFetched && (fetched.completedAt !== undefined || fetched.findings.length > 0 || fetched.counts)) state = 'complete';
  const counted = state === 'complete' || state === 'active';

  let countsFrom = CountsFrom.None;
  let completedAt: number | undefined;
  let vulnerabilitySourceUpdatedAt: number | undefined;
  if (useFetched) {
    completedAt = fetched.completedAt;
    vulnerabilitySourceUpdatedAt = fetched.vulnerabilitySourceUpdatedAt;
    if (counted) countsFrom = fetched.counts ? CountsFrom.Fetched : CountsFrom.Findings;
  }
  if (countsFrom === CountsFrom.None && summary?.imageScanCompletedAt && counted) {
    countsFrom = CountsFrom.Summary;
    completedAt = summary.imageScanCompletedAt.getTime();
    vulnerabilitySourceUpdatedAt = summary.vulnerabilitySourceUpdatedAt?.getTime();
  }
  into.state = state;
  into.status = status || undefined;
  into.description = description || undefined;
  into.scanType = state === 'not_scanned' ? undefined : status === 'ACTIVE' || (useFetched && fetched.enhanced) ? 'ENHANCED' : registryScanType;
  into.completedAt = completedAt;
  into.vulnerabilitySourceUpdatedAt = vulnerabilitySourceUpdatedAt;
  into.countsFrom = countsFrom;
  return into;
}

// Read at once by each caller (nothing between its decision and that read decides again).
const FACTS: ScanFacts = {
  state: 'not_scanned',
  status: undefined,
  description: undefined,
  scanType: undefined,
  completedAt: undefined,
  vulnerabilitySourceUpdatedAt: undefined,
  countsFrom: CountsFrom.None,
};

/** Per-severity counts in SEVERITIES order, counted without making an object (sameScanResult's). */
const COUNTED = new Float64Array(SEVERITIES.length);
function countInto(input: ScanInput, from: CountsFrom): Float64Array {
  COUNTED.fill(0);
  if (from === CountsFrom.Fetched) for (let i = 0; i < SEVERITIES.length; i++) COUNTED[i] = input.fetched!.counts![SEVERITIES[i]!];
  else if (from === CountsFrom.Findings) for (const f of input.fetched!.findings) COUNTED[SEVERITIES.indexOf(f.severity)]! += 1;
  else {
    const raw: Readonly<Record<string, number | undefined>> | undefined = input.detail.imageScanFindingsSummary!.findingSeverityCounts;
    // As severityCounts adds them up.
    for (const key in raw) {
      if (!Object.hasOwn(raw, key)) continue;
      const value = raw[key];
      if (typeof value === 'number') COUNTED[SEVERITIES.indexOf(normalizeSeverity(key))]! += value;
    }
  }
  return COUNTED;
}

/**
 * True when scanResult would give a result that sameScan finds equal to `scan`, without making it: a steady refresh
 * checks each unchanged image's scan, and a result made only to be compared and dropped was a million objects (the
 * collector's allocation sites learn, from the first refresh, to make them in the old generation).
 */
export function sameScanResult(input: ScanInput, scan: ScanResult): boolean {
  const f = decideScan(input, FACTS);
  // scanResult's NOT_SCANNED: a state and nothing else.
  const notScanned = f.state === 'not_scanned' && !f.status && !f.description && f.completedAt === undefined;
  if (
    f.state !== scan.state ||
    f.status !== scan.status ||
    f.description !== scan.description ||
    f.scanType !== scan.scanType ||
    f.completedAt !== scan.completedAt ||
    (notScanned ? undefined : f.vulnerabilitySourceUpdatedAt) !== scan.vulnerabilitySourceUpdatedAt
  )
    return false;
  if (f.countsFrom === CountsFrom.None || !scan.counts) return f.countsFrom === CountsFrom.None && !scan.counts;
  const counted = countInto(input, f.countsFrom);
  for (let i = 0; i < SEVERITIES.length; i++) if (counted[i] !== scan.counts[SEVERITIES[i]!]) return false;
  return true;
}

/**
 * The explicit scan state of an image. Counts are present only when known: from DescribeImages' summary
 * (a completed basic scan), or from fetched findings. Missing data never becomes zero counts.
 */
export function scanResult(input: ScanInput, intern: (s: string) => string = (s) => s, shared?: SharedCounts): ScanResult {
  const { state, status, description, scanType, completedAt, vulnerabilitySourceUpdatedAt, countsFrom } = decideScan(input, FACTS);
  if (state === 'not_scanned' && !status && !description && completedAt === undefined) return NOT_SCANNED;
  let counts: SeverityCounts | undefined =
    countsFrom === CountsFrom.Fetched
      ? input.fetched!.counts
      : countsFrom === CountsFrom.Findings
        ? countFindings(input.fetched!.findings)
        : countsFrom === CountsFrom.Summary
          ? severityCounts(input.detail.imageScanFindingsSummary!.findingSeverityCounts)
          : undefined;
  if (counts) counts = shared ? shared.share(counts) : frozen(counts);
  // A scanned image's usual result as one literal: built field by field, its fields past the first spill into a
  // second object (32 bytes more per image, measured; a million objects more for the collector to mark).
  if (status && scanType && completedAt !== undefined && counts) {
    const known = intern(status);
    if (!description) {
      return vulnerabilitySourceUpdatedAt === undefined
        ? { state, status: known, scanType, completedAt, counts }
        : { state, status: known, scanType, completedAt, vulnerabilitySourceUpdatedAt, counts };
    }
    const said = intern(description);
    return vulnerabilitySourceUpdatedAt === undefined
      ? { state, status: known, description: said, scanType, completedAt, counts }
      : { state, status: known, description: said, scanType, completedAt, vulnerabilitySourceUpdatedAt, counts };
  }
  // Otherwise field by field rather than spreads of one-field objects: a refresh makes a million of these.
  const result: { -readonly [K in keyof ScanResult]: ScanResult[K] } = { state };
  if (status) result.status = intern(status);
  if (description) result.description = intern(description);
  if (scanType) result.scanType = scanType;
  if (completedAt !== undefined) result.completedAt = completedAt;
  if (vulnerabilitySourceUpdatedAt !== undefined) result.vulnerabilitySourceUpdatedAt = vulnerabilitySourceUpdatedAt;
  if (counts) result.counts = counts;
  return result;
}

/**
 * Whether DescribeImageScanFindings is needed for an image: enhanced scanning (status ACTIVE, no summary in
 * DescribeImages) and the newer basic scanner (no status, no summary) when the repository is scanned at all.
 */
export function needsFindingsFetch(detail: Pick<ImageDetail, 'imageScanStatus' | 'imageScanFindingsSummary' | 'imageStatus'>, repositoryScanned: boolean): boolean {
  if (detail.imageStatus === 'ARCHIVED') return false;
  const status = detail.imageScanStatus?.status;
  if (status === 'ACTIVE') return true;
  if (status === 'COMPLETE' && !detail.imageScanFindingsSummary?.imageScanCompletedAt) return true;
  return !status && !detail.imageScanFindingsSummary && repositoryScanned;
}

/** True when cached findings are still good for an image, given what DescribeImages says now. */
export function cachedScanValid(cached: FetchedScan, detail: Pick<ImageDetail, 'imageScanFindingsSummary' | 'imageScanStatus'>, now: number, maxAgeMs: number): boolean {
  const summary = detail.imageScanFindingsSummary;
  if (summary?.imageScanCompletedAt) {
    // A change signal exists: use it, no age limit.
    return (
      summary.imageScanCompletedAt.getTime() === cached.completedAt &&
      summary.vulnerabilitySourceUpdatedAt?.getTime() === cached.vulnerabilitySourceUpdatedAt
    );
  }
  if (!cached.notFound && detail.imageScanStatus?.status && cached.status && detail.imageScanStatus.status !== cached.status) return false;
  return now - cached.fetchedAt < maxAgeMs;
}
