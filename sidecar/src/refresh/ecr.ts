/**
 * Reads one registry's ECR side (repositories, images, manifests, scans) into model objects.
 * Failures are isolated: a repository whose images cannot be read keeps its images from the last good
 * snapshot and is recorded as incomplete; a setting that cannot be read keeps its previous value.
 */
import type { ImageDetail, Repository as EcrRepository } from '@aws-sdk/client-ecr';
import type { LimitFunction } from 'p-limit';
import type { EcrFetcher, ScanFindingsPages } from '../aws/ecr.js';
import { BATCH_GET_IMAGE_MAX, chunk, errorMessage } from '../aws/ecr.js';
import type { FetchedScan, ManifestInfo } from '../snapshot/assemble-image.js';
import {
  assembleImage,
  basicFinding,
  cachedScanValid,
  enhancedFinding,
  needsFindingsFetch,
  parseManifest,
  scanResult,
  severityCounts,
} from '../snapshot/assemble-image.js';
import { assembleRepository, registryScanFrequency } from '../snapshot/assemble-repository.js';
import type { Finding, Image, Incomplete, IncompleteScope, Registry, Repository, RepositoryPolicySummary, Snapshot } from '../snapshot/model.js';
import { imageKey, repositoryId } from '../snapshot/model.js';
import type { RefreshCaches } from './caches.js';

/** What a refresh touched, so the caches can drop the rest. */
export interface Seen {
  readonly manifests: Set<string>;
  readonly scans: Set<string>;
  readonly taskDefinitions: Set<string>;
}

export interface EcrReadContext {
  readonly accountId: string;
  readonly region: string;
  readonly ecr: EcrFetcher;
  readonly caches: RefreshCaches;
  readonly previous?: Snapshot;
  readonly now: number;
  readonly scanMaxAgeMs: number;
  /** Bounds the repositories in flight, so only their image details are held in memory at once. */
  readonly repositoryLimit: LimitFunction;
  readonly seen: Seen;
  /** Known from the previous refresh when DescribeRegistry fails now. */
  readonly describeRegistry: Promise<PromiseSettledResult<{ replicationRules: Registry['replicationRules'] }>>;
  /** BASIC_SCAN_TYPE_VERSION (CLAIR or AWS_NATIVE), when readable. */
  readonly basicScanner: Promise<string | undefined>;
}

export interface EcrRead {
  readonly registry: Registry;
  readonly repositories: Repository[];
  readonly images: Image[];
  readonly findings: Map<string, readonly Finding[]>;
  readonly layerSizes: Map<string, number>;
  readonly incomplete: Incomplete[];
  /** DescribeRepositories failed: the registry's data is the previous snapshot's. */
  readonly failed: boolean;
}

/**
 * Findings as the snapshot keeps them: without descriptions (no query shows them; they are most of the
 * bytes), with their strings shared, since the same CVEs and packages recur across many images.
 */
export function compactFinding(finding: Finding, intern: (s: string) => string): Finding {
  const { description: _description, ...rest } = finding;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) out[key] = typeof value === 'string' ? intern(value) : value;
  return out as unknown as Finding;
}

/** FetchedScan from DescribeImageScanFindings pages (undefined pages = ScanNotFoundException). */
export function toFetchedScan(pages: ScanFindingsPages | undefined, fetchedAt: number, intern: (s: string) => string = (s) => s): FetchedScan {
  if (!pages) return { notFound: true, findings: [], enhanced: false, fetchedAt };
  const findings: Finding[] = [...pages.findings.map(basicFinding), ...pages.enhancedFindings.map(enhancedFinding)].map((f) => compactFinding(f, intern));
  return {
    ...(pages.status?.status ? { status: intern(pages.status.status) } : {}),
    ...(pages.status?.description ? { description: intern(pages.status.description) } : {}),
    ...(pages.completedAt ? { completedAt: pages.completedAt.getTime() } : {}),
    ...(pages.vulnerabilitySourceUpdatedAt ? { vulnerabilitySourceUpdatedAt: pages.vulnerabilitySourceUpdatedAt.getTime() } : {}),
    ...(pages.severityCounts ? { counts: severityCounts(pages.severityCounts) } : {}),
    findings,
    enhanced: pages.enhancedFindings.length > 0 || pages.status?.status === 'ACTIVE',
    fetchedAt,
  };
}

const UNKNOWN_POLICY: RepositoryPolicySummary = { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false };

interface RepositoryRead {
  readonly repository: Repository;
  readonly images: readonly Image[];
  readonly findings: [string, readonly Finding[]][];
}

/** Reads the registry's settings: scanning configuration and (awaited) replication rules. */
export async function readRegistrySettings(ctx: EcrReadContext, incomplete: Incomplete[]): Promise<Registry> {
  const { accountId, region } = ctx;
  const before = ctx.previous?.registries.find((r) => r.accountId === accountId && r.region === region);
  const note = (operation: string, error: unknown): void => {
    incomplete.push({ scope: 'registry', accountId, region, operation, error: errorMessage(error) });
  };
  const [described, scanning] = await Promise.all([ctx.describeRegistry, ctx.ecr.scanningConfiguration().then(
    (value) => ({ status: 'fulfilled' as const, value }),
    (reason: unknown) => ({ status: 'rejected' as const, reason }),
  )]);
  let rules = before?.replicationRules ?? [];
  if (described.status === 'fulfilled') rules = described.value.replicationRules;
  else note('DescribeRegistry', described.reason);
  let scanType = before?.scanType ?? 'BASIC';
  let scanningRules = before?.scanningRules ?? [];
  if (scanning.status === 'fulfilled') {
    scanType = scanning.value?.scanType === 'ENHANCED' ? 'ENHANCED' : 'BASIC';
    scanningRules = (scanning.value?.rules ?? []).map((rule) => ({
      scanFrequency: rule.scanFrequency ?? 'MANUAL',
      repositoryFilters: (rule.repositoryFilters ?? []).map((f) => ({ filter: f.filter ?? '', filterType: f.filterType ?? 'WILDCARD' })),
    }));
  } else note('GetRegistryScanningConfiguration', scanning.reason);
  return { accountId, region, replicationRules: rules, scanType, scanningRules };
}

/** Reads every repository of a registry. `repositories` is the (already started) DescribeRepositories call. */
export async function readEcr(ctx: EcrReadContext, repositories: Promise<EcrRepository[]>): Promise<EcrRead> {
  const { accountId, region, previous } = ctx;
  const incomplete: Incomplete[] = [];
  const registry = await readRegistrySettings(ctx, incomplete);
  const layerSizes = new Map<string, number>();
  const findings = new Map<string, readonly Finding[]>();

  let listed: EcrRepository[];
  try {
    listed = await repositories;
  } catch (error) {
    incomplete.push({ scope: 'repositories', accountId, region, operation: 'DescribeRepositories', error: errorMessage(error) });
    // Keep the registry's previous repositories and images: unreadable is not empty.
    const kept = (previous?.repositories ?? []).filter((r) => r.accountId === accountId && r.region === region);
    const images: Image[] = [];
    for (const repository of kept) images.push(...keepPrevious(ctx, repository.id, findings, layerSizes));
    return { registry, repositories: kept, images, findings, layerSizes, incomplete, failed: true };
  }

  const reads = await Promise.all(listed.map((r) => ctx.repositoryLimit(() => readRepository(ctx, registry, r, incomplete, layerSizes))));
  const images: Image[] = [];
  for (const read of reads) {
    for (const image of read.images) images.push(image);
    for (const [digest, list] of read.findings) findings.set(digest, list);
  }
  return { registry, repositories: reads.map((r) => r.repository), images, findings, layerSizes, incomplete, failed: false };
}

/** A repository's images from the previous snapshot, with their findings and layer sizes (kept in the caches). */
function keepPrevious(ctx: EcrReadContext, id: string, findings: Map<string, readonly Finding[]>, layerSizes: Map<string, number>): readonly Image[] {
  const images = ctx.previous?.imagesByRepository.get(id) ?? [];
  for (const image of images) {
    ctx.seen.manifests.add(image.digest);
    ctx.seen.scans.add(imageKey(image));
    const f = ctx.previous!.findings.get(image.digest);
    if (f) findings.set(image.digest, f);
    for (const blob of image.layers ?? []) {
      const size = ctx.previous!.layerSizes.get(blob);
      if (size !== undefined) layerSizes.set(blob, size);
    }
  }
  return images;
}

async function readRepository(
  ctx: EcrReadContext,
  registry: Registry,
  listed: EcrRepository,
  incomplete: Incomplete[],
  layerSizes: Map<string, number>,
): Promise<RepositoryRead> {
  const { accountId, region, ecr, previous } = ctx;
  const name = listed.repositoryName ?? '';
  const id = repositoryId(accountId, region, name);
  const before = previous?.repositoryById.get(id);
  const note = (scope: IncompleteScope, operation: string, error: unknown): void => {
    incomplete.push({ scope, accountId, region, target: name, operation, error: errorMessage(error) });
  };

  const [details, lifecycle, policy, tags] = await Promise.allSettled([
    ecr.images(name),
    ecr.lifecyclePolicy(name),
    ecr.repositoryPolicy(name),
    listed.repositoryArn ? ecr.tags(listed.repositoryArn) : Promise.resolve([]),
  ]);

  const assembled = assembleRepository({
    repository: listed,
    accountId,
    region,
    ...(lifecycle.status === 'fulfilled' ? (lifecycle.value !== undefined ? { lifecyclePolicyText: lifecycle.value } : {}) : {}),
    ...(policy.status === 'fulfilled' && policy.value !== undefined ? { policyText: policy.value } : {}),
    tags: tags.status === 'fulfilled' ? tags.value : [],
    replicationRules: registry.replicationRules,
  });
  let repository: Repository = assembled;
  if (lifecycle.status === 'rejected') {
    note('repository', 'GetLifecyclePolicy', lifecycle.reason);
    const { lifecyclePolicyText: _dropped, ...rest } = repository;
    repository = { ...rest, ...(before?.lifecyclePolicyText !== undefined ? { lifecyclePolicyText: before.lifecyclePolicyText } : {}) };
  }
  if (policy.status === 'rejected') {
    note('repository', 'GetRepositoryPolicy', policy.reason);
    repository = { ...repository, policy: before?.policy ?? UNKNOWN_POLICY };
  }
  if (tags.status === 'rejected') {
    note('repository', 'ListTagsForResource', tags.reason);
    repository = { ...repository, tags: before?.tags ?? {} };
  }

  const findingsOut: [string, readonly Finding[]][] = [];
  if (details.status === 'rejected') {
    note('images', 'DescribeImages', details.reason);
    const kept = new Map<string, readonly Finding[]>();
    const images = keepPrevious(ctx, id, kept, layerSizes);
    return { repository, images, findings: [...kept] };
  }

  const manifests = await readManifests(ctx, name, details.value, (error) => note('manifests', 'BatchGetImage', error));
  const attestationChildren = new Set<string>();
  for (const m of manifests.values()) for (const child of m.attestationChildren) attestationChildren.add(child);

  // Images without a scan status need DescribeImageScanFindings only where the AWS-native basic scanner may
  // have scanned them: a registry known to use Clair fills DescribeImages itself.
  const scanned =
    (registry.scanType === 'ENHANCED' || (await ctx.basicScanner) !== 'CLAIR') &&
    (repository.scanOnPush || registry.scanType === 'ENHANCED' || registryScanFrequency(registry.scanningRules, name) !== undefined);
  const scans = await readScans(ctx, id, name, details.value, scanned, (error) => note('scan', 'DescribeImageScanFindings', error));

  const images: Image[] = [];
  for (const detail of details.value) {
    const digest = detail.imageDigest;
    if (!digest) continue;
    const manifest = manifests.get(digest);
    if (manifest) for (let i = 0; i < manifest.blobs.length; i++) layerSizes.set(manifest.blobs[i]!, manifest.blobSizes[i]!);
    const fetched = scans.get(digest);
    if (fetched && !fetched.notFound) findingsOut.push([digest, fetched.findings]);
    images.push(
      assembleImage({
        intern: ctx.caches.intern,
        repositoryId: id,
        detail,
        ...(manifest ? { manifest } : {}),
        attestationChild: attestationChildren.has(digest),
        scan: scanResult({ detail, ...(fetched ? { fetched } : {}), registryScanType: registry.scanType }, ctx.caches.intern),
      }),
    );
  }
  return { repository, images, findings: findingsOut };
}

/** Parsed manifests of a repository's images: cached by digest, the rest fetched 100 per call. */
async function readManifests(
  ctx: EcrReadContext,
  repositoryName: string,
  details: readonly ImageDetail[],
  onError: (error: unknown) => void,
): Promise<Map<string, ManifestInfo>> {
  const out = new Map<string, ManifestInfo>();
  const missing: string[] = [];
  for (const detail of details) {
    const digest = detail.imageDigest;
    if (!digest) continue;
    ctx.seen.manifests.add(digest);
    const cached = ctx.caches.manifests.get(digest);
    if (cached) out.set(digest, cached);
    // Archived images cannot be read (they would fail); their layers stay unknown.
    else if (detail.imageStatus !== 'ARCHIVED') missing.push(digest);
  }
  const mediaTypes = new Map(details.map((d) => [d.imageDigest, d.imageManifestMediaType]));
  const errors: string[] = [];
  await Promise.all(
    chunk(missing, BATCH_GET_IMAGE_MAX).map(async (digests) => {
      try {
        const batch = await ctx.ecr.manifests(repositoryName, digests);
        for (const raw of batch.manifests) {
          try {
            const info = parseManifest(raw.text, raw.mediaType ?? mediaTypes.get(raw.digest), ctx.caches.intern);
            ctx.caches.manifests.set(raw.digest, info);
            out.set(raw.digest, info);
          } catch (error) {
            errors.push(`${raw.digest}: ${errorMessage(error)}`);
          }
        }
        // An image deleted since DescribeImages is not a failure of the refresh.
        for (const failure of batch.failures) if (failure.code !== 'ImageNotFound') errors.push(`${failure.digest}: ${failure.code} ${failure.reason}`);
      } catch (error) {
        errors.push(errorMessage(error));
      }
    }),
  );
  if (errors.length > 0) onError(`${errors.length} manifest batch(es)/image(s) unread; first: ${errors[0]}`);
  return out;
}

/** Fetched scans by digest: cached while ECR's change signal (or the maximum age) allows, else fetched. */
async function readScans(
  ctx: EcrReadContext,
  id: string,
  repositoryName: string,
  details: readonly ImageDetail[],
  repositoryScanned: boolean,
  onError: (error: unknown) => void,
): Promise<Map<string, FetchedScan>> {
  const out = new Map<string, FetchedScan>();
  const errors: string[] = [];
  await Promise.all(
    details.map(async (detail) => {
      const digest = detail.imageDigest;
      if (!digest || !needsFindingsFetch(detail, repositoryScanned)) return;
      const key = `${id}@${digest}`;
      ctx.seen.scans.add(key);
      const cached = ctx.caches.scans.get(key);
      if (cached && cachedScanValid(cached, detail, ctx.now, ctx.scanMaxAgeMs)) {
        out.set(digest, cached);
        return;
      }
      try {
        const fetched = toFetchedScan(await ctx.ecr.scanFindings(repositoryName, digest), ctx.now, ctx.caches.intern);
        ctx.caches.scans.set(key, fetched);
        out.set(digest, fetched);
      } catch (error) {
        errors.push(`${digest}: ${errorMessage(error)}`);
        // Older findings beat none; the incomplete entry says they may be stale.
        if (cached) out.set(digest, cached);
      }
    }),
  );
  if (errors.length > 0) onError(`${errors.length} image(s) unread; first: ${errors[0]}`);
  return out;
}
