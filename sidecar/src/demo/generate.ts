/**
 * Deterministic synthetic registries: the same parameters (seed included) give the same fixture.
 * Memory matters at 1,000,000 images, so layers, findings and strings are shared objects: the fixture
 * is verbose once serialised, compact in memory. One seeded stream draws everything but Lambda, in this
 * order: the vulnerability catalogue, the repositories with their images, then ECS per registry.
 */
import { z } from 'zod';
import type { Fixture, FixtureRegistry } from './fixture.js';
import { generateEcs } from './generate-ecs.js';
import { vulnerabilityCatalogue } from './generate-findings.js';
import { generateLambda } from './generate-lambda.js';
import { addRepositories } from './generate-repositories.js';
import { createRandom } from './prng.js';

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

export const accountIdFor = (i: number): string =>
  i < 9 ? String(111_111_111_111 * (i + 1)) : String(100_000_000_000 + i);

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
  const registries = emptyRegistries(p, accounts, REGIONS.slice(0, p.regions));
  const pushesByRegistry = addRepositories(rnd, p, registries, accounts, catalogue);
  registries.forEach((registry, r) => generateEcs(rnd, p, registry, pushesByRegistry[r]!));
  generateLambda(p, registries, pushesByRegistry);
  return {
    version: 1,
    description: `synthetic: ${JSON.stringify(p)}`,
    defaultAccountId: accounts[0]!,
    registries,
  };
}

/** One registry per account and region, with its replication and scanning settings and no repositories yet. */
function emptyRegistries(p: SyntheticParams, accounts: readonly string[], regions: readonly string[]): FixtureRegistry[] {
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
  return registries;
}
