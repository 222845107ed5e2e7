/** Reads a repository's scan findings (DescribeImageScanFindings), from the scan cache while it holds. */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import type { ScanFindingsPages } from '../aws/ecr.js';
import { errorMessage } from '../aws/ecr.js';
import { basicFinding, enhancedFinding } from '../aws/finding-mappers.js';
import type { Finding } from '../snapshot/model.js';
import type { EcrReadContext } from './ecr-context.js';
import type { FetchedScan } from './scans.js';
import { cachedScanValid, compactScan, needsFindingsFetch, severityCounts } from './scans.js';

/**
 * Findings as the snapshot keeps them: every field ECR gave (the findings query shows the description too),
 * with their strings shared, since the same CVEs, descriptions and packages recur across many images.
 */
export function compactFinding(finding: Finding, intern: (s: string) => string): Finding {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(finding)) out[key] = typeof value === 'string' ? intern(value) : value;
  return out as unknown as Finding;
}

/** FetchedScan from DescribeImageScanFindings pages (undefined pages = ScanNotFoundException). */
export function toFetchedScan(pages: ScanFindingsPages | undefined, fetchedAt: number, intern: (s: string) => string = (s) => s): FetchedScan {
  if (!pages) return { notFound: true, findings: [], enhanced: false, fetchedAt };
  const findings: Finding[] = [...pages.findings.map(basicFinding), ...pages.enhancedFindings.map(enhancedFinding)].map((f) => compactFinding(f, intern));
  // Named fields first: a literal that starts with a spread gets a hidden class of its own (docs/architecture.md).
  return {
    findings,
    enhanced: pages.enhancedFindings.length > 0 || pages.status?.status === 'ACTIVE',
    fetchedAt,
    ...(pages.status?.status ? { status: intern(pages.status.status) } : {}),
    ...(pages.status?.description ? { description: intern(pages.status.description) } : {}),
    ...(pages.completedAt ? { completedAt: pages.completedAt.getTime() } : {}),
    ...(pages.vulnerabilitySourceUpdatedAt ? { vulnerabilitySourceUpdatedAt: pages.vulnerabilitySourceUpdatedAt.getTime() } : {}),
    ...(pages.severityCounts ? { counts: severityCounts(pages.severityCounts) } : {}),
  };
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
        const fetched = toFetchedScan(await ctx.ecr.scanFindings(repositoryName, digest), ctx.run.startedAt, intern);
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
