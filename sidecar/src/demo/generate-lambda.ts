/**
 * Synthetic Lambda functions for the generator. They draw from their own PRNG stream, so adding them left
 * every ECR and ECS value the main stream generates unchanged.
 */
import type { FixtureImage, FixtureRegistry } from './fixture.js';
import type { FixtureLambdaFunction } from './lambda-fixture.js';
import { createRandom } from './prng.js';

/** Mixed into the seed so the Lambda stream differs from the main one ("LAMB"). */
const STREAM = 0x4c414d42;
const DEPLOY_DELAY = 1200;

export interface LambdaParams {
  readonly seed: number;
  /** Container-image functions per registry; one zip function is added when > 0. */
  readonly lambdaFunctionsPerRegistry: number;
}

const functionName = (repo: string, k: number): string =>
  `${repo.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 58)}-fn-${k}`;

/**
 * Adds functions to each registry: images deployed by version tag (Lambda resolves the digest at deploy),
 * 1-6 published versions, a `prod` alias on an older version and sometimes a weighted `live` alias.
 * Lambda runs single-platform images only, so indexes are never deployed.
 */
export function generateLambda(
  p: LambdaParams,
  registries: readonly FixtureRegistry[],
  pushes: readonly ReadonlyMap<string, FixtureImage[]>[],
): void {
  if (p.lambdaFunctionsPerRegistry === 0) return;
  const rnd = createRandom((p.seed ^ STREAM) >>> 0);
  registries.forEach((registry, r) => {
    const candidates = registry.repositories
      .map((repo) => ({
        repo: repo.name,
        images: (pushes[r]!.get(repo.name) ?? []).filter((i) => !i.children && i.status !== 'ARCHIVED'),
      }))
      .filter((c) => c.images.length > 0);
    if (candidates.length === 0) return;
    const uri = (repo: string): string => `${registry.accountId}.dkr.ecr.${registry.region}.amazonaws.com/${repo}`;
    const functions: FixtureLambdaFunction[] = [];
    for (let k = 0; k < p.lambdaFunctionsPerRegistry; k++) {
      const { repo, images } = candidates[(k + rnd.int(0, candidates.length - 1)) % candidates.length]!;
      const code = (image: FixtureImage) => ({
        imageUri: `${uri(repo)}:${image.tags![0]!}`,
        resolvedDigest: image.digest,
        lastModified: image.pushedAt + DEPLOY_DELAY,
      });
      const count = Math.min(images.length, rnd.int(1, 6));
      const deployed = images.slice(images.length - count);
      const versions = deployed.map((image, i) => ({ version: i + 1, ...code(image) }));
      const newest = versions.length;
      const aliases: FixtureLambdaFunction['aliases'] = [
        { name: 'prod', functionVersion: String(Math.max(1, newest - 1)) },
      ];
      if (newest >= 2 && rnd.chance(0.5))
        aliases.push({
          name: 'live',
          functionVersion: String(newest),
          additionalVersionWeights: { [String(newest - 1)]: 0.1 },
        });
      functions.push({
        name: functionName(repo, k),
        packageType: 'Image',
        latest: code(deployed[deployed.length - 1]!),
        versions,
        aliases,
      });
    }
    functions.push({
      name: `zip-handler-${r}`,
      packageType: 'Zip',
      runtime: 'python3.12',
      latest: { lastModified: 1_700_000_000 },
    });
    registry.lambda = { functions };
  });
}
