/** ECR operations (awsJson1_1, target prefix AmazonEC2ContainerRegistry_V20150921). */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AwsError, invalidParameter, repositoryNotFound } from './errors.js';
import type { FixtureEnhancedFinding, FixtureImage, FixtureScan } from './fixture.js';
import { configMediaType, renderManifest } from './manifest.js';
import type { CallContext } from './request.js';
import { decodeToken, encodeToken, pageOf, parseInput, rejectPagingWithIds } from './request.js';
import type { EmulatorStore, ImageRecord, RegistryState, RepositoryState } from './store.js';
import { isIndex } from './store.js';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';

const registryId = z
  .string()
  .regex(/^[0-9]{12}$/, 'Member must satisfy regular expression pattern: [0-9]{12}')
  .optional();
const repositoryName = z.string().min(2).max(256);
const maxResults = z.number().int().min(1).max(1000).optional();
const nextToken = z.string().optional();
const imageId = z.object({ imageDigest: z.string().optional(), imageTag: z.string().min(1).max(300).optional() });
const imageIds = z.array(imageId).min(1).max(100);
const tagStatus = z.enum(['TAGGED', 'UNTAGGED', 'ANY']).optional();
const imageStatus = z.enum(['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY']).optional();
const repoInput = z.object({ registryId, repositoryName });

type ImageId = z.infer<typeof imageId>;
type Handler = (store: EmulatorStore, body: unknown, ctx: CallContext) => unknown;

const DIGEST = /^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/;
const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;

function registryOf(
  store: EmulatorStore,
  ctx: CallContext,
  id: string | undefined,
): { accountId: string; registry?: RegistryState } {
  const accountId = id ?? ctx.accountId;
  const registry = store.registry(accountId, ctx.region);
  return registry ? { accountId, registry } : { accountId };
}

function repositoryOf(
  store: EmulatorStore,
  ctx: CallContext,
  input: { registryId?: string; repositoryName: string },
): RepositoryState {
  const { accountId, registry } = registryOf(store, ctx, input.registryId);
  const repo = registry?.repositories.get(input.repositoryName);
  if (!repo) throw repositoryNotFound(input.repositoryName, accountId);
  return repo;
}

const showId = (id: ImageId): string =>
  `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;

/** Finds an image by digest and/or tag; undefined when absent or when tag and digest disagree. */
function findImage(repo: RepositoryState, id: ImageId): ImageRecord | undefined {
  const byDigest = id.imageDigest !== undefined ? repo.byDigest.get(id.imageDigest) : undefined;
  const byTag = id.imageTag !== undefined ? repo.byTag.get(id.imageTag) : undefined;
  if (id.imageDigest !== undefined && id.imageTag !== undefined) return byDigest === byTag ? byDigest : undefined;
  return byDigest ?? byTag;
}

function imageNotFound(repo: RepositoryState, id: ImageId): AwsError {
  return new AwsError(
    'ImageNotFoundException',
    `The image with imageId ${showId(id)} does not exist within the repository with name '${repo.name}' in the registry with id '${repo.registry.accountId}'`,
  );
}

// Scan summaries are computed once per scan object (the generator shares them between images).
const countsCache = new WeakMap<FixtureScan, Record<string, number>>();
function severityCounts(scan: FixtureScan): Record<string, number> {
  let counts = countsCache.get(scan);
  if (!counts) {
    const c: Record<string, number> = {};
    for (const f of scan.findings ?? []) c[f.severity] = (c[f.severity] ?? 0) + 1;
    for (const f of scan.enhancedFindings ?? []) c[f.severity] = (c[f.severity] ?? 0) + 1;
    counts = {};
    for (const s of SEVERITY_ORDER) if (c[s]) counts[s] = c[s];
    countsCache.set(scan, counts);
  }
  return counts;
}

const SCAN_DESCRIPTIONS: Record<string, string> = {
  COMPLETE: 'The scan was completed successfully.',
  ACTIVE: 'Continuous scan is selected for image.',
  IN_PROGRESS: 'The scan is in progress.',
  PENDING: 'The scan is pending.',
  FAILED: 'The scan failed.',
  UNSUPPORTED_IMAGE: 'UnsupportedImageError: The operating system and/or package manager are not supported.',
  FINDINGS_UNAVAILABLE: 'Findings are unavailable for this image.',
  SCAN_ELIGIBILITY_EXPIRED: 'The image is no longer eligible for continuous scanning.',
};
const scanStatus = (scan: FixtureScan): { status: string; description: string } => ({
  status: scan.status,
  description: scan.description ?? SCAN_DESCRIPTIONS[scan.status] ?? scan.status,
});

function imageDetail(repo: RepositoryState, rec: ImageRecord): Record<string, unknown> {
  const img = rec.img;
  const d: Record<string, unknown> = {
    registryId: repo.registry.accountId,
    repositoryName: repo.name,
    imageDigest: img.digest,
  };
  if (rec.tags) d.imageTags = [...rec.tags];
  if (img.sizeReported !== false) d.imageSizeInBytes = rec.size;
  if (img.pushedAtReported !== false) d.imagePushedAt = img.pushedAt;
  const scan = img.scan;
  // Enhanced: status ACTIVE, no summary. AWS-native basic scanning: neither (DescribeImageScanFindings has them).
  if (scan && !(scan.type === 'BASIC' && repo.registry.basicScanTypeVersion === 'AWS_NATIVE')) {
    d.imageScanStatus = scanStatus(scan);
    if (scan.type === 'BASIC' && scan.status === 'COMPLETE') {
      d.imageScanFindingsSummary = {
        ...(scan.completedAt !== undefined ? { imageScanCompletedAt: scan.completedAt } : {}),
        ...(scan.vulnerabilitySourceUpdatedAt !== undefined
          ? { vulnerabilitySourceUpdatedAt: scan.vulnerabilitySourceUpdatedAt }
          : {}),
        findingSeverityCounts: severityCounts(scan),
      };
    }
  }
  d.imageManifestMediaType = img.mediaType;
  if (!isIndex(img)) d.artifactMediaType = img.artifactType ?? configMediaType(img);
  if (img.lastPulledAt !== undefined) d.lastRecordedPullTime = img.lastPulledAt;
  if (img.subject) d.subjectManifestDigest = img.subject;
  d.imageStatus = rec.status;
  if (rec.lastArchivedAt !== undefined) d.lastArchivedAt = rec.lastArchivedAt;
  if (img.lastActivatedAt !== undefined) d.lastActivatedAt = img.lastActivatedAt;
  return d;
}

function matchesFilter(rec: ImageRecord, filter: { tagStatus?: string; imageStatus?: string } | undefined): boolean {
  const tagStatus = filter?.tagStatus ?? 'ANY';
  if (tagStatus === 'TAGGED' && !rec.tags) return false;
  if (tagStatus === 'UNTAGGED' && rec.tags) return false;
  const status = filter?.imageStatus ?? 'ACTIVE';
  return status === 'ANY' || rec.status === status;
}

const describeRepositories: Handler = (store, body, ctx) => {
  const input = parseInput(
    z.object({
      registryId,
      repositoryNames: z.array(repositoryName).min(1).max(100).optional(),
      nextToken,
      maxResults,
    }),
    body,
  );
  const { accountId, registry } = registryOf(store, ctx, input.registryId);
  const toRepo = (repo: RepositoryState): Record<string, unknown> => ({
    repositoryArn: repo.arn,
    registryId: repo.registry.accountId,
    repositoryName: repo.name,
    repositoryUri: repo.uri,
    createdAt: repo.src.createdAt,
    imageTagMutability: repo.src.imageTagMutability ?? 'MUTABLE',
    ...(repo.src.imageTagMutabilityExclusionFilters
      ? { imageTagMutabilityExclusionFilters: repo.src.imageTagMutabilityExclusionFilters }
      : {}),
    imageScanningConfiguration: { scanOnPush: repo.src.scanOnPush ?? false },
    encryptionConfiguration: {
      encryptionType: repo.src.encryptionType ?? 'AES256',
      ...(repo.src.kmsKey ? { kmsKey: repo.src.kmsKey } : {}),
    },
  });
  if (input.repositoryNames) {
    rejectPagingWithIds(true, input, 'repositoryNames');
    return {
      repositories: input.repositoryNames.map((name) => {
        const repo = registry?.repositories.get(name);
        if (!repo) throw repositoryNotFound(name, accountId);
        return toRepo(repo);
      }),
    };
  }
  const page = pageOf(
    `DescribeRepositories/${accountId}`,
    ctx,
    registry?.repositoryList ?? [],
    input.nextToken,
    input.maxResults ?? 100,
    toRepo,
  );
  return { repositories: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const describeImages: Handler = (store, body, ctx) => {
  const input = parseInput(
    repoInput.extend({
      imageIds: imageIds.optional(),
      nextToken,
      maxResults,
      filter: z.object({ tagStatus, imageStatus }).optional(),
    }),
    body,
  );
  const repo = repositoryOf(store, ctx, input);
  if (input.imageIds) {
    rejectPagingWithIds(true, input, 'imageIds');
    const seen = new Set<ImageRecord>();
    const details: Record<string, unknown>[] = [];
    for (const id of input.imageIds) {
      const rec = findImage(repo, id);
      if (!rec) throw imageNotFound(repo, id);
      if (!seen.has(rec)) details.push(imageDetail(repo, rec));
      seen.add(rec);
    }
    return { imageDetails: details };
  }
  const page = pageOf(
    `DescribeImages/${repo.arn}`,
    ctx,
    repo.images,
    input.nextToken,
    input.maxResults ?? 100,
    (rec) => (matchesFilter(rec, input.filter) ? imageDetail(repo, rec) : undefined),
  );
  return { imageDetails: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const listImages: Handler = (store, body, ctx) => {
  const input = parseInput(
    repoInput.extend({ nextToken, maxResults, filter: z.object({ tagStatus, imageStatus }).optional() }),
    body,
  );
  const repo = repositoryOf(store, ctx, input);
  const scope = `ListImages/${repo.arn}`;
  const cursor = decodeToken(scope, input.nextToken);
  ctx.onPage(cursor.page);
  const limit = input.maxResults ?? 100;
  const ids: Record<string, string>[] = [];
  let pos = cursor.pos;
  let sub = cursor.sub;
  // One entry per tag; untagged images as digest-only entries.
  for (; pos < repo.images.length; pos++, sub = 0) {
    const rec = repo.images[pos];
    if (!rec || !matchesFilter(rec, input.filter)) continue;
    if (!rec.tags) {
      if (ids.length === limit) break;
      ids.push({ imageDigest: rec.img.digest });
      continue;
    }
    for (; sub < rec.tags.length && ids.length < limit; sub++)
      ids.push({ imageDigest: rec.img.digest, imageTag: rec.tags[sub]! });
    if (sub < rec.tags.length) break;
  }
  let more = false;
  for (let k = pos; k < repo.images.length && !more; k++) {
    const rec = repo.images[k];
    if (rec && matchesFilter(rec, input.filter) && (k > pos || !rec.tags || sub < rec.tags.length)) more = true;
  }
  return { imageIds: ids, ...(more ? { nextToken: encodeToken(scope, { page: cursor.page + 1, pos, sub }) } : {}) };
};

const batchGetImage: Handler = (store, body, ctx) => {
  const input = parseInput(
    repoInput.extend({ imageIds, acceptedMediaTypes: z.array(z.string()).min(1).max(100).optional() }),
    body,
  );
  const repo = repositoryOf(store, ctx, input);
  const lookup = (digest: string): FixtureImage | undefined => repo.byDigest.get(digest)?.img;
  const images: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const id of input.imageIds) {
    const found = resolveImageId(repo, id);
    if ('failureCode' in found) {
      failures.push({ imageId: id, ...found });
      continue;
    }
    const { rec } = found;
    images.push({
      registryId: repo.registry.accountId,
      repositoryName: repo.name,
      imageId: { imageDigest: rec.img.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
      imageManifest: renderManifest(rec.img, lookup),
      imageManifestMediaType: rec.img.mediaType,
    });
  }
  return { images, failures };
};

function idFailure(id: ImageId): { failureCode: string; failureReason: string } | undefined {
  if (id.imageDigest === undefined && id.imageTag === undefined)
    return {
      failureCode: 'MissingDigestAndTag',
      failureReason: 'Invalid request parameters: both tag and digest cannot be null',
    };
  if (id.imageDigest !== undefined && !DIGEST.test(id.imageDigest))
    return {
      failureCode: 'InvalidImageDigest',
      failureReason:
        "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
    };
  return undefined;
}

/** The image an id of a batch call names, or the per-id failure ECR reports for it. */
function resolveImageId(
  repo: RepositoryState,
  id: ImageId,
): { rec: ImageRecord } | { failureCode: string; failureReason: string } {
  const failure = idFailure(id);
  if (failure) return failure;
  const rec = findImage(repo, id);
  if (rec) return { rec };
  const tagged = id.imageTag !== undefined ? repo.byTag.get(id.imageTag) : undefined;
  return tagged && id.imageDigest !== undefined
    ? { failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid image tag for digest' }
    : { failureCode: 'ImageNotFound', failureReason: 'Requested image not found' };
}

const batchDeleteImage: Handler = (store, body, ctx) => {
  const input = parseInput(repoInput.extend({ imageIds }), body);
  const repo = repositoryOf(store, ctx, input);
  const deleted: Record<string, string>[] = [];
  const failures: Record<string, unknown>[] = [];
  // An index deleted in the same request no longer protects its children.
  const goingByDigest = new Set(
    input.imageIds.filter((id) => id.imageTag === undefined && id.imageDigest).map((id) => id.imageDigest!),
  );
  for (const id of input.imageIds) {
    const found = resolveImageId(repo, id);
    if ('failureCode' in found) {
      failures.push({ imageId: id, ...found });
      continue;
    }
    const { rec } = found;
    const digest = rec.img.digest;
    const lastTag = id.imageTag !== undefined && rec.tags?.length === 1;
    const deletesImage = id.imageTag === undefined || lastTag;
    if (deletesImage) {
      const parents = repo.referencingIndexes(digest).filter((d) => !goingByDigest.has(d));
      if (parents.length > 0) {
        failures.push({
          imageId: id,
          failureCode: 'ImageReferencedByManifestList',
          failureReason: `Requested image referenced by manifest list: [${parents.join(', ')}]`,
        });
        continue;
      }
    }
    if (id.imageTag !== undefined && !lastTag) {
      // Removing one of several tags leaves the image.
      repo.setTags(
        rec,
        rec.tags!.filter((t) => t !== id.imageTag),
      );
      deleted.push({ imageDigest: digest, imageTag: id.imageTag });
      continue;
    }
    if (rec.tags) for (const tag of rec.tags) deleted.push({ imageDigest: digest, imageTag: tag });
    else deleted.push({ imageDigest: digest });
    repo.remove(rec);
  }
  return { imageIds: deleted, failures };
};

const getLifecyclePolicy: Handler = (store, body, ctx) => {
  const repo = repositoryOf(store, ctx, parseInput(repoInput, body));
  if (repo.src.lifecyclePolicyText === undefined)
    throw new AwsError(
      'LifecyclePolicyNotFoundException',
      `Lifecycle policy does not exist for the repository with name '${repo.name}' in the registry with id '${repo.registry.accountId}'`,
    );
  return {
    registryId: repo.registry.accountId,
    repositoryName: repo.name,
    lifecyclePolicyText: repo.src.lifecyclePolicyText,
    ...(repo.src.lifecyclePolicyLastEvaluatedAt !== undefined
      ? { lastEvaluatedAt: repo.src.lifecyclePolicyLastEvaluatedAt }
      : {}),
  };
};

const getRepositoryPolicy: Handler = (store, body, ctx) => {
  const repo = repositoryOf(store, ctx, parseInput(repoInput, body));
  if (repo.src.repositoryPolicyText === undefined)
    throw new AwsError(
      'RepositoryPolicyNotFoundException',
      `Repository policy does not exist for the repository with name '${repo.name}' in the registry with id '${repo.registry.accountId}'`,
    );
  return { registryId: repo.registry.accountId, repositoryName: repo.name, policyText: repo.src.repositoryPolicyText };
};

const listTagsForResource: Handler = (store, body) => {
  const input = parseInput(z.object({ resourceArn: z.string().min(1) }), body);
  const match = /^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/.exec(input.resourceArn);
  if (!match) throw invalidParameter(`Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'`);
  const repo = store.repository(match[2]!, match[1]!, match[3]!);
  if (!repo) throw repositoryNotFound(match[3]!, match[2]!);
  return { tags: Object.entries(repo.src.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) };
};

const describeRegistry: Handler = (store, body, ctx) => {
  parseInput(z.object({}), body);
  const { accountId, registry } = registryOf(store, ctx, undefined);
  return {
    registryId: accountId,
    replicationConfiguration: {
      rules: (registry?.src.replicationRules ?? []).map((rule) => ({
        destinations: rule.destinations,
        ...(rule.repositoryFilters ? { repositoryFilters: rule.repositoryFilters } : {}),
      })),
    },
  };
};

const getRegistryScanningConfiguration: Handler = (store, body, ctx) => {
  parseInput(z.object({}), body);
  const { accountId, registry } = registryOf(store, ctx, undefined);
  return {
    registryId: accountId,
    scanningConfiguration: {
      scanType: registry?.src.scanning?.scanType ?? 'BASIC',
      rules: registry?.src.scanning?.rules ?? [],
    },
  };
};

// Only the setting the sidecar reads; AWS knows a few more names.
const ACCOUNT_SETTINGS = ['BASIC_SCAN_TYPE_VERSION', 'REGISTRY_POLICY_SCOPE'] as const;

const getAccountSetting: Handler = (store, body, ctx) => {
  const input = parseInput(z.object({ name: z.enum(ACCOUNT_SETTINGS) }), body);
  const { registry } = registryOf(store, ctx, undefined);
  const value =
    input.name === 'BASIC_SCAN_TYPE_VERSION' ? (registry?.src.scanning?.basicScanTypeVersion ?? 'CLAIR') : 'V2';
  return { name: input.name, value };
};

function enhancedFinding(
  repo: RepositoryState,
  rec: ImageRecord,
  f: FixtureEnhancedFinding,
  i: number,
): Record<string, unknown> {
  const { accountId, region } = repo.registry;
  const id = createHash('sha256').update(`${rec.img.digest}/${i}`).digest('hex').slice(0, 32);
  return {
    awsAccountId: accountId,
    ...(f.description !== undefined ? { description: f.description } : {}),
    findingArn: f.findingArn ?? `arn:aws:inspector2:${region}:${accountId}:finding/${id}`,
    ...(f.firstObservedAt !== undefined ? { firstObservedAt: f.firstObservedAt } : {}),
    ...(f.lastObservedAt !== undefined ? { lastObservedAt: f.lastObservedAt } : {}),
    packageVulnerabilityDetails: f.packageVulnerabilityDetails,
    ...(f.remediation ? { remediation: f.remediation } : {}),
    resources: [
      {
        id: `arn:aws:ecr:${region}:${accountId}:repository/${repo.name}/${rec.img.digest}`,
        type: 'AWS_ECR_CONTAINER_IMAGE',
        details: {
          awsEcrContainerImage: {
            imageHash: rec.img.digest,
            ...(rec.tags ? { imageTags: [...rec.tags] } : {}),
            pushedAt: rec.img.pushedAt,
            registry: accountId,
            repositoryName: repo.name,
          },
        },
      },
    ],
    ...(f.score !== undefined ? { score: f.score } : {}),
    severity: f.severity,
    status: f.status ?? 'ACTIVE',
    title: f.title,
    type: 'PACKAGE_VULNERABILITY',
    ...(f.updatedAt !== undefined ? { updatedAt: f.updatedAt } : {}),
    ...(f.fixAvailable ? { fixAvailable: f.fixAvailable } : {}),
    ...(f.exploitAvailable ? { exploitAvailable: f.exploitAvailable } : {}),
  };
}

const describeImageScanFindings: Handler = (store, body, ctx) => {
  const input = parseInput(repoInput.extend({ imageId, nextToken, maxResults }), body);
  const repo = repositoryOf(store, ctx, input);
  const rec = findImage(repo, input.imageId);
  if (!rec) throw imageNotFound(repo, input.imageId);
  const scan = rec.img.scan;
  if (!scan)
    throw new AwsError(
      'ScanNotFoundException',
      `Image scan does not exist for the image with '${showId(input.imageId)}' in the repository with name '${repo.name}' in the registry with id '${repo.registry.accountId}'`,
    );
  const out: Record<string, unknown> = {
    registryId: repo.registry.accountId,
    repositoryName: repo.name,
    imageId: {
      imageDigest: rec.img.digest,
      ...(input.imageId.imageTag !== undefined ? { imageTag: input.imageId.imageTag } : {}),
    },
    imageScanStatus: scanStatus(scan),
  };
  if (scan.status !== 'COMPLETE' && scan.status !== 'ACTIVE') return out;
  const enhanced = scan.type === 'ENHANCED';
  const all = enhanced ? (scan.enhancedFindings ?? []) : (scan.findings ?? []);
  const page = pageOf(
    `DescribeImageScanFindings/${repo.arn}/${rec.img.digest}`,
    ctx,
    all.map((f, i) => ({ f, i })),
    input.nextToken,
    input.maxResults ?? 100,
    (x) => (enhanced ? enhancedFinding(repo, rec, x.f as FixtureEnhancedFinding, x.i) : x.f),
  );
  out.imageScanFindings = {
    ...(scan.completedAt !== undefined ? { imageScanCompletedAt: scan.completedAt } : {}),
    ...(scan.vulnerabilitySourceUpdatedAt !== undefined
      ? { vulnerabilitySourceUpdatedAt: scan.vulnerabilitySourceUpdatedAt }
      : {}),
    findingSeverityCounts: severityCounts(scan),
    [enhanced ? 'enhancedFindings' : 'findings']: page.items,
  };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
};

export const ECR_OPERATIONS: Readonly<Record<string, Handler>> = {
  DescribeRegistry: describeRegistry,
  DescribeRepositories: describeRepositories,
  DescribeImages: describeImages,
  ListImages: listImages,
  BatchGetImage: batchGetImage,
  BatchDeleteImage: batchDeleteImage,
  GetLifecyclePolicy: getLifecyclePolicy,
  GetRepositoryPolicy: getRepositoryPolicy,
  ListTagsForResource: listTagsForResource,
  DescribeImageScanFindings: describeImageScanFindings,
  GetRegistryScanningConfiguration: getRegistryScanningConfiguration,
  GetAccountSetting: getAccountSetting,
};
