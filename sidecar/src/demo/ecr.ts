/** ECR operations (awsJson1_1, target prefix AmazonEC2ContainerRegistry_V20150921): repositories, policies, the registry and the operations table. */
import { z } from 'zod';
import { AwsError, invalidParameter, repositoryNotFound } from './errors.js';
import { pageOf, parseInput, rejectPagingWithIds } from './request.js';
import type { RepositoryState } from './store.js';
import type { Handler } from './ecr-shared.js';
import {
  maxResults,
  nextToken,
  registryId,
  registryOf,
  repositoryName,
  repositoryOf,
  repoInput,
} from './ecr-shared.js';
import { batchDeleteImage, batchGetImage, describeImages, listImages } from './ecr-images.js';
import { describeImageScanFindings } from './ecr-scans.js';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';

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

const getLifecyclePolicy: Handler = (store, body, ctx) => {
  const repo = repositoryOf(store, ctx, parseInput(repoInput, body));
  if (repo.lifecyclePolicyText === undefined)
    throw new AwsError(
      'LifecyclePolicyNotFoundException',
      `Lifecycle policy does not exist for the repository with name '${repo.name}' in the registry with id '${repo.registry.accountId}'`,
    );
  return {
    registryId: repo.registry.accountId,
    repositoryName: repo.name,
    lifecyclePolicyText: repo.lifecyclePolicyText,
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
