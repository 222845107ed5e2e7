/**
 * Reads one registry's ECR side (repositories, images, manifests, scans) into model objects.
 * Failures are isolated: a repository whose images cannot be read keeps its images from the last good
 * snapshot and is recorded as incomplete; a setting that cannot be read keeps its previous value.
 */
import type { BlobKey } from '../snapshot/blob-key.js';
import type { ImageDetail, Repository as EcrRepository } from '@aws-sdk/client-ecr';
import type { LimitFunction } from 'p-limit';
import type { EcrFetcher, ScanFindingsPages } from '../aws/ecr.js';
import { BATCH_GET_IMAGE_MAX, chunk, errorMessage } from '../aws/ecr.js';
import type { CachedManifest, ManifestInfo } from './assemble-image.js';
import type { FetchedScan } from './scans.js';
import { assembleImage, compactManifest, isPlainManifest, plainManifestOf, parseManifest, sameImage } from './assemble-image.js';
import { basicFinding, enhancedFinding } from '../aws/finding-mappers.js';
import { cachedScanValid, compactScan, needsFindingsFetch, scanResult, severityCounts } from './scans.js';
import { INDEX_MEDIA_TYPES } from '../aws/media-types.js';
import { assembleRepository, registryScanFrequency } from './assemble-repository.js';
import type { Finding, Image, Incomplete, IncompleteScope, Registry, Repository, RepositoryPolicySummary } from '../snapshot/model.js';
import { repositoryId } from '../snapshot/model.js';
import type { RefreshCaches } from './caches.js';
import type { BlobSizes, RefreshRun } from './run.js';
import { interner } from './caches.js';

export type { Seen } from './caches.js';

/**
 * Findings lists the snapshot keeps (counted in findings, shared by every registry of a refresh). The rest
 * are served by the findings query's on-demand provider: a million images' lists would not fit in memory.
 */
export const SNAPSHOT_FINDINGS_MAX = 50_000;


export interface EcrReadContext {
  readonly accountId: string;
  readonly region: string;
  readonly ecr: EcrFetcher;
  readonly caches: RefreshCaches;
  /** The refresh this read is part of. */
  readonly run: RefreshRun;
  readonly scanMaxAgeMs: number;
  /** Bounds the repositories in flight, so only their image details are held in memory at once. */
  readonly repositoryLimit: LimitFunction;
  /** Known from the previous refresh when DescribeRegistry fails now. */
  readonly describeRegistry: Promise<PromiseSettledResult<{ replicationRules: Registry['replicationRules'] }>>;
  /** BASIC_SCAN_TYPE_VERSION (CLAIR or AWS_NATIVE), when readable. */
  readonly basicScanner: Promise<string | undefined>;
}


/**
 * The new snapshot's blob sizes: the previous snapshot's map when no size changed and no image went away
 * (then the images hold exactly its blobs), else one entry for each blob the images hold.
 */
export function snapshotLayerSizes(images: readonly Image[], sizes: BlobSizes, previous: ReadonlyMap<BlobKey, number> | undefined, repositoryGone: boolean): ReadonlyMap<BlobKey, number> {
  // Without a previous snapshot every size is new: the gathered map is the snapshot's.
  if (!previous) return sizes.changed;
  if (sizes.changed.size === 0 && !sizes.imageGone && !repositoryGone) return previous;
  const out = new Map<BlobKey, number>();
  for (const image of images)
    for (const blob of image.layers ?? []) {
      const size = sizes.changed.get(blob) ?? previous.get(blob);
      if (size !== undefined) out.set(blob, size);
    }
  return out;
}

export interface EcrRead {
  readonly registry: Registry;
  readonly repositories: Repository[];
  readonly images: Image[];
  readonly findings: Map<string, readonly Finding[]>;
  readonly incomplete: Incomplete[];
  /** DescribeRepositories failed: the registry's data is the previous snapshot's. */
  readonly failed: boolean;
}

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

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);
const UNKNOWN_POLICY: RepositoryPolicySummary = { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false };

interface RepositoryRead {
  readonly repository: Repository;
  readonly images: readonly Image[];
  readonly findings: [string, readonly Finding[]][];
}

/** Reads the registry's settings: scanning configuration and (awaited) replication rules. */
export async function readRegistrySettings(ctx: EcrReadContext, incomplete: Incomplete[]): Promise<Registry> {
  const { accountId, region } = ctx;
  const before = ctx.run.previous?.registries.find((r) => r.accountId === accountId && r.region === region);
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
  const { accountId, region } = ctx;
  const { previous } = ctx.run;
  const incomplete: Incomplete[] = [];
  const registry = await readRegistrySettings(ctx, incomplete);
  const findings = new Map<string, readonly Finding[]>();

  let listed: EcrRepository[];
  try {
    listed = await repositories;
  } catch (error) {
    incomplete.push({ scope: 'repositories', accountId, region, operation: 'DescribeRepositories', error: errorMessage(error) });
    // Keep the registry's previous repositories and images: unreadable is not empty.
    const kept = (previous?.repositories ?? []).filter((r) => r.accountId === accountId && r.region === region);
    const images: Image[] = [];
    for (const repository of kept) images.push(...keepPrevious(ctx, repository.id, findings));
    return { registry, repositories: kept, images, findings, incomplete, failed: true };
  }

  const reads = await Promise.all(listed.map((r) => ctx.repositoryLimit(() => readRepository(ctx, registry, r, incomplete))));
  const images: Image[] = [];
  for (const read of reads) {
    for (const image of read.images) images.push(image);
    for (const [digest, list] of read.findings) findings.set(digest, list);
  }
  return { registry, repositories: reads.map((r) => r.repository), images, findings, incomplete, failed: false };
}

/** A repository's images from the previous snapshot, with their findings (their blob sizes are the previous snapshot's). */
function keepPrevious(ctx: EcrReadContext, id: string, findings: Map<string, readonly Finding[]>): readonly Image[] {
  const images = ctx.run.previous?.imagesByRepository.get(id) ?? [];
  ctx.run.seen.scans.add(id);
  for (const image of images) {
    if (ctx.caches.manifests.has(image.digest)) ctx.run.seen.manifests.add(image.digest);
    const f = ctx.run.previous!.findings.get(image.digest);
    if (f) findings.set(image.digest, f);
  }
  return images;
}

async function readRepository(
  ctx: EcrReadContext,
  registry: Registry,
  listed: EcrRepository,
  incomplete: Incomplete[],
): Promise<RepositoryRead> {
  const { accountId, region, ecr } = ctx;
  const { previous } = ctx.run;
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
    const images = keepPrevious(ctx, id, kept);
    return { repository, images, findings: [...kept] };
  }

  // Unchanged images keep their previous object (and digest string): both snapshots share them.
  const previousImages = new Map<string, Image>();
  for (const image of previous?.imagesByRepository.get(id) ?? []) previousImages.set(image.digest, image);
  const intern = interner();
  const canonical = (digest: string): string => previousImages.get(digest)?.digest ?? intern(digest);

  const manifests = await readManifests(ctx, name, details.value, canonical, (digest) => previousImages.get(digest), intern, (error) => note('manifests', 'BatchGetImage', error));
  const attestationChildren = new Set<string>();
  for (const m of manifests.values()) for (const child of m.info.attestationChildren) attestationChildren.add(child);

  // Images without a scan status need DescribeImageScanFindings only where the AWS-native basic scanner may
  // have scanned them: a registry known to use Clair fills DescribeImages itself.
  const scanned =
    (registry.scanType === 'ENHANCED' || (await ctx.basicScanner) !== 'CLAIR') &&
    (repository.scanOnPush || registry.scanType === 'ENHANCED' || registryScanFrequency(registry.scanningRules, name) !== undefined);
  const scans = await readScans(ctx, id, name, details.value, scanned, canonical, intern, (error) => note('scan', 'DescribeImageScanFindings', error));

  const budget = ctx.run.findingsBudget;
  const previousSizes = previous?.layerSizes;
  let kept = 0;
  const images: Image[] = [];
  for (const detail of details.value) {
    if (!detail.imageDigest) continue;
    const digest = canonical(detail.imageDigest);
    const manifest = manifests.get(digest);
    if (manifest)
      for (const blob of manifest.info.blobs) {
        const size = manifest.sizeOf(blob) ?? 0;
        if (previousSizes?.get(blob) !== size) ctx.run.layerSizes.changed.set(blob, size);
      }
    const fetched = scans.scans.get(digest);
    if (fetched && !fetched.notFound) {
      // Fresh lists, else the previous snapshot's while the cached counts still hold; within the budget
      // (an empty list counts as one: it is still an entry).
      const list = scans.fresh.has(digest) ? fetched.findings : previous?.findings.get(digest);
      if (list && Math.max(1, list.length) <= budget.left) {
        budget.left -= Math.max(1, list.length);
        findingsOut.push([digest, list.length > 0 ? list : NO_FINDINGS]);
      }
    }
    const image = assembleImage({
      intern,
      repositoryId: id,
      detail: detail.imageDigest === digest ? detail : { ...detail, imageDigest: digest },
      ...(manifest ? { manifest: manifest.info } : {}),
      attestationChild: attestationChildren.has(digest),
      scan: scanResult({ detail, ...(fetched ? { fetched } : {}), registryScanType: registry.scanType }, intern, ctx.caches.counts),
    });
    const before = previousImages.get(digest);
    if (before) kept += 1;
    images.push(before && sameImage(before, image) ? before : image);
  }
  if (kept < previousImages.size) ctx.run.layerSizes.imageGone = true;
  return { repository, images, findings: findingsOut };
}

/** A manifest as an image needs it, with its blobs' sizes. */
interface ManifestRead {
  readonly info: CachedManifest;
  readonly sizeOf: (blob: BlobKey) => number | undefined;
}

/**
 * Parsed manifests of a repository's images, by canonical digest: cached ones (their blob sizes from the
 * previous snapshot), the rest fetched 100 per call. Plain manifests (isPlainManifest) are not cached:
 * the previous snapshot's image holds all they say, and a million cached copies would cost ~140 MB.
 */
async function readManifests(
  ctx: EcrReadContext,
  repositoryName: string,
  details: readonly ImageDetail[],
  canonical: (digest: string) => string,
  previousImage: (digest: string) => Image | undefined,
  intern: (s: string) => string,
  onError: (error: unknown) => void,
): Promise<Map<string, ManifestRead>> {
  const out = new Map<string, ManifestRead>();
  const missing: string[] = [];
  const previousSizes = ctx.run.previous?.layerSizes;
  // A cached manifest's sizes: gathered by this refresh (another repository) or held by the previous snapshot.
  const knownSize = (blob: BlobKey): number | undefined => ctx.run.layerSizes.changed.get(blob) ?? previousSizes?.get(blob);
  for (const detail of details) {
    if (!detail.imageDigest) continue;
    const digest = canonical(detail.imageDigest);
    let cached = ctx.caches.manifests.get(digest);
    if (cached) ctx.run.seen.manifests.add(digest);
    else {
      const before = previousImage(digest);
      cached = (before && plainManifestOf(before)) ?? ctx.run.plainManifests.get(digest);
    }
    if (cached && cached.blobs.every((b) => knownSize(b) !== undefined)) out.set(digest, { info: cached, sizeOf: knownSize });
    // An archived image's layers are not needed (its size stands in), but an archived index's children are:
    // without them cleanup must fail closed for the repository. If ECR refuses to read it, that is what happens.
    else if (detail.imageStatus !== 'ARCHIVED' || INDEX_MEDIA_TYPES.has(detail.imageManifestMediaType ?? '')) missing.push(digest);
  }
  const mediaTypes = new Map(details.map((d) => [d.imageDigest, d.imageManifestMediaType]));
  const errors: string[] = [];
  await Promise.all(
    chunk(missing, BATCH_GET_IMAGE_MAX).map(async (digests) => {
      try {
        const batch = await ctx.ecr.manifests(repositoryName, digests);
        for (const raw of batch.manifests) {
          try {
            const parsed: ManifestInfo = parseManifest(raw.text, raw.mediaType ?? mediaTypes.get(raw.digest), intern);
            const info = compactManifest(parsed);
            const digest = canonical(raw.digest);
            if (isPlainManifest(info, mediaTypes.get(raw.digest))) ctx.run.plainManifests.set(digest, info);
            else {
              ctx.caches.manifests.set(digest, info);
              ctx.run.seen.manifests.add(digest);
            }
            const sizes = new Map<BlobKey, number>();
            parsed.blobs.forEach((blob, i) => sizes.set(blob, parsed.blobSizes[i] ?? 0));
            out.set(digest, { info, sizeOf: (blob) => sizes.get(blob) });
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

/**
 * Scans by canonical digest: cached while ECR's change signal (or the maximum age) allows, else fetched.
 * Fetched ones carry their findings (for the snapshot's bounded share); the cache keeps counts only.
 */
async function readScans(
  ctx: EcrReadContext,
  id: string,
  repositoryName: string,
  details: readonly ImageDetail[],
  repositoryScanned: boolean,
  canonical: (digest: string) => string,
  intern: (s: string) => string,
  onError: (error: unknown) => void,
): Promise<{ scans: Map<string, FetchedScan>; fresh: Set<string> }> {
  const out = new Map<string, FetchedScan>();
  const fresh = new Set<string>();
  const cache = ctx.caches.scans.get(id);
  const next = new Map<string, FetchedScan>();
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
