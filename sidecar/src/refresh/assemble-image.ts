/**
 * Pure helpers that turn ECR image shapes (DescribeImages, BatchGetImage) into model images: manifest
 * parsing and the image kind. The scan state is scans.ts's; findings are mapped in aws/finding-mappers.ts.
 */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES } from '../aws/media-types.js';
import { blobKey, blobList, type BlobKey, type BlobList } from '../snapshot/blob-key.js';
import type { Image, ImageKind, ImageStatus, ScanResult } from '../snapshot/model.js';
import { SEVERITIES } from '../snapshot/model.js';
import { imageRecord } from '../snapshot/image-record.js';

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
  readonly blobs: BlobList;
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
  const listed = new Set<BlobKey>();
  const blobSizes: number[] = [];
  const add = (d: Descriptor | undefined): void => {
    const raw = str(d?.digest);
    const digest = raw === undefined ? undefined : blobKey(raw);
    if (!digest || listed.has(digest)) return;
    listed.add(digest);
    blobs.push(digest);
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
  // Empty lists share one frozen array: most manifests have no children. The lists kept are exact-length copies:
  // an array grown by push keeps room for 17 elements, 120 more bytes per image. The blobs are one string.
  return {
    blobs: blobList(blobs),
    ...(type ? { mediaType: intern(type) } : {}),
    ...(artifactType ? { artifactType: intern(artifactType) } : {}),
    blobSizes: blobSizes.length ? blobSizes : EMPTY_SIZES,
    children: children.length ? children.slice() : EMPTY,
    attestationChildren: attestationChildren.length ? attestationChildren.slice() : EMPTY,
    ...(subject ? { subject: intern(subject) } : {}),
    attestationLayers: layers.length > 0 && layers.every((l) => isAttestationMediaType(str(l.mediaType))),
  };
}

/**
 * A manifest as the refresh caches keep it: without blob sizes, which the snapshot's `layerSizes` holds
 * once per blob (a cached manifest is used only while its sizes are there).
 */
export type CachedManifest = Omit<ManifestInfo, 'blobSizes'>;

/**
 * A cached manifest as one object: a copy made by object rest (or Object.assign) gets room for four fields and
 * keeps the rest in a second array, one more object per cached manifest for the collector to mark. A class
 * instance gets room for every field its constructor may set. Same own fields, in the same order, as the info.
 */
class CachedManifestRecord implements CachedManifest {
  declare readonly blobs: BlobList;
  declare readonly mediaType?: string;
  declare readonly artifactType?: string;
  declare readonly children: readonly string[];
  declare readonly attestationChildren: readonly string[];
  declare readonly subject?: string;
  declare readonly attestationLayers: boolean;

  constructor(info: CachedManifest) {
    this.blobs = info.blobs;
    if (info.mediaType !== undefined) this.mediaType = info.mediaType;
    if (info.artifactType !== undefined) this.artifactType = info.artifactType;
    this.children = info.children;
    this.attestationChildren = info.attestationChildren;
    if (info.subject !== undefined) this.subject = info.subject;
    this.attestationLayers = info.attestationLayers;
    Object.freeze(this);
  }
}

// A field added to the manifest and not copied above fails to compile here.
type CopiedManifestFields = 'blobs' | 'mediaType' | 'artifactType' | 'children' | 'attestationChildren' | 'subject' | 'attestationLayers';
export const EVERY_MANIFEST_FIELD_COPIED: [Exclude<keyof CachedManifest, CopiedManifestFields>] extends [never] ? true : never = true;

export const compactManifest = (info: ManifestInfo): CachedManifest => new CachedManifestRecord(info);

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
  if (image.layers === undefined || image.children.length > 0) return undefined;
  return {
    blobs: image.layers,
    ...(image.manifestMediaType !== undefined ? { mediaType: image.manifestMediaType } : {}),
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
  return imageRecord({
    repositoryId,
    digest: intern(detail.imageDigest ?? ''),
    tags: detail.imageTags ?? EMPTY,
    kind: imageKind({
      attestationChild,
      ...(manifestMediaType ? { manifestMediaType } : {}),
      ...(detail.artifactMediaType ? { artifactMediaType: detail.artifactMediaType } : {}),
      ...(subjectDigest ? { subjectDigest } : {}),
      ...(manifest ? { manifest } : {}),
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
  });
}

export const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean =>
  a === b || (!!a && !!b && a.length === b.length && a.every((v, i) => v === b[i]));

export const sameScan = (a: ScanResult, b: ScanResult): boolean =>
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
