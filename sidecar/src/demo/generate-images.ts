/**
 * A synthetic repository's images in push order: single-platform pushes, multi-arch indexes with their
 * children and attestations, referrer artifacts, scans drawn from the shared catalogue, floating tags.
 */
import type {
  FixtureBasicFinding,
  FixtureBlob,
  FixtureEnhancedFinding,
  FixtureImage,
  FixtureScan,
} from './fixture.js';
import { MEDIA_TYPES } from './fixture.js';
import type { Vulnerability } from './generate-findings.js';
import type { Random } from './prng.js';

const DAY = 86_400;
const MB = 1_048_576;

/** The generator's parameters the images follow (SyntheticParams has them all). */
export interface ImageParams {
  readonly now: number;
  readonly untaggedShare: number;
  readonly multiArchShare: number;
  readonly artifactShare: number;
  readonly pulledShare: number;
  readonly scannedShare: number;
  readonly archivedShare: number;
}

export interface RepoContext {
  readonly rnd: Random;
  readonly p: ImageParams;
  readonly enhanced: boolean;
  readonly vulnSets: readonly (readonly Vulnerability[])[];
  readonly basicSets: readonly (readonly FixtureBasicFinding[])[];
  readonly enhancedSets: readonly (readonly FixtureEnhancedFinding[])[];
  readonly base: Record<'amd64' | 'arm64', FixtureBlob[]>;
  readonly deps: FixtureBlob[];
  readonly images: FixtureImage[];
}

/** A repository's context: four vulnerability sets its images share, and base layers per platform. */
export function repoContext(rnd: Random, p: ImageParams, enhanced: boolean, catalogue: readonly Vulnerability[], images: FixtureImage[]): RepoContext {
  const vulnSets = Array.from({ length: 4 }, () =>
    Array.from({ length: rnd.int(0, 14) }, () => rnd.pick(catalogue)).filter((v, k, a) => a.indexOf(v) === k),
  );
  return {
    rnd,
    p,
    enhanced,
    vulnSets,
    basicSets: vulnSets.map((s) => s.map((v) => v.basic)),
    enhancedSets: vulnSets.map((s) => s.map((v) => v.enhanced)),
    base: {
      amd64: Array.from({ length: rnd.int(2, 5) }, (_, k) =>
        blob(rnd, k === 0 ? 20 * MB : 2 * MB, k === 0 ? 90 * MB : 150 * MB),
      ),
      arm64: Array.from({ length: rnd.int(2, 5) }, (_, k) =>
        blob(rnd, k === 0 ? 20 * MB : 2 * MB, k === 0 ? 90 * MB : 150 * MB),
      ),
    },
    deps: [],
    images,
  };
}

const blob = (rnd: Random, min: number, max: number): FixtureBlob => ({
  digest: rnd.digest(),
  size: rnd.int(min, max),
});

function layersFor(ctx: RepoContext, arch: 'amd64' | 'arm64'): FixtureBlob[] {
  const { rnd } = ctx;
  const base = ctx.base[arch];
  const layers = base.slice(0, rnd.int(Math.min(2, base.length), base.length));
  // Dependency layers recur between builds; the last layer is the application itself.
  if (ctx.deps.length === 0 || rnd.chance(0.15)) ctx.deps.push(blob(rnd, 1 * MB, 60 * MB));
  layers.push(ctx.deps[ctx.deps.length - 1 - Math.min(ctx.deps.length - 1, Math.floor(rnd.next() * 3))]!);
  layers.push(blob(rnd, 100_000, 20 * MB));
  return layers;
}

function scanFor(ctx: RepoContext, img: FixtureImage): FixtureScan | undefined {
  const { rnd, p } = ctx;
  if (!rnd.chance(p.scannedShare)) return undefined;
  const set = Math.floor(rnd.next() * ctx.vulnSets.length);
  const age = p.now - img.pushedAt;
  if (ctx.enhanced) {
    if (age > 300 * DAY && img.lastPulledAt === undefined)
      return { type: 'ENHANCED', status: 'SCAN_ELIGIBILITY_EXPIRED' };
    return {
      type: 'ENHANCED',
      status: 'ACTIVE',
      completedAt: Math.min(p.now, img.pushedAt + 120),
      vulnerabilitySourceUpdatedAt: p.now - DAY,
      enhancedFindings: ctx.enhancedSets[set] as FixtureEnhancedFinding[],
    };
  }
  if (rnd.chance(0.02)) return { type: 'BASIC', status: 'FAILED', description: 'Unable to scan the image.' };
  return {
    type: 'BASIC',
    status: 'COMPLETE',
    completedAt: img.pushedAt + 90,
    vulnerabilitySourceUpdatedAt: img.pushedAt - rnd.int(0, 3) * DAY,
    findings: ctx.basicSets[set] as FixtureBasicFinding[],
  };
}

function singleImage(ctx: RepoContext, pushedAt: number, arch: 'amd64' | 'arm64', docker: boolean): FixtureImage {
  const { rnd, p } = ctx;
  const img: FixtureImage = {
    digest: rnd.digest(),
    mediaType: docker ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest,
    pushedAt,
    config: blob(rnd, 1500, 15_000),
    layers: layersFor(ctx, arch),
  };
  if (rnd.chance(p.pulledShare)) img.lastPulledAt = pushedAt + Math.floor(rnd.next() * (p.now - pushedAt));
  if (p.now - pushedAt > 180 * DAY && rnd.chance(p.archivedShare)) {
    img.status = 'ARCHIVED';
    img.lastArchivedAt = Math.min(p.now, (img.lastPulledAt ?? pushedAt) + 90 * DAY);
  }
  return img;
}

function attestation(ctx: RepoContext, pushedAt: number): FixtureImage {
  const { rnd } = ctx;
  return {
    digest: rnd.digest(),
    mediaType: MEDIA_TYPES.ociManifest,
    pushedAt,
    config: { ...blob(rnd, 160, 260), mediaType: MEDIA_TYPES.ociConfig },
    layers: [{ ...blob(rnd, 2_000, 40_000), mediaType: MEDIA_TYPES.inToto }],
  };
}

function referrer(ctx: RepoContext, subject: FixtureImage, pushedAt: number): FixtureImage {
  const { rnd } = ctx;
  const soci = rnd.chance(0.4);
  return {
    digest: rnd.digest(),
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType: soci ? MEDIA_TYPES.sociIndex : MEDIA_TYPES.cosignSignature,
    pushedAt,
    layers: soci
      ? [{ ...blob(rnd, 50_000, 2 * MB), mediaType: 'application/octet-stream' }]
      : [{ ...blob(rnd, 200, 400), mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }],
    subject: subject.digest,
  };
}

function archive(img: FixtureImage, at: number | undefined): void {
  img.status = 'ARCHIVED';
  if (at !== undefined) img.lastArchivedAt = at;
}

/** Emits `count` image records in push order; returns the top-level pushes (tag holders). */
export function generateImages(ctx: RepoContext, count: number, createdAt: number): FixtureImage[] {
  const { rnd, p, images } = ctx;
  const pushes: FixtureImage[] = [];
  const span = Math.max(1, p.now - createdAt - 3600);
  let minor = 0;
  let patch = 0;
  while (images.length < count) {
    const left = count - images.length;
    const pushedAt = createdAt + Math.floor(((images.length + rnd.next()) / count) * span);
    if (rnd.chance(0.05)) {
      minor++;
      patch = 0;
    } else patch++;
    const version = `1.${minor}.${patch}`;
    const top = left >= 3 && rnd.chance(p.multiArchShare) ? pushMultiArch(ctx, pushedAt, version, left) : pushSingle(ctx, pushedAt, version);
    if (top.tags) pushes.push(top);
    if (images.length < count && rnd.chance(p.artifactShare)) {
      const art = referrer(ctx, top, pushedAt + 30);
      if (top.status === 'ARCHIVED') archive(art, top.lastArchivedAt);
      images.push(art);
    }
  }
  floatTags(rnd, pushes);
  return pushes;
}

/** One single-platform push, tagged unless untagged; returns it. */
function pushSingle(ctx: RepoContext, pushedAt: number, version: string): FixtureImage {
  const { rnd, p, images } = ctx;
  const top = singleImage(ctx, pushedAt, 'amd64', rnd.chance(0.6));
  if (!rnd.chance(p.untaggedShare))
    top.tags = rnd.chance(0.3) ? [version, `sha-${top.digest.slice(7, 14)}`] : [version];
  const scan = scanFor(ctx, top);
  if (scan) top.scan = scan;
  images.push(top);
  return top;
}

/** One multi-arch push: amd64 and arm64 children, attestations when OCI, then the index; returns the index. */
function pushMultiArch(ctx: RepoContext, pushedAt: number, version: string, left: number): FixtureImage {
  const { rnd, images } = ctx;
  const oci = rnd.chance(0.7) && left >= 5;
  const amd = singleImage(ctx, pushedAt, 'amd64', !oci);
  const arm = singleImage(ctx, pushedAt, 'arm64', !oci);
  const children = [amd, arm];
  const top: FixtureImage = {
    digest: rnd.digest(),
    mediaType: oci ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerManifestList,
    pushedAt,
    tags: [version],
    children: [
      { digest: amd.digest, platform: { os: 'linux', architecture: 'amd64' } },
      { digest: arm.digest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ],
  };
  if (amd.lastPulledAt !== undefined) top.lastPulledAt = amd.lastPulledAt;
  if (amd.status === 'ARCHIVED' || arm.status === 'ARCHIVED') {
    top.status = amd.status = arm.status = 'ARCHIVED';
    top.lastArchivedAt = amd.lastArchivedAt = arm.lastArchivedAt = amd.lastArchivedAt ?? arm.lastArchivedAt;
  }
  for (const child of children) {
    const scan = scanFor(ctx, child);
    if (scan) child.scan = scan;
  }
  images.push(amd, arm);
  if (oci) {
    for (const child of children) {
      const att = attestation(ctx, pushedAt);
      if (top.status === 'ARCHIVED') archive(att, top.lastArchivedAt);
      top.children!.push({
        digest: att.digest,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: {
          'vnd.docker.reference.digest': child.digest,
          'vnd.docker.reference.type': 'attestation-manifest',
        },
      });
      images.push(att);
    }
  }
  images.push(top);
  return top;
}

/** Floating tags: latest on the newest release, prod and staging on recent ones. */
function floatTags(rnd: Random, pushes: readonly FixtureImage[]): void {
  const active = pushes.filter((i) => i.status !== 'ARCHIVED');
  const float = (tag: string, from: number): void => {
    if (active.length === 0) return;
    const i = Math.min(active.length - 1, Math.floor(from * active.length + rnd.next() * (1 - from) * active.length));
    active[i]!.tags = [...active[i]!.tags!, tag];
  };
  if (active.length > 0) active[active.length - 1]!.tags = [...active[active.length - 1]!.tags!, 'latest'];
  float('prod', 0.7);
  float('staging', 0.9);
}
