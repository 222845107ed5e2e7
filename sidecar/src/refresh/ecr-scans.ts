/** Reads a repository's scan findings (DescribeImageScanFindings), from the scan cache while it holds. */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import type { ScanFindingsPages } from '../aws/ecr.js';
import { errorMessage } from '../aws/ecr.js';
import { basicFinding, enhancedFinding } from '../aws/finding-mappers.js';
import type { Finding, SeverityCounts } from '../snapshot/model.js';
import type { EcrReadContext } from './ecr-context.js';
import type { FetchedScan } from './scans.js';
import { OMITTED_FINDINGS, cachedScanValid, compactScan, needsFindingsFetch, severityCounts } from './scans.js';

/**
 * Findings as the snapshot keeps them: every field ECR gave (the findings query shows the description too),
 * with their strings shared, since the same CVEs, descriptions and packages recur across many images. One object
 * each: one made field by field from `{}` keeps its fields past the fourth in a second array; a class instance
 * has room for every field its constructor may set.
 */
class FindingRecord implements Finding {
  declare readonly name: string;
  declare readonly severity: Finding['severity'];
  declare readonly description?: string;
  declare readonly uri?: string;
  declare readonly packageName?: string;
  declare readonly packageVersion?: string;
  declare readonly fixedInVersion?: string;
  declare readonly score?: number;
  declare readonly status?: string;
  declare readonly source: Finding['source'];

  constructor(f: Finding, intern: (s: string) => string) {
    this.name = intern(f.name);
    this.severity = f.severity;
    if (f.description !== undefined) this.description = intern(f.description);
    if (f.uri !== undefined) this.uri = intern(f.uri);
    if (f.packageName !== undefined) this.packageName = intern(f.packageName);
    if (f.packageVersion !== undefined) this.packageVersion = intern(f.packageVersion);
    if (f.fixedInVersion !== undefined) this.fixedInVersion = intern(f.fixedInVersion);
    if (f.score !== undefined) this.score = f.score;
    if (f.status !== undefined) this.status = intern(f.status);
    this.source = f.source;
  }
}

// A field added to Finding and not copied above fails to compile here.
type CopiedFindingFields = 'name' | 'severity' | 'description' | 'uri' | 'packageName' | 'packageVersion' | 'fixedInVersion' | 'score' | 'status' | 'source';
export const EVERY_FINDING_FIELD_COPIED: [Exclude<keyof Finding, CopiedFindingFields>] extends [never] ? true : never = true;

export const compactFinding = (finding: Finding, intern: (s: string) => string): Finding => new FindingRecord(finding, intern);

/**
 * FetchedScan from DescribeImageScanFindings pages (undefined pages = ScanNotFoundException). Findings that the
 * snapshot's budget (`budgetLeft`, what it may still take) cannot take are only counted, not made into records:
 * at 1,000,000 images almost all of a first refresh's findings. Pages read for their counts only make none.
 */
export function toFetchedScan(
  pages: ScanFindingsPages | undefined,
  fetchedAt: number,
  intern: (s: string) => string = (s) => s,
  budgetLeft = Number.POSITIVE_INFINITY,
): FetchedScan {
  if (!pages) return { notFound: true, findings: [], enhanced: false, fetchedAt };
  const listed = pages.findings.length + pages.enhancedFindings.length;
  const omitted = pages.countsOnly === true || listed > budgetLeft;
  const findings: readonly Finding[] = omitted
    ? OMITTED_FINDINGS
    : [...pages.findings.map(basicFinding), ...pages.enhancedFindings.map(enhancedFinding)].map((f) => compactFinding(f, intern));
  // ECR's own counts when it gives them; else, for omitted findings, the counts their records would give.
  const counts = pages.severityCounts ? severityCounts(pages.severityCounts) : omitted ? countListed(pages) : undefined;
  return {
    findings,
    enhanced: pages.enhancedFindings.length > 0 || pages.status?.status === 'ACTIVE',
    fetchedAt,
    ...(pages.status?.status ? { status: intern(pages.status.status) } : {}),
    ...(pages.status?.description ? { description: intern(pages.status.description) } : {}),
    ...(pages.completedAt ? { completedAt: pages.completedAt.getTime() } : {}),
    ...(pages.vulnerabilitySourceUpdatedAt ? { vulnerabilitySourceUpdatedAt: pages.vulnerabilitySourceUpdatedAt.getTime() } : {}),
    ...(counts ? { counts } : {}),
  };
}

/** What countFindings gives for the pages' findings made into records, without making them (their severities as the mappers read them). */
function countListed(pages: ScanFindingsPages): SeverityCounts {
  // No prototype: a severity ECR spells `__proto__` is a key like any other.
  const bySeverity = Object.create(null) as Record<string, number>;
  for (const list of [pages.findings, pages.enhancedFindings])
    for (const { severity = '' } of list) bySeverity[severity] = (bySeverity[severity] ?? 0) + 1;
  return severityCounts(bySeverity);
}

/**
 * Scans by canonical digest: cached while ECR's change signal (or the maximum age) allows, else fetched.
 * Fetched ones carry their findings (for the snapshot's bounded share); the cache keeps counts only.
 */
export async function readScans(
  ctx: EcrReadContext,
  id: string,
  repositoryName: string,
  details: readonly ImageDetail[],
  repositoryScanned: boolean,
  canonical: (digest: string) => string,
  intern: (s: string) => string,
  onError: (error: unknown) => void,
  /** Cached scans of the repository's other images (matched unchanged), kept in its cache as they are. */
  kept: ReadonlyMap<string, FetchedScan> = new Map(),
): Promise<{ scans: Map<string, FetchedScan>; fresh: Set<string> }> {
  const out = new Map<string, FetchedScan>();
  const fresh = new Set<string>();
  const cache = ctx.caches.scans.get(id);
  const next = new Map<string, FetchedScan>(kept);
  const errors: string[] = [];
  await Promise.all(
    details.map(async (detail) => {
      if (!detail.imageDigest || !needsFindingsFetch(detail, repositoryScanned)) return;
      const digest = canonical(detail.imageDigest);
      const cached = cache?.get(digest);
      if (cached && cachedScanValid(cached, detail, ctx.run.startedAt, ctx.scanMaxAgeMs)) {
        next.set(digest, cached);
        out.set(digest, cached);
        return;
      }
      try {
        // Once the snapshot can take no more findings lists, ECR's counts are all a scan is read for.
        const pages = await ctx.ecr.scanFindings(repositoryName, digest, ctx.run.findingsBudget.left === 0);
        const fetched = toFetchedScan(pages, ctx.run.startedAt, intern, ctx.run.findingsBudget.left);
        next.set(digest, compactScan(fetched, ctx.caches.counts));
        out.set(digest, fetched);
        fresh.add(digest);
      } catch (error) {
        errors.push(`${digest}: ${errorMessage(error)}`);
        // Older counts beat none; the incomplete entry says they may be stale.
        if (cached) {
          next.set(digest, cached);
          out.set(digest, cached);
        }
      }
    }),
  );
  // The repository's entries are replaced as a whole: what this refresh did not see is dropped with the old map.
  ctx.run.seen.scans.add(id);
  if (next.size > 0) ctx.caches.scans.set(id, next);
  else ctx.caches.scans.delete(id);
  if (errors.length > 0) onError(`${errors.length} image(s) unread; first: ${errors[0]}`);
  return { scans: out, fresh };
}
