/**
 * The emulator's fixture format: one or more registries (account + region) with their repositories,
 * images, scans and ECS usage. Times are epoch seconds (as on the AWS wire). Validated with zod; the
 * JSON Schema in sidecar/fixture.schema.json is generated from these schemas.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LambdaSchema } from './lambda-fixture.js';
import { EcsSchema } from './fixture-ecs.js';
import { digest, epochSeconds } from './fixture-wire.js';
export type {
  FixtureEcs,
  FixtureCluster,
  FixtureService,
  FixtureDeployment,
  FixtureTaskSet,
  FixtureTask,
  FixtureTaskDefinition,
} from './fixture-ecs.js';
export { TaskDefinitionSchema } from './fixture-ecs.js';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const severity = z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED']);

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  inToto: 'application/vnd.in-toto+json',
  sociIndex: 'application/vnd.amazon.soci.index.v1+json',
  cosignSignature: 'application/vnd.dev.cosign.artifact.sig.v1+json',
} as const;

export const INDEX_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.ociIndex];

export const BlobSchema = z
  .object({
    digest,
    size: z.number().int().nonnegative().describe('Compressed size in bytes'),
    mediaType: z.string().optional().describe('Defaults to the layer/config type matching the manifest media type'),
  })
  .describe('A layer or config blob. The same digest must have the same size everywhere in a repository.');

export const PlatformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
});

export const ChildSchema = z
  .object({
    digest: digest.describe('Digest of another image in the same repository'),
    platform: PlatformSchema.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .describe('One entry of an index (manifests[]).');

export const BasicFindingSchema = z
  .object({
    name: z.string().describe('CVE id'),
    severity,
    description: z.string().optional(),
    uri: z.string().optional(),
    attributes: z
      .array(z.object({ key: z.string(), value: z.string() }))
      .optional()
      .describe('package_name, package_version, CVSS2_VECTOR, CVSS2_SCORE'),
  })
  .describe('A basic-scanning finding, as in imageScanFindings.findings[].');

export const VulnerablePackageSchema = z.object({
  name: z.string(),
  version: z.string(),
  fixedInVersion: z.string().optional(),
  packageManager: z.string().optional(),
  arch: z.string().optional(),
  epoch: z.number().int().optional(),
  release: z.string().optional(),
  filePath: z.string().optional(),
  sourceLayerHash: z.string().optional(),
});

export const EnhancedFindingSchema = z
  .object({
    title: z.string(),
    severity,
    description: z.string().optional(),
    findingArn: z.string().optional(),
    status: z.enum(['ACTIVE', 'SUPPRESSED', 'CLOSED']).optional(),
    score: z.number().optional(),
    firstObservedAt: epochSeconds.optional(),
    lastObservedAt: epochSeconds.optional(),
    updatedAt: epochSeconds.optional(),
    fixAvailable: z.enum(['YES', 'NO', 'PARTIAL']).optional(),
    exploitAvailable: z.enum(['YES', 'NO']).optional(),
    packageVulnerabilityDetails: z.object({
      vulnerabilityId: z.string(),
      source: z.string().optional(),
      sourceUrl: z.string().optional(),
      vendorSeverity: z.string().optional(),
      vendorCreatedAt: epochSeconds.optional(),
      vendorUpdatedAt: epochSeconds.optional(),
      referenceUrls: z.array(z.string()).optional(),
      relatedVulnerabilities: z.array(z.string()).optional(),
      cvss: z
        .array(z.object({ baseScore: z.number(), scoringVector: z.string(), source: z.string(), version: z.string() }))
        .optional(),
      vulnerablePackages: z.array(VulnerablePackageSchema),
    }),
    remediation: z.object({ recommendation: z.object({ text: z.string(), url: z.string().optional() }) }).optional(),
  })
  .describe('An Amazon Inspector (enhanced scanning) finding, as in imageScanFindings.enhancedFindings[].');

export const ScanSchema = z
  .object({
    type: z.enum(['BASIC', 'ENHANCED']),
    status: z
      .enum([
        'IN_PROGRESS',
        'COMPLETE',
        'FAILED',
        'UNSUPPORTED_IMAGE',
        'ACTIVE',
        'PENDING',
        'SCAN_ELIGIBILITY_EXPIRED',
        'FINDINGS_UNAVAILABLE',
        'LIMIT_EXCEEDED',
        'IMAGE_ARCHIVED',
      ])
      .describe('COMPLETE for a finished basic scan, ACTIVE for continuous enhanced scanning'),
    description: z.string().optional(),
    completedAt: epochSeconds.optional(),
    vulnerabilitySourceUpdatedAt: epochSeconds.optional(),
    findings: z.array(BasicFindingSchema).optional(),
    enhancedFindings: z.array(EnhancedFindingSchema).optional(),
  })
  .describe('The image scan. Absent = never scanned (DescribeImageScanFindings gives ScanNotFoundException).');

export const ImageSchema = z
  .object({
    digest,
    tags: z.array(z.string().min(1).max(300)).optional().describe('Absent or empty for untagged images'),
    mediaType: z
      .string()
      .describe('imageManifestMediaType: Docker v2 or OCI manifest, Docker manifest list or OCI index'),
    artifactType: z.string().optional().describe('OCI artifactType (attestations, signatures, SOCI indexes)'),
    pushedAt: epochSeconds,
    lastPulledAt: epochSeconds.optional().describe('Absent when never pulled'),
    sizeReported: z
      .boolean()
      .optional()
      .describe(
        'false: DescribeImages leaves imageSizeInBytes out for this image (another AWS stand-in did, for indexes and images); its manifest keeps its sizes. Default true',
      ),
    pushedAtReported: z
      .boolean()
      .optional()
      .describe(
        'false: DescribeImages leaves imagePushedAt out for this image (the API does not promise it). Default true',
      ),
    config: BlobSchema.optional().describe('Config blob; absent for an index'),
    layers: z.array(BlobSchema).optional().describe('Layers of a single manifest; absent for an index'),
    children: z.array(ChildSchema).optional().describe('For an index: the manifests it lists'),
    subject: digest.optional().describe('For a referrer artifact: the digest of the manifest it describes'),
    annotations: z.record(z.string(), z.string()).optional(),
    status: z.enum(['ACTIVE', 'ARCHIVED', 'ACTIVATING']).optional().describe('Default ACTIVE'),
    lastArchivedAt: epochSeconds.optional(),
    lastActivatedAt: epochSeconds.optional(),
    scan: ScanSchema.optional(),
  })
  .describe('An image (manifest) in a repository.');

export const RepositorySchema = z.object({
  name: z
    .string()
    .min(2)
    .max(256)
    .regex(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'must be a valid ECR repository name'),
  createdAt: epochSeconds,
  imageTagMutability: z
    .enum(['MUTABLE', 'IMMUTABLE', 'MUTABLE_WITH_EXCLUSION', 'IMMUTABLE_WITH_EXCLUSION'])
    .optional()
    .describe('Default MUTABLE'),
  imageTagMutabilityExclusionFilters: z
    .array(z.object({ filterType: z.literal('WILDCARD'), filter: z.string() }))
    .optional(),
  scanOnPush: z.boolean().optional(),
  encryptionType: z.enum(['AES256', 'KMS', 'KMS_DSSE']).optional().describe('Default AES256'),
  kmsKey: z.string().optional(),
  lifecyclePolicyText: z.string().optional(),
  lifecyclePolicyLastEvaluatedAt: epochSeconds.optional(),
  repositoryPolicyText: z.string().optional().describe('IAM policy JSON text'),
  tags: z.record(z.string(), z.string()).optional(),
  images: z.array(ImageSchema),
});

const RepositoryFilterSchema = z.object({ filter: z.string(), filterType: z.string() });

export const RegistrySchema = z.object({
  accountId,
  region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1'),
  replicationRules: z
    .array(
      z.object({
        destinations: z.array(z.object({ region: z.string(), registryId: accountId })),
        repositoryFilters: z.array(RepositoryFilterSchema).optional(),
      }),
    )
    .optional(),
  scanning: z
    .object({
      scanType: z.enum(['BASIC', 'ENHANCED']),
      rules: z
        .array(z.object({ scanFrequency: z.string(), repositoryFilters: z.array(RepositoryFilterSchema) }))
        .optional(),
      basicScanTypeVersion: z
        .enum(['CLAIR', 'AWS_NATIVE'])
        .optional()
        .describe(
          'AWS_NATIVE (the 2024 basic scanner) leaves imageScanStatus/summary out of DescribeImages. Default CLAIR',
        ),
    })
    .optional(),
  repositories: z.array(RepositorySchema),
  ecs: EcsSchema.optional(),
  lambda: LambdaSchema.optional(),
});

export const FixtureSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1),
    description: z.string().optional(),
    defaultAccountId: accountId
      .optional()
      .describe('The caller account for credentials the emulator did not issue. Default: the first registry account'),
    registries: z.array(RegistrySchema).min(1),
  })
  .superRefine((fixture, ctx) => {
    const seen = new Set<string>();
    fixture.registries.forEach((registry, r) => {
      const key = `${registry.accountId}/${registry.region}`;
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['registries', r], message: `duplicate registry ${key}` });
      seen.add(key);
      const names = new Set<string>();
      registry.repositories.forEach((repo, p) => {
        if (names.has(repo.name))
          ctx.addIssue({
            code: 'custom',
            path: ['registries', r, 'repositories', p, 'name'],
            message: `duplicate repository ${repo.name}`,
          });
        names.add(repo.name);
        const digests = new Set(repo.images.map((i) => i.digest));
        const tags = new Set<string>();
        const sizes = new Map<string, number>();
        repo.images.forEach((image, i) => {
          const path = ['registries', r, 'repositories', p, 'images', i];
          for (const tag of image.tags ?? []) {
            if (tags.has(tag))
              ctx.addIssue({ code: 'custom', path: [...path, 'tags'], message: `tag ${tag} is on two images` });
            tags.add(tag);
          }
          for (const child of image.children ?? [])
            if (!digests.has(child.digest))
              ctx.addIssue({
                code: 'custom',
                path: [...path, 'children'],
                message: `child ${child.digest} is not an image of ${repo.name}`,
              });
          for (const blob of [...(image.layers ?? []), ...(image.config ? [image.config] : [])]) {
            const size = sizes.get(blob.digest);
            if (size !== undefined && size !== blob.size)
              ctx.addIssue({ code: 'custom', path: [...path, 'layers'], message: `blob ${blob.digest} has two sizes` });
            sizes.set(blob.digest, blob.size);
          }
        });
        if (digests.size !== repo.images.length)
          ctx.addIssue({
            code: 'custom',
            path: ['registries', r, 'repositories', p, 'images'],
            message: 'duplicate image digest',
          });
      });
    });
  });

export type Fixture = z.infer<typeof FixtureSchema>;
export type FixtureRegistry = z.infer<typeof RegistrySchema>;
export type FixtureRepository = z.infer<typeof RepositorySchema>;
export type FixtureImage = z.infer<typeof ImageSchema>;
export type FixtureBlob = z.infer<typeof BlobSchema>;
export type FixtureChild = z.infer<typeof ChildSchema>;
export type FixtureScan = z.infer<typeof ScanSchema>;
export type FixtureBasicFinding = z.infer<typeof BasicFindingSchema>;
export type FixtureEnhancedFinding = z.infer<typeof EnhancedFindingSchema>;
export type {
  FixtureLambda,
  FixtureLambdaAlias,
  FixtureLambdaCode,
  FixtureLambdaFunction,
  FixtureLambdaVersion,
} from './lambda-fixture.js';

/** Validates a fixture object; the error lists the failing paths. */
export function parseFixture(value: unknown): Fixture {
  const result = FixtureSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 10)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new Error(`invalid fixture: ${issues}`);
  }
  return result.data;
}

/** Reads and validates a JSON fixture file. */
export function loadFixture(path: string): Fixture {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read fixture ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`fixture ${path} is not JSON: ${(error as Error).message}`);
  }
  try {
    return parseFixture(value);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/** The JSON Schema published as sidecar/fixture.schema.json. */
export function fixtureJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(FixtureSchema, { io: 'input' }) as Record<string, unknown>;
}
