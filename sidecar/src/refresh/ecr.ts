/**
 * Reads one registry's ECR side (repositories, images, manifests, scans) into model objects.
 * Failures are isolated: a repository whose images cannot be read keeps its images from the last good
 * snapshot and is recorded as incomplete; a setting that cannot be read keeps its previous value.
 * Manifests are read in ecr-manifests.ts, scans in ecr-scans.ts.
 */
import { concatLists } from '../concat-lists.js';
import { blobCount, type BlobKey } from '../snapshot/blob-key.js';
import { BlobTableBuilder, type BlobIndex } from '../snapshot/blob-table.js';
import { blobIndexOf, LayeredBlobSizes } from '../snapshot/blob-sizes.js';
import type { Repository as EcrRepository, Tag } from '@aws-sdk/client-ecr';
import { errorMessage } from '../aws/ecr.js';
import { assembleImage, imageKind, plainManifestOf, sameImage } from './assemble-image.js';
import { madeFindings, scanResult } from './scans.js';
import { assembleRepository, registryScanFrequency, scanOnPushOf } from './assemble-repository.js';
import type { Finding, Image, Incomplete, IncompleteScope, Registry, Repository, RepositoryPolicySummary } from '../snapshot/model.js';
import { repositoryId } from '../snapshot/model.js';
import type { BlobSizes, RefreshRun } from './run.js';
import { interner } from './caches.js';
import type { EcrReadContext } from './ecr-context.js';
import type { ManifestRead } from './ecr-manifests.js';
import { IMAGES_PER_STEP, readManifests } from './ecr-manifests.js';
import type { Steps } from '../cooperative.js';
import { ITEMS_PER_STEP, runCooperatively } from '../cooperative.js';
import { readScans } from './ecr-scans.js';
import { RepositoryListing } from './ecr-unchanged.js';
import { imageRecord } from '../snapshot/image-record.js';

export type { Seen } from './caches.js';

/**
 * Findings lists the snapshot keeps (counted in findings, shared by every registry of a refresh). The rest
 * are served by the findings query's on-demand provider: a million images' lists would not fit in memory.
 */
export const SNAPSHOT_FINDINGS_MAX = 50_000;

/**
 * The new snapshot's blob sizes: the previous snapshot's map when no size changed and no image went away (then the
 * images hold exactly its blobs); with new sizes and nothing gone, the previous map with them laid over it (every
 * blob it holds is still held); else a table (blob-table.ts) of each blob the images hold, made in steps of
 * ITEMS_PER_STEP images (at 100,000 images the map took 0.2 s in one piece, at 1,000,000 4 s). The layers are made
 * flat again once the sizes over the base reach a quarter of it, so lookups stay two at most and the base is not
 * held for long.
 */
export function* snapshotLayerSizesSteps(
  images: readonly Image[],
  sizes: BlobSizes,
  previous: ReadonlyMap<BlobKey, number> | undefined,
  repositoryGone: boolean,
): Steps<ReadonlyMap<BlobKey, number>> {
  const gone = sizes.imageGone || repositoryGone;
  const { changed } = sizes;
  if (previous && changed.size === 0 && !gone) return previous;
  if (previous && !gone) {
    const layered = new LayeredBlobSizes(previous, changed);
    if (layered.addedSize * 4 <= layered.baseSize) return layered;
  }
  // Without a previous snapshot every size is new and gathered: the gathered table is the snapshot's when the images
  // hold each of its blobs, as they mostly do.
  if (!previous && (yield* heldEntriesSteps(images, changed)) === changed.size) return changed.build();
  const before = previous && blobIndexOf(previous);
  const out = new BlobTableBuilder(previous ? previous.size : changed.size);
  let done = 0;
  for (const image of images) {
    const { layers } = image;
    if (layers !== undefined) {
      for (let i = 0, n = blobCount(layers); i < n; i++) {
        let entry = changed.entryOfBlobAt(layers, i);
        if (entry >= 0) out.setBlobAt(layers, i, changed.sizeOfEntry(entry));
        else if (before && (entry = before.entryOfBlobAt(layers, i)) >= 0) out.setBlobAt(layers, i, before.sizeOfEntry(entry));
      }
    }
    if (++done % ITEMS_PER_STEP === 0) yield;
  }
  return out.build();
}

/** How many of the table's entries the images hold. */
function* heldEntriesSteps(images: readonly Image[], table: BlobIndex): Steps<number> {
  const held = new Uint8Array(table.entryLimit);
  let count = 0;
  let done = 0;
  for (const image of images) {
    const { layers } = image;
    if (layers !== undefined) {
      for (let i = 0, n = blobCount(layers); i < n; i++) {
        const entry = table.entryOfBlobAt(layers, i);
        if (entry >= 0 && held[entry] === 0) {
          held[entry] = 1;
          count += 1;
        }
      }
    }
    if (++done % ITEMS_PER_STEP === 0) yield;
  }
  return count;
}

export interface EcrRead {
  readonly registry: Registry;
  readonly repositories: Repository[];
  readonly images: Image[];
  /** Repositories whose image list is the previous snapshot's as it is (nothing in it changed): the build keeps it. */
  readonly keptLists: ReadonlySet<string>;
  /** The images of the other repositories. */
  readonly changedImages: Image[];
  readonly findings: Map<string, readonly Finding[]>;
  readonly incomplete: Incomplete[];
  /** DescribeRepositories failed: the registry's data is the previous snapshot's. */
  readonly failed: boolean;
}

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);
const UNKNOWN_POLICY: RepositoryPolicySummary = { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false };

export interface RepositoryRead {
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
    const lists = kept.map((repository) => ({ repository, images: keepPrevious(ctx, repository.id, findings) }));
    return { registry, repositories: kept, findings, incomplete, failed: true, ...listsOf(ctx, lists) };
  }

  const reads = await Promise.all(listed.map((r) => ctx.repositoryLimit(() => readRepository(ctx, registry, r, incomplete))));
  for (const read of reads) for (const [digest, list] of read.findings) findings.set(digest, list);
  return { registry, repositories: reads.map((r) => r.repository), findings, incomplete, failed: false, ...listsOf(ctx, reads) };
}

/** A registry's images, and which repositories' lists are the previous snapshot's as they are. */
function listsOf(ctx: EcrReadContext, reads: readonly Pick<RepositoryRead, 'repository' | 'images'>[]): Pick<EcrRead, 'images' | 'keptLists' | 'changedImages'> {
  const keptLists = new Set<string>();
  const changed: (readonly Image[])[] = [];
  for (const { repository, images } of reads) {
    if (images === ctx.run.previous?.imagesByRepository.get(repository.id)) keptLists.add(repository.id);
    else changed.push(images);
  }
  return { images: concatLists(reads.map((read) => read.images)), keptLists, changedImages: concatLists(changed) };
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

type Note = (scope: IncompleteScope, operation: string, error: unknown) => void;

/** Reads one repository as listed: its settings (unless reusable), images, manifests and scans. */
export async function readRepository(
  ctx: EcrReadContext,
  registry: Registry,
  listed: EcrRepository,
  incomplete: Incomplete[],
): Promise<RepositoryRead> {
  const { accountId, region, ecr } = ctx;
  const name = listed.repositoryName ?? '';
  const id = repositoryId(accountId, region, name);
  const note: Note = (scope, operation, error) => {
    incomplete.push({ scope, accountId, region, target: name, operation, error: errorMessage(error) });
  };

  const reused = reusableSettings(ctx, listed, id);
  // Images without a scan status need DescribeImageScanFindings only where the AWS-native basic scanner may
  // have scanned them: a registry known to use Clair fills DescribeImages itself.
  const scanned =
    (registry.scanType === 'ENHANCED' || (await ctx.basicScanner) !== 'CLAIR') &&
    (scanOnPushOf(listed) || registry.scanType === 'ENHANCED' || registryScanFrequency(registry.scanningRules, name) !== undefined);
  const listing = new RepositoryListing(ctx, registry, id, scanned);
  const [details, lifecycle, policy, tags] = await Promise.allSettled([
    ecr.eachImagePage(name, (page) => listing.add(page)),
    reused ? Promise.resolve(undefined) : ecr.lifecyclePolicy(name),
    reused ? Promise.resolve(undefined) : ecr.repositoryPolicy(name),
    reused || !listed.repositoryArn ? Promise.resolve([]) : ecr.tags(listed.repositoryArn),
  ]);
  const repository = reused
    ? withSettingsOf(repositorySettings(ctx, registry, listed, id, { lifecycle, policy, tags }, note), reused)
    : repositorySettings(ctx, registry, listed, id, { lifecycle, policy, tags }, note);

  if (details.status === 'rejected') {
    note('images', 'DescribeImages', details.reason);
    const kept = new Map<string, readonly Finding[]>();
    const images = keepPrevious(ctx, id, kept);
    return { repository, images, findings: [...kept] };
  }
  return readImages(ctx, registry, repository, id, name, listing, scanned, note);
}

interface SettingsRead {
  readonly lifecycle: PromiseSettledResult<string | undefined>;
  readonly policy: PromiseSettledResult<string | undefined>;
  readonly tags: PromiseSettledResult<Tag[]>;
}

/**
 * The previous snapshot's view of the repository when its settings (lifecycle policy, repository policy, tags) were
 * read whole less than POLICY_REFRESH_INTERVAL ago and it is the same repository (not deleted and recreated):
 * those three rarely change, and reading them is three calls per repository on every refresh.
 */
function reusableSettings(ctx: EcrReadContext, listed: EcrRepository, id: string): Repository | undefined {
  const before = ctx.run.previous?.repositoryById.get(id);
  if (!before || before.settingsReadAt === undefined) return undefined;
  if (ctx.run.startedAt - before.settingsReadAt >= ctx.settingsMaxAgeMs) return undefined;
  // Without createdAt a recreated repository cannot be told apart: read its settings again.
  const createdAt = listed.createdAt?.getTime();
  return createdAt !== undefined && createdAt === before.createdAt ? before : undefined;
}

/** The repository as listed now, with the settings read earlier, and when they were read. */
function withSettingsOf(listed: Repository, before: Repository): Repository {
  const { lifecyclePolicyText: _none, ...rest } = listed;
  const withPolicies = Object.assign({}, rest, before.lifecyclePolicyText !== undefined ? { lifecyclePolicyText: before.lifecyclePolicyText } : {}, { policy: before.policy, tags: before.tags });
  return Object.assign(withPolicies, before.settingsReadAt !== undefined ? { settingsReadAt: before.settingsReadAt } : {});
}

/** The repository as listed, with its settings; one that cannot be read keeps its previous value. */
function repositorySettings(ctx: EcrReadContext, registry: Registry, listed: EcrRepository, id: string, { lifecycle, policy, tags }: SettingsRead, note: Note): Repository {
  const before = ctx.run.previous?.repositoryById.get(id);
  const assembled = assembleRepository({
    repository: listed,
    accountId: ctx.accountId,
    region: ctx.region,
    ...(lifecycle.status === 'fulfilled' ? (lifecycle.value !== undefined ? { lifecyclePolicyText: lifecycle.value } : {}) : {}),
    ...(policy.status === 'fulfilled' && policy.value !== undefined ? { policyText: policy.value } : {}),
    tags: tags.status === 'fulfilled' ? tags.value : [],
    replicationRules: registry.replicationRules,
  });
  // Read whole: reused until POLICY_REFRESH_INTERVAL has passed. A failed read leaves no time, so the next refresh reads again.
  const whole = lifecycle.status === 'fulfilled' && policy.status === 'fulfilled' && tags.status === 'fulfilled';
  let repository: Repository = whole ? Object.assign({}, assembled, { settingsReadAt: ctx.run.startedAt }) : assembled;
  if (lifecycle.status === 'rejected') {
    note('repository', 'GetLifecyclePolicy', lifecycle.reason);
    const { lifecyclePolicyText: _dropped, ...rest } = repository;
    repository = { ...rest, ...(before?.lifecyclePolicyText !== undefined ? { lifecyclePolicyText: before.lifecyclePolicyText } : {}) };
  }
  if (policy.status === 'rejected') {
    note('repository', 'GetRepositoryPolicy', policy.reason);
    repository = Object.assign({}, repository, { policy: before?.policy ?? UNKNOWN_POLICY });
  }
  if (tags.status === 'rejected') {
    note('repository', 'ListTagsForResource', tags.reason);
    repository = Object.assign({}, repository, { tags: before?.tags ?? {} });
  }
  return repository;
}

/**
 * The repository's images from DescribeImages, with their manifests, scans and (within the budget) findings: the
 * previous images the listing matched as they are, the other details assembled.
 */
async function readImages(
  ctx: EcrReadContext,
  registry: Registry,
  repository: Repository,
  id: string,
  name: string,
  listing: RepositoryListing,
  scanned: boolean,
  note: Note,
): Promise<RepositoryRead> {
  const { previous } = ctx.run;
  const unchanged = listing.unchanged();
  if (unchanged) {
    const findings: [string, readonly Finding[]][] = [];
    for (const [digest, list] of unchanged.findings) keepFindings(ctx.run, digest, list, findings);
    return { repository, images: unchanged.images, findings };
  }
  const { details, matched } = listing;

  // Unchanged images keep their previous object (and digest string): both snapshots share them.
  const previousImages = new Map<string, Image>();
  for (const image of previous?.imagesByRepository.get(id) ?? []) previousImages.set(image.digest, image);
  const intern = interner();
  const canonical = (digest: string): string => previousImages.get(digest)?.digest ?? intern(digest);

  const manifests = await readManifests(ctx, name, details, canonical, (digest) => previousImages.get(digest), intern, (error) => note('manifests', 'BatchGetImage', error));
  const attestationChildren = new Set<string>();
  for (const m of manifests.values()) for (const child of m.info.attestationChildren) attestationChildren.add(child);
  // A matched index's manifest is cached (it is never plain).
  for (const image of matched) for (const child of ctx.caches.manifests.get(image.digest)?.attestationChildren ?? []) attestationChildren.add(child);

  const scans = await readScans(ctx, id, name, details, scanned, canonical, intern, (error) => note('scan', 'DescribeImageScanFindings', error), listing.matchedScans);

  return runCooperatively(assembleImagesSteps(ctx, registry, repository, id, listing, { manifests, scans, attestationChildren, previousImages, canonical, intern }));
}

interface RepositoryReads {
  readonly manifests: Map<string, ManifestRead>;
  readonly scans: Awaited<ReturnType<typeof readScans>>;
  readonly attestationChildren: ReadonlySet<string>;
  readonly previousImages: ReadonlyMap<string, Image>;
  readonly canonical: (digest: string) => string;
  readonly intern: (s: string) => string;
}

/** The repository's images from what was read: the listed details assembled, then the matched previous images. */
function* assembleImagesSteps(
  ctx: EcrReadContext,
  registry: Registry,
  repository: Repository,
  id: string,
  listing: RepositoryListing,
  { manifests, scans, attestationChildren, previousImages, canonical, intern }: RepositoryReads,
): Steps<RepositoryRead> {
  const { previous } = ctx.run;
  const { details, matched } = listing;
  const findings: [string, readonly Finding[]][] = [];
  // Previous images listed again (a digest listed twice counts once: it must not hide one that is gone).
  const kept = new Set<string>();
  const images: Image[] = [];
  let done = 0;
  for (const detail of details) {
    if (++done % IMAGES_PER_STEP === 0) yield;
    if (!detail.imageDigest) continue;
    const digest = canonical(detail.imageDigest);
    const manifest = manifests.get(digest);
    if (manifest) recordLayerSizes(ctx.run, manifest);
    const fetched = scans.scans.get(digest);
    // Fresh lists, else the previous snapshot's while the cached counts still hold.
    if (fetched && !fetched.notFound) keepFindings(ctx.run, digest, scans.fresh.has(digest) ? madeFindings(fetched) : previous?.findings.get(digest), findings);
    const image = assembleImage({
      intern,
      repositoryId: id,
      detail: detail.imageDigest === digest ? detail : Object.assign({}, detail, { imageDigest: digest }),
      ...(manifest ? { manifest: manifest.info } : {}),
      attestationChild: attestationChildren.has(digest),
      scan: scanResult({ detail, ...(fetched ? { fetched } : {}), registryScanType: registry.scanType }, intern, ctx.caches.counts),
    });
    const before = previousImages.get(digest);
    if (before) kept.add(digest);
    images.push(before && sameImage(before, image) ? before : image);
  }
  for (const [digest, list] of listing.findings) keepFindings(ctx.run, digest, list, findings);
  for (const image of matched) {
    if (++done % IMAGES_PER_STEP === 0) yield;
    kept.add(image.digest);
    images.push(withKindAmong(ctx, image, attestationChildren.has(image.digest)));
  }
  if (kept.size < previousImages.size) ctx.run.layerSizes.imageGone = true;
  return { repository, images, findings };
}

/**
 * A matched image as the long way would assemble it now: the one thing it takes from the repository's other images
 * is whether an index lists it as an attestation, which a new index can change.
 */
function withKindAmong(ctx: EcrReadContext, image: Image, attestationChild: boolean): Image {
  // A matched image holds layers exactly when the long way would use its manifest (RepositoryListing checks it).
  const manifest = image.layers === undefined ? undefined : (ctx.caches.manifests.get(image.digest) ?? plainManifestOf(image));
  const kind = imageKind({
    attestationChild,
    ...(image.manifestMediaType !== undefined ? { manifestMediaType: image.manifestMediaType } : {}),
    ...(image.artifactMediaType !== undefined ? { artifactMediaType: image.artifactMediaType } : {}),
    ...(image.subjectDigest !== undefined ? { subjectDigest: image.subjectDigest } : {}),
    ...(manifest ? { manifest } : {}),
  });
  return kind === image.kind ? image : imageRecord(Object.assign({}, image, { kind }));
}

/** Gathers a manifest's blob sizes the previous snapshot lacks or holds differently (see BlobSizes). */
function recordLayerSizes(run: RefreshRun, manifest: ManifestRead): void {
  const before = run.previous && blobIndexOf(run.previous.layerSizes);
  const { blobs } = manifest.info;
  for (let i = 0, n = blobCount(blobs); i < n; i++) {
    const size = manifest.sizeAt(i) ?? 0;
    const entry = before ? before.entryOfBlobAt(blobs, i) : -1;
    if (entry < 0 || before!.sizeOfEntry(entry) !== size) run.layerSizes.changed.setBlobAt(blobs, i, size);
  }
}

/** Keeps an image's findings list within the refresh's budget (an empty list counts as one: it is still an entry). */
function keepFindings(run: RefreshRun, digest: string, list: readonly Finding[] | undefined, out: [string, readonly Finding[]][]): void {
  const budget = run.findingsBudget;
  if (list && Math.max(1, list.length) <= budget.left) {
    budget.left -= Math.max(1, list.length);
    out.push([digest, list.length > 0 ? list : NO_FINDINGS]);
  }
}
