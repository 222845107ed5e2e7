/**
 * Synthetic repositories, spread round-robin over the registries: team/app names, settings (tag mutability,
 * encryption, lifecycle and repository policies, tags) and a long-tailed number of images each.
 */
import type { FixtureImage, FixtureRegistry, FixtureRepository } from './fixture.js';
import type { Vulnerability } from './generate-findings.js';
import type { ImageParams } from './generate-images.js';
import { generateImages, repoContext } from './generate-images.js';
import type { Random } from './prng.js';

const DAY = 86_400;

/** The generator's parameters the repositories follow (SyntheticParams has them all). */
export interface RepositoryParams extends ImageParams {
  readonly repositories: number;
  readonly imagesPerRepository: number;
  readonly lifecyclePolicyShare: number;
  readonly repositoryPolicyShare: number;
}

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

/**
 * Adds `p.repositories` repositories round-robin over the registries, each with its images (Pareto-sized);
 * returns each registry's tagged pushes by repository name.
 */
export function addRepositories(
  rnd: Random,
  p: RepositoryParams,
  registries: readonly FixtureRegistry[],
  accounts: readonly string[],
  catalogue: readonly Vulnerability[],
): Map<string, FixtureImage[]>[] {
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
    const repo = repository(rnd, p, registry, name, accounts);
    const ctx = repoContext(rnd, p, registry.scanning?.scanType === 'ENHANCED', catalogue, repo.images);
    pushesByRegistry[r]!.set(name, generateImages(ctx, counts[i]!, repo.createdAt));
    registry.repositories.push(repo);
  }
  return pushesByRegistry;
}

/** A repository's settings, without images yet. */
function repository(rnd: Random, p: RepositoryParams, registry: FixtureRegistry, name: string, accounts: readonly string[]): FixtureRepository {
  const createdAt = p.now - rnd.int(30, 1200) * DAY;
  const kms = rnd.chance(0.2);
  const others = accounts.filter((a) => a !== registry.accountId);
  return {
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
}
