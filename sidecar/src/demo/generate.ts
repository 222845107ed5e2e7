/**
 * Deterministic synthetic registries: the same parameters (seed included) give the same fixture.
 * Memory matters at 1,000,000 images, so layers, findings and strings are shared objects: the fixture
 * is verbose once serialised, compact in memory.
 */
import { z } from 'zod';
import type {
  Fixture,
  FixtureBasicFinding,
  FixtureBlob,
  FixtureCluster,
  FixtureEnhancedFinding,
  FixtureImage,
  FixtureRegistry,
  FixtureRepository,
  FixtureScan,
  FixtureTask,
  FixtureTaskDefinition,
} from './fixture.js';
import { MEDIA_TYPES } from './fixture.js';
import { generateLambda } from './generate-lambda.js';
import { createRandom } from './prng.js';
import type { Random } from './prng.js';

export const SyntheticParamsSchema = z.object({
  seed: z.number().int().describe('PRNG seed'),
  accounts: z.number().int().min(1).max(50).describe('AWS accounts'),
  regions: z.number().int().min(1).max(6).describe('Regions per account (us-east-1, eu-west-1, us-west-2, ...)'),
  repositories: z.number().int().min(0).max(100_000).describe('Repositories in total, spread over the registries'),
  imagesPerRepository: z
    .number()
    .min(0)
    .max(100_000)
    .describe('Mean images per repository (Pareto, long-tailed); total = repositories x mean'),
  untaggedShare: z.number().min(0).max(1).describe('Share of single-image pushes that carry no tag'),
  multiArchShare: z
    .number()
    .min(0)
    .max(1)
    .describe('Share of pushes that are multi-arch: index + amd64/arm64 children + attestations'),
  artifactShare: z
    .number()
    .min(0)
    .max(1)
    .describe('Share of pushes followed by a referrer artifact (cosign signature or SOCI index)'),
  pulledShare: z.number().min(0).max(1).describe('Share of images with a lastRecordedPullTime'),
  scannedShare: z.number().min(0).max(1).describe('Share of scannable images that have a scan'),
  enhancedShare: z.number().min(0).max(1).describe('Share of registries using ENHANCED scanning'),
  awsNativeShare: z.number().min(0).max(1).describe('Share of BASIC registries on the AWS_NATIVE basic scanner'),
  archivedShare: z.number().min(0).max(1).describe('Share of images older than 180 days that are ARCHIVED'),
  lifecyclePolicyShare: z.number().min(0).max(1).describe('Share of repositories with a lifecycle policy'),
  repositoryPolicyShare: z
    .number()
    .min(0)
    .max(1)
    .describe('Share of repositories with a cross-account repository policy'),
  clustersPerRegistry: z.number().int().min(0).max(100).describe('ECS clusters per registry'),
  servicesPerCluster: z.number().int().min(0).max(1000).describe('ECS services per cluster'),
  tasksPerService: z.number().int().min(0).max(100).describe('Running tasks per service'),
  stoppedTasksPerService: z.number().int().min(0).max(100).describe('Stopped tasks per service'),
  taskDefinitionRevisions: z.number().int().min(1).max(100).describe('Task-definition revisions per service family'),
  digestReferenceShare: z
    .number()
    .min(0)
    .max(1)
    .describe('Share of task definitions referencing their image by digest rather than tag'),
  lambdaFunctionsPerRegistry: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .describe('Container-image Lambda functions per registry (plus one zip function when > 0)'),
  now: z.number().int().positive().describe('Epoch seconds the synthetic history ends at'),
});

export type SyntheticParams = z.infer<typeof SyntheticParamsSchema>;

/** The demo registry used by `npm start`: ~40 repositories, ~2,000 images, 2 accounts x 2 regions. */
export const DEMO_PARAMS: SyntheticParams = {
  seed: 42,
  accounts: 2,
  regions: 2,
  repositories: 40,
  imagesPerRepository: 50,
  untaggedShare: 0.3,
  multiArchShare: 0.15,
  artifactShare: 0.05,
  pulledShare: 0.6,
  scannedShare: 0.8,
  enhancedShare: 0.25,
  awsNativeShare: 0.34,
  archivedShare: 0.05,
  lifecyclePolicyShare: 0.4,
  repositoryPolicyShare: 0.3,
  clustersPerRegistry: 2,
  servicesPerCluster: 3,
  tasksPerService: 2,
  stoppedTasksPerService: 1,
  taskDefinitionRevisions: 3,
  digestReferenceShare: 0.3,
  lambdaFunctionsPerRegistry: 3,
  now: 1_767_225_600, // 2026-01-01T00:00:00Z
};

/** The benchmark scale: 5,000 repositories, 1,000,000 images. */
export const LARGE_PARAMS: SyntheticParams = {
  ...DEMO_PARAMS,
  accounts: 4,
  regions: 3,
  repositories: 5000,
  imagesPerRepository: 200,
};

/** Parses `key=value,key=value` (CLI form) into validated parameters; errors name the key. */
export function parseSyntheticParams(text: string): Partial<SyntheticParams> {
  const out: Record<string, number> = {};
  const keys = Object.keys(SyntheticParamsSchema.shape);
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (key === 'preset') continue;
    if (!keys.includes(key)) throw new Error(`unknown synthetic parameter '${key}' (known: ${keys.join(', ')})`);
    const value = Number(part.slice(eq + 1));
    if (eq < 0 || !Number.isFinite(value))
      throw new Error(`synthetic parameter '${key}' needs a number, got '${part.slice(eq + 1)}'`);
    out[key] = value;
  }
  const result = SyntheticParamsSchema.partial().safeParse(out);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`synthetic parameter '${issue.path.join('.')}': ${issue.message}`);
  }
  return result.data;
}

const REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2', 'ap-northeast-1', 'eu-central-1', 'ap-southeast-2'];
const TEAMS = ['payments', 'search', 'platform', 'data', 'web', 'mobile', 'ml', 'identity', 'checkout', 'ops'];
const APPS = [
  'api',
  'worker',
  'frontend',
  'gateway',
  'scheduler',
  'ingest',
  'etl',
  'auth',
  'billing',
  'notifier',
  'indexer',
  'proxy',
];
const DAY = 86_400;
const MB = 1_048_576;

export const accountIdFor = (i: number): string =>
  i < 9 ? String(111_111_111_111 * (i + 1)) : String(100_000_000_000 + i);

// Lifecycle policies from the AWS documentation examples.
const LIFECYCLE_POLICIES: readonly string[] = [
  {
    rules: [
      {
        rulePriority: 1,
        description: 'Expire images older than 14 days',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        action: { type: 'expire' },
      },
    ],
  },
  {
    rules: [
      {
        rulePriority: 1,
        description: 'Keep last 30 release images',
        selection: { tagStatus: 'tagged', tagPatternList: ['1.*'], countType: 'imageCountMoreThan', countNumber: 30 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: 'Expire untagged images after 7 days',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 3,
        description: 'Keep at most 200 images',
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 200 },
        action: { type: 'expire' },
      },
    ],
  },
  {
    rules: [
      {
        rulePriority: 1,
        description: 'Keep last 10 prod images',
        selection: { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 10 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: 'Rule 2',
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 },
        action: { type: 'expire' },
      },
    ],
  },
  {
    rules: [
      {
        rulePriority: 1,
        description: 'Archive images not pulled in 90 days',
        selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      },
      {
        rulePriority: 2,
        description: 'Delete images archived for a year',
        selection: {
          tagStatus: 'any',
          storageClass: 'archive',
          countType: 'sinceImageTransitioned',
          countUnit: 'days',
          countNumber: 365,
        },
        action: { type: 'expire' },
      },
    ],
  },
].map((p) => JSON.stringify(p));

function repositoryPolicy(pullAccounts: readonly string[], pushAccount?: string): string {
  const statements: unknown[] = [
    {
      Sid: 'AllowCrossAccountPull',
      Effect: 'Allow',
      Principal: { AWS: pullAccounts.map((a) => `arn:aws:iam::${a}:root`) },
      Action: ['ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer'],
    },
  ];
  if (pushAccount)
    statements.push({
      Sid: 'AllowCiPush',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${pushAccount}:role/ci-builder` },
      Action: [
        'ecr:PutImage',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:BatchCheckLayerAvailability',
      ],
    });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

// ---- vulnerability catalogue (shared finding objects) ----

const SEVERITY_WEIGHTS: readonly [FixtureBasicFinding['severity'], number, number][] = [
  ['CRITICAL', 0.05, 9.5],
  ['HIGH', 0.2, 7.8],
  ['MEDIUM', 0.4, 5.5],
  ['LOW', 0.25, 3.1],
  ['INFORMATIONAL', 0.05, 0],
  ['UNDEFINED', 0.05, 0],
];
const PACKAGES = [
  'openssl',
  'glibc',
  'zlib',
  'curl',
  'libxml2',
  'busybox',
  'expat',
  'ncurses',
  'sqlite',
  'krb5',
  'libssh2',
  'pcre2',
  'perl',
  'python3.11',
  'tar',
];

interface Vulnerability {
  readonly basic: FixtureBasicFinding;
  readonly enhanced: FixtureEnhancedFinding;
}

function vulnerabilityCatalogue(rnd: Random, now: number, size: number): Vulnerability[] {
  const out: Vulnerability[] = [];
  for (let i = 0; i < size; i++) {
    let roll = rnd.next();
    let entry = SEVERITY_WEIGHTS[0]!;
    for (const w of SEVERITY_WEIGHTS) {
      entry = w;
      if ((roll -= w[1]) < 0) break;
    }
    const [severity, , baseScore] = entry;
    const cve = `CVE-${2019 + (i % 7)}-${10000 + rnd.int(0, 49999)}`;
    const pkg = rnd.pick(PACKAGES);
    const version = `${rnd.int(1, 3)}.${rnd.int(0, 12)}.${rnd.int(0, 20)}`;
    const fixed = rnd.chance(0.7) ? `${version.split('.').slice(0, 2).join('.')}.${rnd.int(21, 30)}` : undefined;
    const score = baseScore ? Math.round((baseScore + rnd.next() * 0.9) * 10) / 10 : undefined;
    const observed = now - rnd.int(1, 400) * DAY;
    out.push({
      basic: {
        name: cve,
        severity,
        description: `A flaw was found in ${pkg} that may allow ${severity === 'CRITICAL' || severity === 'HIGH' ? 'remote code execution' : 'a denial of service'}.`,
        uri: `https://security-tracker.debian.org/tracker/${cve}`,
        attributes: [
          { key: 'package_version', value: version },
          { key: 'package_name', value: pkg },
          ...(score !== undefined
            ? [
                { key: 'CVSS2_VECTOR', value: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
                { key: 'CVSS2_SCORE', value: String(Math.min(10, score)) },
              ]
            : []),
        ],
      },
      enhanced: {
        title: `${cve} - ${pkg}`,
        severity,
        description: `${pkg} before ${fixed ?? 'an unreleased version'} is affected by ${cve}.`,
        status: 'ACTIVE',
        ...(score !== undefined ? { score: Math.min(10, score) } : {}),
        firstObservedAt: observed,
        lastObservedAt: now - DAY,
        updatedAt: now - DAY,
        fixAvailable: fixed ? 'YES' : 'NO',
        exploitAvailable: severity === 'CRITICAL' && rnd.chance(0.5) ? 'YES' : 'NO',
        packageVulnerabilityDetails: {
          vulnerabilityId: cve,
          source: 'NVD',
          sourceUrl: `https://nvd.nist.gov/vuln/detail/${cve}`,
          vendorSeverity: severity,
          referenceUrls: [`https://nvd.nist.gov/vuln/detail/${cve}`],
          ...(score !== undefined
            ? {
                cvss: [
                  {
                    baseScore: Math.min(10, score),
                    scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
                    source: 'NVD',
                    version: '3.1',
                  },
                ],
              }
            : {}),
          vulnerablePackages: [
            {
              name: pkg,
              version,
              ...(fixed ? { fixedInVersion: fixed } : {}),
              packageManager: 'OS',
              epoch: 0,
              release: '1',
            },
          ],
        },
        remediation: { recommendation: { text: fixed ? `Upgrade ${pkg} to ${fixed}.` : 'None Provided' } },
      },
    });
  }
  return out;
}

// ---- images ----

interface RepoContext {
  readonly rnd: Random;
  readonly p: SyntheticParams;
  readonly enhanced: boolean;
  readonly vulnSets: readonly (readonly Vulnerability[])[];
  readonly basicSets: readonly (readonly FixtureBasicFinding[])[];
  readonly enhancedSets: readonly (readonly FixtureEnhancedFinding[])[];
  readonly base: Record<'amd64' | 'arm64', FixtureBlob[]>;
  readonly deps: FixtureBlob[];
  readonly images: FixtureImage[];
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
function generateImages(ctx: RepoContext, count: number, createdAt: number): FixtureImage[] {
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
    let top: FixtureImage;
    if (left >= 3 && rnd.chance(p.multiArchShare)) {
      const oci = rnd.chance(0.7) && left >= 5;
      const amd = singleImage(ctx, pushedAt, 'amd64', !oci);
      const arm = singleImage(ctx, pushedAt, 'arm64', !oci);
      const children = [amd, arm];
      top = {
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
    } else {
      top = singleImage(ctx, pushedAt, 'amd64', rnd.chance(0.6));
      if (!rnd.chance(p.untaggedShare))
        top.tags = rnd.chance(0.3) ? [version, `sha-${top.digest.slice(7, 14)}`] : [version];
      const scan = scanFor(ctx, top);
      if (scan) top.scan = scan;
      images.push(top);
    }
    if (top.tags) pushes.push(top);
    if (images.length < count && rnd.chance(p.artifactShare)) {
      const art = referrer(ctx, top, pushedAt + 30);
      if (top.status === 'ARCHIVED') archive(art, top.lastArchivedAt);
      images.push(art);
    }
  }
  // Floating tags: latest on the newest release, prod and staging on recent ones.
  const active = pushes.filter((i) => i.status !== 'ARCHIVED');
  const float = (tag: string, from: number): void => {
    if (active.length === 0) return;
    const i = Math.min(active.length - 1, Math.floor(from * active.length + rnd.next() * (1 - from) * active.length));
    active[i]!.tags = [...active[i]!.tags!, tag];
  };
  if (active.length > 0) active[active.length - 1]!.tags = [...active[active.length - 1]!.tags!, 'latest'];
  float('prod', 0.7);
  float('staging', 0.9);
  return pushes;
}

/** Splits `total` over weights, exactly, capping each share. */
function allocate(total: number, weights: readonly number[], cap: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0) || 1;
  const raw = weights.map((w) => (total * w) / sum);
  const out = raw.map((r) => Math.min(cap, Math.floor(r)));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0 && order.length > 0; k = (k + 1) % order.length) {
    const i = order[k]![1];
    if (out[i]! < cap) {
      out[i]!++;
      left--;
    }
  }
  return out;
}

// ---- ECS ----

function generateEcs(
  rnd: Random,
  p: SyntheticParams,
  registry: FixtureRegistry,
  pushesByRepo: Map<string, FixtureImage[]>,
): void {
  const candidates = registry.repositories.filter((r) => (pushesByRepo.get(r.name)?.length ?? 0) > 0);
  if (p.clustersPerRegistry === 0 || candidates.length === 0) return;
  const uri = (repo: string): string => `${registry.accountId}.dkr.ecr.${registry.region}.amazonaws.com/${repo}`;
  const clusters: FixtureCluster[] = [];
  const taskDefinitions: FixtureTaskDefinition[] = [];
  const clusterNames = ['prod', 'staging', 'dev', 'batch'];
  let taskSeq = 0;
  for (let c = 0; c < p.clustersPerRegistry; c++) {
    const cluster: FixtureCluster = {
      name: c < clusterNames.length ? clusterNames[c]! : `cluster-${c}`,
      services: [],
      tasks: [],
    };
    for (let s = 0; s < p.servicesPerCluster; s++) {
      const repo = candidates[(c * p.servicesPerCluster + s) % candidates.length]!;
      const pushes = pushesByRepo.get(repo.name)!;
      const family = `${cluster.name}-${repo.name.replace(/[^a-zA-Z0-9_-]/g, '-')}-${s}`;
      const byDigest = rnd.chance(p.digestReferenceShare);
      const withCollector = rnd.chance(0.3);
      const collectorDigest = withCollector ? rnd.digest() : undefined;
      const revisions: { rev: number; image: FixtureImage; ref: string }[] = [];
      for (let r = 1; r <= p.taskDefinitionRevisions; r++) {
        const image = pushes[Math.max(0, pushes.length - 1 - (p.taskDefinitionRevisions - r) * rnd.int(1, 3))]!;
        const tag = image.tags![0]!;
        const ref = byDigest ? `${uri(repo.name)}@${image.digest}` : `${uri(repo.name)}:${tag}`;
        revisions.push({ rev: r, image, ref });
        const registeredAt = image.pushedAt + 600;
        taskDefinitions.push({
          family,
          revision: r,
          status: r < p.taskDefinitionRevisions - 1 ? 'INACTIVE' : 'ACTIVE',
          registeredAt,
          ...(r < p.taskDefinitionRevisions - 1 ? { deregisteredAt: registeredAt + DAY } : {}),
          containers: [
            { name: 'app', image: ref },
            ...(withCollector
              ? [
                  {
                    name: 'otel',
                    image: 'public.ecr.aws/aws-observability/aws-otel-collector:latest',
                    essential: false,
                  },
                ]
              : []),
          ],
        });
      }
      const latest = revisions[revisions.length - 1]!;
      const previous = revisions[revisions.length - 2];
      const createdAt = revisions[0]!.image.pushedAt + 900;
      const deployedAt = latest.image.pushedAt + 900;
      const rolling = previous !== undefined && rnd.chance(0.2);
      const name = `${repo.name.split('/').pop()}-${s}`;
      cluster.services!.push({
        name,
        desiredCount: p.tasksPerService,
        runningCount: p.tasksPerService,
        taskDefinition: `${family}:${latest.rev}`,
        createdAt,
        deployments: [
          {
            id: `ecs-svc/${String(1_000_000_000_000_000 + taskSeq * 7919 + s)}`,
            status: 'PRIMARY',
            taskDefinition: `${family}:${latest.rev}`,
            desiredCount: p.tasksPerService,
            runningCount: rolling ? Math.max(0, p.tasksPerService - 1) : p.tasksPerService,
            rolloutState: rolling ? 'IN_PROGRESS' : 'COMPLETED',
            createdAt: deployedAt,
            updatedAt: deployedAt + 300,
          },
          ...(rolling && previous
            ? [
                {
                  id: `ecs-svc/${String(2_000_000_000_000_000 + taskSeq * 7919 + s)}`,
                  status: 'ACTIVE' as const,
                  taskDefinition: `${family}:${previous.rev}`,
                  desiredCount: 0,
                  runningCount: 1,
                  createdAt: previous.image.pushedAt + 900,
                  updatedAt: deployedAt + 300,
                },
              ]
            : []),
        ],
      });
      const containers = (rev: (typeof revisions)[number]): FixtureTask['containers'] => [
        { name: 'app', image: rev.ref, imageDigest: rev.image.digest },
        ...(collectorDigest
          ? [
              {
                name: 'otel',
                image: 'public.ecr.aws/aws-observability/aws-otel-collector:latest',
                imageDigest: collectorDigest,
              },
            ]
          : []),
      ];
      const taskId = (): string => {
        taskSeq++;
        return rnd.digest().slice(7, 39);
      };
      for (let t = 0; t < p.tasksPerService; t++) {
        const startedAt = Math.min(p.now - 60, deployedAt + 60 + t);
        cluster.tasks!.push({
          id: taskId(),
          taskDefinition: `${family}:${latest.rev}`,
          service: name,
          lastStatus: 'RUNNING',
          createdAt: startedAt - 30,
          startedAt,
          containers: containers(latest),
        });
      }
      for (let t = 0; t < p.stoppedTasksPerService; t++) {
        const rev = previous ?? latest;
        cluster.tasks!.push({
          id: taskId(),
          taskDefinition: `${family}:${rev.rev}`,
          service: name,
          lastStatus: 'STOPPED',
          createdAt: p.now - 3000,
          startedAt: p.now - 2970,
          stoppedAt: p.now - 600 + t,
          stoppedReason: `Scaling activity initiated by (deployment ${cluster.services!.at(-1)!.deployments[0]!.id})`,
          containers: containers(rev),
        });
      }
    }
    clusters.push(cluster);
  }
  registry.ecs = { clusters, taskDefinitions };
}

// ---- top level ----

/** Builds a synthetic fixture. Omitted parameters take DEMO_PARAMS values. */
export function generateFixture(params: Partial<SyntheticParams> = {}): Fixture {
  const parsed = SyntheticParamsSchema.safeParse({ ...DEMO_PARAMS, ...params });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`synthetic parameter '${issue.path.join('.')}': ${issue.message}`);
  }
  const p = parsed.data;
  const rnd = createRandom(p.seed);
  const catalogue = vulnerabilityCatalogue(rnd, p.now, 400);
  const accounts = Array.from({ length: p.accounts }, (_, i) => accountIdFor(i));
  const regions = REGIONS.slice(0, p.regions);
  const registries: FixtureRegistry[] = [];
  // Spread shares evenly: item k is picked when floor((k+1) * share) steps up.
  const picks = (k: number, share: number): boolean =>
    Math.floor((k + 1) * share + 1e-9) > Math.floor(k * share + 1e-9);
  let basicIndex = 0;
  for (const accountId of accounts)
    for (const region of regions) {
      const enhanced = picks(registries.length, p.enhancedShare);
      const native = !enhanced && picks(basicIndex++, p.awsNativeShare);
      registries.push({
        accountId,
        region,
        replicationRules:
          region === regions[0] && regions.length > 1
            ? [
                {
                  destinations: [{ region: regions[1]!, registryId: accountId }],
                  repositoryFilters: [{ filter: 'platform', filterType: 'PREFIX_MATCH' }],
                },
              ]
            : [],
        scanning: enhanced
          ? {
              scanType: 'ENHANCED',
              rules: [
                { scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
              ],
            }
          : {
              scanType: 'BASIC',
              rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
              basicScanTypeVersion: native ? 'AWS_NATIVE' : 'CLAIR',
            },
        repositories: [],
      });
    }
  const counts = allocate(
    Math.round(p.repositories * p.imagesPerRepository),
    Array.from({ length: p.repositories }, () => rnd.pareto(1.5)),
    100_000,
  );
  const usedNames = registries.map(() => new Set<string>());
  const pushesByRegistry = registries.map(() => new Map<string, FixtureImage[]>());
  for (let i = 0; i < p.repositories; i++) {
    const r = i % registries.length;
    const registry = registries[r]!;
    let name = `${rnd.pick(TEAMS)}/${rnd.pick(APPS)}`;
    for (let k = 2; usedNames[r]!.has(name); k++) name = `${name.replace(/-\d+$/, '')}-${k}`;
    usedNames[r]!.add(name);
    const createdAt = p.now - rnd.int(30, 1200) * DAY;
    const kms = rnd.chance(0.2);
    const others = accounts.filter((a) => a !== registry.accountId);
    const repo: FixtureRepository = {
      name,
      createdAt,
      imageTagMutability: rnd.chance(0.3) ? 'IMMUTABLE' : 'MUTABLE',
      scanOnPush: rnd.chance(0.5),
      encryptionType: kms ? 'KMS' : 'AES256',
      ...(kms
        ? { kmsKey: `arn:aws:kms:${registry.region}:${registry.accountId}:key/${rnd.digest().slice(7, 43)}` }
        : {}),
      ...(rnd.chance(p.lifecyclePolicyShare)
        ? {
            lifecyclePolicyText: rnd.pick(LIFECYCLE_POLICIES),
            lifecyclePolicyLastEvaluatedAt: p.now - rnd.int(1, 20) * 3600,
          }
        : {}),
      ...(rnd.chance(p.repositoryPolicyShare)
        ? {
            repositoryPolicyText: repositoryPolicy(
              others.length > 0 ? others : ['444455556666'],
              rnd.chance(0.3) ? (others[0] ?? '444455556666') : undefined,
            ),
          }
        : {}),
      tags: {
        team: name.split('/')[0]!,
        'cost-center': `cc-${1000 + rnd.int(0, 20)}`,
        ...(rnd.chance(0.5) ? { env: 'prod' } : {}),
      },
      images: [],
    };
    const vulnSets = Array.from({ length: 4 }, () =>
      Array.from({ length: rnd.int(0, 14) }, () => rnd.pick(catalogue)).filter((v, k, a) => a.indexOf(v) === k),
    );
    const ctx: RepoContext = {
      rnd,
      p,
      enhanced: registry.scanning?.scanType === 'ENHANCED',
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
      images: repo.images,
    };
    pushesByRegistry[r]!.set(name, generateImages(ctx, counts[i]!, createdAt));
    registry.repositories.push(repo);
  }
  registries.forEach((registry, r) => generateEcs(rnd, p, registry, pushesByRegistry[r]!));
  generateLambda(p, registries, pushesByRegistry);
  return {
    version: 1,
    description: `synthetic: ${JSON.stringify(p)}`,
    defaultAccountId: accounts[0]!,
    registries,
  };
}
