/**
 * The tags ECR holds now for the images a batch is about to delete (DescribeImages by digest, ≤100 per call).
 * A tag that moved onto a candidate since the plan was made may be what a deployment pulls next.
 */
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import type { ECRClient } from '@aws-sdk/client-ecr';
import { MAX_BATCH } from '../plan/batches.js';

/** Digest → its tags now; a digest absent from the map is gone from the repository. */
export type ImageDescriber = (
  registry: { readonly accountId: string; readonly region: string },
  repositoryName: string,
  digests: readonly string[],
) => Promise<ReadonlyMap<string, readonly string[]>>;

const isNotFound = (error: unknown): boolean => error instanceof Error && error.name === 'ImageNotFoundException';

export function createEcrDescriber(clientFor: (accountId: string, region: string) => ECRClient): ImageDescriber {
  return async (registry, repositoryName, digests) => {
    if (digests.length > MAX_BATCH) throw new Error(`DescribeImages is asked for at most ${MAX_BATCH} images, got ${digests.length}`);
    const client = clientFor(registry.accountId, registry.region);
    const describe = async (ids: readonly string[]) =>
      (await client.send(new DescribeImagesCommand({ registryId: registry.accountId, repositoryName, imageIds: ids.map((imageDigest) => ({ imageDigest })) }))).imageDetails ?? [];
    let details;
    try {
      details = await describe(digests);
    } catch (error) {
      // One missing image fails the whole call: ask again one by one, so the others are still checked.
      if (!isNotFound(error)) throw error;
      const each = await Promise.all(digests.map((d) => describe([d]).catch((e: unknown) => (isNotFound(e) ? [] : Promise.reject(e)))));
      details = each.flat();
    }
    const out = new Map<string, readonly string[]>();
    for (const d of details) if (d.imageDigest) out.set(d.imageDigest, [...(d.imageTags ?? [])].sort());
    return out;
  };
}
