/** The ImageDeleter over a real ECR client: one BatchDeleteImage call by digest. */
import { BatchDeleteImageCommand } from '@aws-sdk/client-ecr';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ImageDeleter } from './execute.js';
import { MAX_BATCH } from './execute.js';

/** `clientFor` returns the ECR client of a registry (ClientRegistry.ecr in main.ts). */
export function createEcrDeleter(clientFor: (accountId: string, region: string) => ECRClient): ImageDeleter {
  return async (registry, repositoryName, digests) => {
    if (digests.length > MAX_BATCH) throw new Error(`BatchDeleteImage takes at most ${MAX_BATCH} images, got ${digests.length}`);
    const out = await clientFor(registry.accountId, registry.region).send(
      new BatchDeleteImageCommand({
        registryId: registry.accountId,
        repositoryName,
        imageIds: digests.map((imageDigest) => ({ imageDigest })),
      }),
    );
    const deleted = [...new Set((out.imageIds ?? []).flatMap((id) => (id.imageDigest ? [id.imageDigest] : [])))];
    const failures = (out.failures ?? []).map((f) => ({
      digest: f.imageId?.imageDigest ?? '',
      code: f.failureCode ?? 'Unknown',
      reason: f.failureReason ?? '',
    }));
    return { deleted, failures };
  };
}
