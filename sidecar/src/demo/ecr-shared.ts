/** What the ECR operations share: their input schemas, and finding registries, repositories and images. */
import { z } from 'zod';
import { AwsError, repositoryNotFound } from './errors.js';
import type { CallContext } from './request.js';
import type { EmulatorStore, ImageRecord, RegistryState, RepositoryState } from './store.js';

export const registryId = z
  .string()
  .regex(/^[0-9]{12}$/, 'Member must satisfy regular expression pattern: [0-9]{12}')
  .optional();
export const repositoryName = z.string().min(2).max(256);
export const maxResults = z.number().int().min(1).max(1000).optional();
export const nextToken = z.string().optional();
export const imageId = z.object({
  imageDigest: z.string().optional(),
  imageTag: z.string().min(1).max(300).optional(),
});
export const imageIds = z.array(imageId).min(1).max(100);
export const tagStatus = z.enum(['TAGGED', 'UNTAGGED', 'ANY']).optional();
export const imageStatus = z.enum(['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY']).optional();
export const repoInput = z.object({ registryId, repositoryName });

export type ImageId = z.infer<typeof imageId>;
export type Handler = (store: EmulatorStore, body: unknown, ctx: CallContext) => unknown;

export const DIGEST = /^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/;

export function registryOf(
  store: EmulatorStore,
  ctx: CallContext,
  id: string | undefined,
): { accountId: string; registry?: RegistryState } {
  const accountId = id ?? ctx.accountId;
  const registry = store.registry(accountId, ctx.region);
  return registry ? { accountId, registry } : { accountId };
}

export function repositoryOf(
  store: EmulatorStore,
  ctx: CallContext,
  input: { registryId?: string; repositoryName: string },
): RepositoryState {
  const { accountId, registry } = registryOf(store, ctx, input.registryId);
  const repo = registry?.repositories.get(input.repositoryName);
  if (!repo) throw repositoryNotFound(input.repositoryName, accountId);
  return repo;
}

export const showId = (id: ImageId): string =>
  `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;

/** Finds an image by digest and/or tag; undefined when absent or when tag and digest disagree. */
export function findImage(repo: RepositoryState, id: ImageId): ImageRecord | undefined {
  const byDigest = id.imageDigest !== undefined ? repo.byDigest.get(id.imageDigest) : undefined;
  const byTag = id.imageTag !== undefined ? repo.byTag.get(id.imageTag) : undefined;
  if (id.imageDigest !== undefined && id.imageTag !== undefined) return byDigest === byTag ? byDigest : undefined;
  return byDigest ?? byTag;
}

export function imageNotFound(repo: RepositoryState, id: ImageId): AwsError {
  return new AwsError(
    'ImageNotFoundException',
    `The image with imageId ${showId(id)} does not exist within the repository with name '${repo.name}' in the registry with id '${repo.registry.accountId}'`,
  );
}
