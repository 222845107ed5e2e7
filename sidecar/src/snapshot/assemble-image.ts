/**
 * Pure helpers that turn ECR image shapes (DescribeImages, BatchGetImage, DescribeImageScanFindings) into
 * model images: manifest parsing, the image kind, the explicit scan state and findings.
 */
import { blobKey, type BlobKey } from './blob-key.js';
import type { EnhancedImageScanFinding, ImageDetail, ImageScanFinding } from '@aws-sdk/client-ecr';
import type { Finding, Image, ImageKind, ImageStatus, ScanResult, ScanState, Severity, SeverityCounts } from './model.js';
import { SEVERITIES } from './model.js';

export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
export const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);
/** Every manifest type BatchGetImage should return as stored (no conversion). */
export const ACCEPTED_MEDIA_TYPES: readonly string[] = [...MANIFEST_MEDIA_TYPES, ...INDEX_MEDIA_TYPES];

const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.docker.container.image.v1+json',
  'application/vnd.oci.image.config.v1+json',
]);
// Signatures, attestations, SBOMs and SOCI indexes: artifacts that describe another image.
const ATTESTATION_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.in-toto+json',
  'application/vnd.dsse.envelope.v1+json',
  'application/vnd.dev.cosign.simplesigning.v1+json',
  'application/vnd.dev.cosign.artifact.sig.v1+json',
  'application/vnd.dev.cosign.artifact.sbom.v1+json',
  'application/vnd.cncf.notary.signature',
  'application/spdx+json',
  'text/spdx',
  'application/vnd.cyclonedx+json',
  'application/vnd.cyclonedx+xml',
  'application/vnd.syft+json',
  'application/vnd.amazon.soci.index.v1+json',
  'application/vnd.amazon.soci.index.v2+json',
]);
export const isAttestationMediaType = (type: string | undefined): boolean =>
  !!type && (ATTESTATION_TYPES.has(type) || type.startsWith('application/vnd.dev.sigstore.bundle') || type.startsWith('application/vnd.in-toto.'));

/** What a manifest says, reduced to what the model needs. Digest-addressed, so it can be cached forever. */
export interface ManifestInfo {
  readonly mediaType?: string;
  readonly artifactType?: string;
  /** Config blob first, then the layers. Empty for an index. */
  readonly blobs: readonly BlobKey[];
  readonly blobSizes: readonly number[];
  /** For an index: the manifests it lists. */
  readonly children: readonly string[];
  /** Children that are build attestations (buildx `vnd.docker.reference.type: attestation-manifest`). */
  readonly attestationChildren: readonly string[];
  readonly subject?: string;
  /** Every layer is an attestation payload (a buildx attestation manifest, a cosign signature). */
  readonly attestationLayers: boolean;
}

interface Descriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  annotations?: unknown;
}
const asDescriptors = (value: unknown): Descriptor[] =>
  Array.isArray(value) ? value.filter((d): d is Descriptor => !!d && typeof d === 'object') : [];
const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

const EMPTY: readonly never[] = Object.freeze([]);
const EMPTY_SIZES: readonly number[] = Object.freeze([]);

/** Parses a manifest from BatchGetImage. Throws on text that is not a JSON object. */
export function parseManifest(text: string, mediaType?: string, intern: (s: string) => string = (s) => s): ManifestInfo {
  const doc: unknown = JSON.parse(text);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('manifest is not a JSON object');
  const m = doc as Record<string, unknown>;
  const type = str(m.mediaType) ?? mediaType;
  const blobs: BlobKey[] = [];
  const blobSizes: number[] = [];
  const add = (d: Descriptor | undefined): void => {
    const raw = str(d?.digest);
    const digest = raw === undefined ? undefined : blobKey(raw);
    if (!digest || blobs.includes(digest)) return;
    blobs.push(intern(digest) as BlobKey); // the same string, shared
    blobSizes.push(typeof d?.size === 'number' && d.size >= 0 ? d.size : 0);
  };
  const config = m.config && typeof m.config === 'object' ? (m.config as Descriptor) : undefined;
  add(config);
  const layers = asDescriptors(m.layers);
  for (const layer of layers) add(layer);
  // Schema 1 manifests list layers as fsLayers[].blobSum without sizes.
  for (const layer of asDescriptors(m.fsLayers)) add({ digest: (layer as { blobSum?: unknown }).blobSum, size: 0 });

  const children: string[] = [];
  const attestationChildren: string[] = [];
  for (const child of asDescriptors(m.manifests)) {
    const digest = str(child.digest);
    if (!digest) continue;
    children.push(intern(digest));
    const annotations = child.annotations as Record<string, unknown> | undefined;
    if (annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') attestationChildren.push(intern(digest));
  }
  const subject = m.subject && typeof m.subject === 'object' ? str((m.subject as Descriptor).digest) : undefined;
  const artifactType = str(m.artifactType) ?? (config && !IMAGE_CONFIG_TYPES.has(str(config.mediaType) ?? '') ? str(config.mediaType) : undefined);
  // Empty lists share one frozen array: most manifests have no children, an index has no blobs.
  return {
    ...(type ? { mediaType: intern(type) } : {}),
    ...(artifactType ? { artifactType: intern(artifactType) } : {}),
    blobs: blobs.length ? blobs : EMPTY,
    blobSizes: blobSizes.length ? blobSizes : EMPTY_SIZES,
    children: children.length ? children : EMPTY,
    attestationChildren: attestationChildren.length ? attestationChildren : EMPTY,
    ...(subject ? { subject: intern(subject) } : {}),
    attestationLayers: layers.length > 0 && layers.every((l) => isAttestationMediaType(str(l.mediaType))),
  };
}

/**
 * A manifest as the refresh caches keep it: without blob sizes, which the snapshot's `layerSizes` holds
 * once per blob (a cached manifest is used only while its sizes are there).
 */
export type CachedManifest = Omit<ManifestInfo, 'blobSizes'>;

export function compactManifest(info: ManifestInfo): CachedManifest {
  const { blobSizes: _sizes, ...rest } = info;
  return Object.freeze(rest);
}

/**
 * A manifest its image fully describes: a single-platform manifest (no children, subject, artifact type or
 * attestation layers) whose media type is the one DescribeImages reports. Most are; the refresh caches
 * only the others and rebuilds these from the previous snapshot's image (see plainManifestOf).
 */
export function isPlainManifest(info: CachedManifest, reportedMediaType: string | undefined): boolean {
  return (
    info.mediaType === reportedMediaType &&
    info.artifactType === undefined &&
    info.subject === undefined &&
    info.children.length === 0 &&
    info.attestationChildren.length === 0 &&
    !info.attestationLayers
  );
}

/** The plain manifest an image was assembled from (undefined when its manifest was never read, or is not plain). */
export function plainManifestOf(image: Image): CachedManifest | undefined {
  if (!image.layers || image.children.length > 0) return undefined;
  return {
    ...(image.manifestMediaType !== undefined ? { mediaType: image.manifestMediaType } : {}),
    blobs: image.layers,
    children: EMPTY,
    attestationChildren: EMPTY,
    attestationLayers: false,
  };
}

export interface KindInput {
  readonly manifestMediaType?: string;
  readonly artifactMediaType?: string;
  readonly subjectDigest?: string;
  readonly manifest?: CachedManifest;
  /** An index in the same repository lists this digest as an attestation manifest. */
  readonly attestationChild?: boolean;
}

/**
 * image: a single-platform image manifest; index: OCI index or Docker manifest list; attestation: anything
 * with a subject, an attestation/signature/SBOM/SOCI media type, or listed as an attestation by its index;
 * other: artifacts such as Helm charts.
 */
export function imageKind(input: KindInput): ImageKind {
  const manifestType = input.manifestMediaType ?? input.manifest?.mediaType;
  if (input.subjectDigest || input.manifest?.subject) return 'attestation';
  if (isAttestationMediaType(input.artifactMediaType) || isAttestationMediaType(input.manifest?.artifactType)) return 'attestation';
  if (input.attestationChild) return 'attestation';
  if (manifestType && INDEX_MEDIA_TYPES.has(manifestType)) return 'index';
  if (input.manifest?.attestationLayers) return 'attestation';
  const artifactType = input.artifactMediaType ?? input.manifest?.artifactType;
  if (artifactType && !IMAGE_CONFIG_TYPES.has(artifactType)) return 'other';
  if (!manifestType || MANIFEST_MEDIA_TYPES.has(manifestType)) return 'image';
  return 'other';
}

const ZERO_COUNTS: SeverityCounts = Object.freeze(Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>);

export function normalizeSeverity(value: string | undefined): Severity {
  const upper = (value ?? '').toUpperCase();
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : 'UNDEFINED';
}

/** ECR's per-severity counts with every severity present; unknown keys (e.g. UNTRIAGED) count as UNDEFINED. */
export function severityCounts(raw: Readonly<Record<string, number | undefined>> | undefined): SeverityCounts {
  const counts: Record<Severity, number> = { ...ZERO_COUNTS };
  for (const [key, value] of Object.entries(raw ?? {})) if (typeof value === 'number') counts[normalizeSeverity(key)] += value;
  return Object.freeze(counts);
}

const NOT_SCANNED: ScanResult = Object.freeze({ state: 'not_scanned' });
const sharedCounts = new Map<string, SeverityCounts>();

/** One frozen object per distinct count set: most images share a handful (all zero, a few findings). */
export function shareCounts(counts: SeverityCounts): SeverityCounts {
  const key = SEVERITIES.map((s) => counts[s]).join(',');
  let shared = sharedCounts.get(key);
  if (!shared) {
    if (sharedCounts.size > 100_000) sharedCounts.clear();
    sharedCounts.set(key, (shared = Object.isFrozen(counts) ? counts : Object.freeze({ ...counts })));
  }
  return shared;
}

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
  readonly findings: readonly Finding[];
  readonly enhanced: boolean;
  /** When it was fetched (epoch ms), for the cache's maximum age. */
  readonly fetchedAt: number;
}

/**
 * A fetched scan as the refresh cache keeps it: its counts and timestamps, not its findings (the re-fetch
 * decision needs only those; the findings query fetches lists on demand). scanResult gives the same result.
 */
export function compactScan(fetched: FetchedScan): FetchedScan {
  if (fetched.findings.length === 0) return fetched.findings === EMPTY_FINDINGS ? fetched : Object.freeze({ ...fetched, findings: EMPTY_FINDINGS });
  return Object.freeze({ ...fetched, counts: shareCounts(fetched.counts ?? countFindings(fetched.findings)), findings: EMPTY_FINDINGS });
}
const EMPTY_FINDINGS: readonly Finding[] = Object.freeze([]);

export function basicFinding(f: ImageScanFinding): Finding {
  const attr = (key: string): string | undefined => f.attributes?.find((a) => a.key === key)?.value;
  const score = Number(attr('CVSS3_SCORE') ?? attr('CVSS2_SCORE'));
  const packageName = attr('package_name');
  const packageVersion = attr('package_version');
  return {
    name: f.name ?? '(unnamed)',
    severity: normalizeSeverity(f.severity),
    ...(f.description ? { description: f.description } : {}),
    ...(f.uri ? { uri: f.uri } : {}),
    ...(packageName ? { packageName } : {}),
    ...(packageVersion ? { packageVersion } : {}),
    ...(Number.isFinite(score) ? { score } : {}),
    source: 'basic',
  };
}

export function enhancedFinding(f: EnhancedImageScanFinding): Finding {
  const details = f.packageVulnerabilityDetails;
  const pkg = details?.vulnerablePackages?.[0];
  const uri = details?.sourceUrl ?? details?.referenceUrls?.[0] ?? f.remediation?.recommendation?.url;
  return {
    name: details?.vulnerabilityId ?? f.title ?? '(unnamed)',
    severity: normalizeSeverity(f.severity),
    ...(f.description ? { description: f.description } : {}),
    ...(uri ? { uri } : {}),
    ...(pkg?.name ? { packageName: pkg.name } : {}),
    ...(pkg?.version ? { packageVersion: pkg.version } : {}),
    ...(pkg?.fixedInVersion ? { fixedInVersion: pkg.fixedInVersion } : {}),
    ...(typeof f.score === 'number' ? { score: f.score } : {}),
    ...(f.status ? { status: f.status } : {}),
    source: 'enhanced',
  };
}

export interface ScanInput {
  readonly detail: Pick<ImageDetail, 'imageScanStatus' | 'imageScanFindingsSummary'>;
  readonly fetched?: FetchedScan;
  readonly registryScanType: 'BASIC' | 'ENHANCED';
}

/**
 * The explicit scan state of an image. Counts are present only when known: from DescribeImages' summary
 * (a completed basic scan), or from fetched findings. Missing data never becomes zero counts.
 */
export function scanResult({ detail, fetched, registryScanType }: ScanInput, intern: (s: string) => string = (s) => s): ScanResult {
  const summary = detail.imageScanFindingsSummary;
  const useFetched = !!fetched && !fetched.notFound;
  const status = (useFetched ? fetched.status : undefined) ?? detail.imageScanStatus?.status;
  const description = (useFetched ? fetched.description : undefined) ?? detail.imageScanStatus?.description;
  let state = scanState(status);
  // The newer basic scanner reports no status in DescribeImages; findings fetched without a status mean a scan exists.
  if (!status && useFetched && (fetched.completedAt !== undefined || fetched.findings.length > 0 || fetched.counts)) state = 'complete';

  let counts: SeverityCounts | undefined;
  let completedAt: number | undefined;
  let vulnerabilitySourceUpdatedAt: number | undefined;
  if (useFetched) {
    completedAt = fetched.completedAt;
    vulnerabilitySourceUpdatedAt = fetched.vulnerabilitySourceUpdatedAt;
    if (state === 'complete' || state === 'active') counts = fetched.counts ?? countFindings(fetched.findings);
  }
  if (!counts && summary?.imageScanCompletedAt && (state === 'complete' || state === 'active')) {
    counts = severityCounts(summary.findingSeverityCounts);
    completedAt = summary.imageScanCompletedAt.getTime();
    vulnerabilitySourceUpdatedAt = summary.vulnerabilitySourceUpdatedAt?.getTime();
  }
  const scanType: 'BASIC' | 'ENHANCED' | undefined =
    state === 'not_scanned' ? undefined : status === 'ACTIVE' || (useFetched && fetched.enhanced) ? 'ENHANCED' : registryScanType;
  if (state === 'not_scanned' && !status && !description && completedAt === undefined) return NOT_SCANNED;
  if (counts) counts = shareCounts(counts);
  return {
    state,
    ...(status ? { status: intern(status) } : {}),
    ...(description ? { description: intern(description) } : {}),
    ...(scanType ? { scanType } : {}),
    ...(completedAt !== undefined ? { completedAt } : {}),
    ...(vulnerabilitySourceUpdatedAt !== undefined ? { vulnerabilitySourceUpdatedAt } : {}),
    ...(counts ? { counts } : {}),
  };
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

export interface ImageAssemblyInput {
  readonly repositoryId: string;
  readonly detail: ImageDetail;
  readonly manifest?: CachedManifest;
  readonly attestationChild: boolean;
  readonly scan: ScanResult;
  readonly intern?: (s: string) => string;
}

const time = (d: Date | undefined): number | undefined => (d ? d.getTime() : undefined);

/** One model image from its DescribeImages detail, parsed manifest and scan result. */
export function assembleImage({ repositoryId, detail, manifest, attestationChild, scan, intern = (s) => s }: ImageAssemblyInput): Image {
  const lastPulledAt = time(detail.lastRecordedPullTime);
  const lastArchivedAt = time(detail.lastArchivedAt);
  const lastActivatedAt = time(detail.lastActivatedAt);
  const subjectDigest = detail.subjectManifestDigest ?? manifest?.subject;
  const manifestMediaType = detail.imageManifestMediaType ?? manifest?.mediaType;
  return {
    repositoryId,
    digest: intern(detail.imageDigest ?? ''),
    tags: detail.imageTags ?? EMPTY,
    kind: imageKind({
      ...(manifestMediaType ? { manifestMediaType } : {}),
      ...(detail.artifactMediaType ? { artifactMediaType: detail.artifactMediaType } : {}),
      ...(subjectDigest ? { subjectDigest } : {}),
      ...(manifest ? { manifest } : {}),
      attestationChild,
    }),
    ...(manifestMediaType ? { manifestMediaType: intern(manifestMediaType) } : {}),
    ...(detail.artifactMediaType ? { artifactMediaType: intern(detail.artifactMediaType) } : {}),
    pushedAt: time(detail.imagePushedAt) ?? 0,
    ...(time(detail.imagePushedAt) === undefined ? { pushedAtUnknown: true as const } : {}),
    ...(lastPulledAt !== undefined ? { lastPulledAt } : {}),
    ...(detail.imageSizeInBytes !== undefined ? { sizeBytes: detail.imageSizeInBytes } : {}),
    status: (detail.imageStatus as ImageStatus | undefined) ?? 'ACTIVE',
    ...(lastArchivedAt !== undefined ? { lastArchivedAt } : {}),
    ...(lastActivatedAt !== undefined ? { lastActivatedAt } : {}),
    ...(subjectDigest ? { subjectDigest } : {}),
    children: manifest?.children.length ? manifest.children : EMPTY,
    ...(manifest ? { layers: manifest.blobs } : {}),
    scan,
  };
}

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean =>
  a === b || (!!a && !!b && a.length === b.length && a.every((v, i) => v === b[i]));

const sameScan = (a: ScanResult, b: ScanResult): boolean =>
  a === b ||
  (a.state === b.state &&
    a.status === b.status &&
    a.description === b.description &&
    a.scanType === b.scanType &&
    a.completedAt === b.completedAt &&
    a.vulnerabilitySourceUpdatedAt === b.vulnerabilitySourceUpdatedAt &&
    (a.counts === b.counts || (!!a.counts && !!b.counts && SEVERITIES.every((s) => a.counts![s] === b.counts![s]))));

/**
 * True when two images hold the same values. A refresh keeps the previous snapshot's object for an
 * unchanged image, so both snapshots share it instead of holding two copies while the new one is built.
 */
export function sameImage(a: Image, b: Image): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const key of ka) {
    const va = (a as unknown as Record<string, unknown>)[key];
    const vb = (b as unknown as Record<string, unknown>)[key];
    if (va === vb) continue;
    if (key === 'scan') {
      if (!sameScan(va as ScanResult, vb as ScanResult)) return false;
    } else if (Array.isArray(va) && Array.isArray(vb)) {
      if (!sameList(va, vb)) return false;
    } else return false;
  }
  return true;
}
