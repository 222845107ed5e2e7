/** ECR's scan results: the summaries DescribeImages shows, and DescribeImageScanFindings. */
import { createHash } from 'node:crypto';
import { AwsError } from './errors.js';
import type { FixtureEnhancedFinding, FixtureScan } from './fixture.js';
import { pageOf, parseInput } from './request.js';
import type { ImageRecord, RepositoryState } from './store.js';
import type { Handler } from './ecr-shared.js';
import {
  findImage,
  imageNotFound,
  repositoryOf,
  repoInput,
  imageId,
  maxResults,
  nextToken,
  showId,
} from './ecr-shared.js';

const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;

// Scan summaries are computed once per scan object (the generator shares them between images).
const countsCache = new WeakMap<FixtureScan, Record<string, number>>();
export function severityCounts(scan: FixtureScan): Record<string, number> {
  let counts = countsCache.get(scan);
  if (!counts) {
    const c: Record<string, number> = {};
    for (const f of scan.findings ?? []) c[f.severity] = (c[f.severity] ?? 0) + 1;
    for (const f of scan.enhancedFindings ?? []) c[f.severity] = (c[f.severity] ?? 0) + 1;
    counts = {};
    for (const s of SEVERITY_ORDER) if (c[s]) counts[s] = c[s];
    countsCache.set(scan, counts);
  }
  return counts;
}

const SCAN_DESCRIPTIONS: Record<string, string> = {
  COMPLETE: 'The scan was completed successfully.',
  ACTIVE: 'Continuous scan is selected for image.',
  IN_PROGRESS: 'The scan is in progress.',
  PENDING: 'The scan is pending.',
  FAILED: 'The scan failed.',
  UNSUPPORTED_IMAGE: 'UnsupportedImageError: The operating system and/or package manager are not supported.',
  FINDINGS_UNAVAILABLE: 'Findings are unavailable for this image.',
  SCAN_ELIGIBILITY_EXPIRED: 'The image is no longer eligible for continuous scanning.',
};
export const scanStatus = (scan: FixtureScan): { status: string; description: string } => ({
  status: scan.status,
  description: scan.description ?? SCAN_DESCRIPTIONS[scan.status] ?? scan.status,
});

function enhancedFinding(
  repo: RepositoryState,
  rec: ImageRecord,
  f: FixtureEnhancedFinding,
  i: number,
): Record<string, unknown> {
  const { accountId, region } = repo.registry;
  const id = createHash('sha256').update(`${rec.img.digest}/${i}`).digest('hex').slice(0, 32);
  return {
    awsAccountId: accountId,
    ...(f.description !== undefined ? { description: f.description } : {}),
    findingArn: f.findingArn ?? `arn:aws:inspector2:${region}:${accountId}:finding/${id}`,
    ...(f.firstObservedAt !== undefined ? { firstObservedAt: f.firstObservedAt } : {}),
    ...(f.lastObservedAt !== undefined ? { lastObservedAt: f.lastObservedAt } : {}),
    packageVulnerabilityDetails: f.packageVulnerabilityDetails,
    ...(f.remediation ? { remediation: f.remediation } : {}),
    resources: [
      {
        id: `arn:aws:ecr:${region}:${accountId}:repository/${repo.name}/${rec.img.digest}`,
        type: 'AWS_ECR_CONTAINER_IMAGE',
        details: {
          awsEcrContainerImage: {
            imageHash: rec.img.digest,
            ...(rec.tags ? { imageTags: [...rec.tags] } : {}),
            pushedAt: rec.img.pushedAt,
            registry: accountId,
            repositoryName: repo.name,
          },
        },
      },
    ],
    ...(f.score !== undefined ? { score: f.score } : {}),
    severity: f.severity,
    status: f.status ?? 'ACTIVE',
    title: f.title,
    type: 'PACKAGE_VULNERABILITY',
    ...(f.updatedAt !== undefined ? { updatedAt: f.updatedAt } : {}),
    ...(f.fixAvailable ? { fixAvailable: f.fixAvailable } : {}),
    ...(f.exploitAvailable ? { exploitAvailable: f.exploitAvailable } : {}),
  };
}

const ENHANCED_FINDINGS_PAGE_MAX = 100;

export const describeImageScanFindings: Handler = (store, body, ctx) => {
  const input = parseInput(repoInput.extend({ imageId, nextToken, maxResults }), body);
  const repo = repositoryOf(store, ctx, input);
  const rec = findImage(repo, input.imageId);
  if (!rec) throw imageNotFound(repo, input.imageId);
  const scan = rec.img.scan;
  if (!scan)
    throw new AwsError(
      'ScanNotFoundException',
      `Image scan does not exist for the image with '${showId(input.imageId)}' in the repository with name '${repo.name}' in the registry with id '${repo.registry.accountId}'`,
    );
  const out: Record<string, unknown> = {
    registryId: repo.registry.accountId,
    repositoryName: repo.name,
    imageId: {
      imageDigest: rec.img.digest,
      ...(input.imageId.imageTag !== undefined ? { imageTag: input.imageId.imageTag } : {}),
    },
    imageScanStatus: scanStatus(scan),
  };
  if (scan.status !== 'COMPLETE' && scan.status !== 'ACTIVE') return out;
  const enhanced = scan.type === 'ENHANCED';
  const all = enhanced ? (scan.enhancedFindings ?? []) : (scan.findings ?? []);
  const page = pageOf(
    `DescribeImageScanFindings/${repo.arn}/${rec.img.digest}`,
    ctx,
    all.map((f, i) => ({ f, i })),
    input.nextToken,
    // ECR gives at most 100 enhanced findings a page whatever maxResults asks (boto/boto3#3449: maxResults
    // 1000 answered 100 and a nextToken), so a reader cannot count on a page size above that.
    enhanced ? Math.min(input.maxResults ?? 100, ENHANCED_FINDINGS_PAGE_MAX) : (input.maxResults ?? 100),
    (x) => (enhanced ? enhancedFinding(repo, rec, x.f as FixtureEnhancedFinding, x.i) : x.f),
  );
  out.imageScanFindings = {
    ...(scan.completedAt !== undefined ? { imageScanCompletedAt: scan.completedAt } : {}),
    ...(scan.vulnerabilitySourceUpdatedAt !== undefined
      ? { vulnerabilitySourceUpdatedAt: scan.vulnerabilitySourceUpdatedAt }
      : {}),
    findingSeverityCounts: severityCounts(scan),
    [enhanced ? 'enhancedFindings' : 'findings']: page.items,
  };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
};
