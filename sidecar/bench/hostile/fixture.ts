/**
 * The registry the campaign runs against, and what the emulator holds: the reliability tests' small
 * registry (with its 1,100-image repository, two DescribeImages pages) plus two repositories whose
 * names are 256 characters long (ECR's maximum) with 128-character tags (ECR's maximum), the names a
 * backtracking glob matcher would choke on.
 */
import type { Fixture } from '../../src/demo/index.js';
import { generateFixture } from '../../src/demo/index.js';
import type { EmulatorStore } from '../../src/demo/store.js';
import { smallFixture } from '../../test/reliability/support.js';

export const LONG_NAMES = ['a'.repeat(256), `${'a/'.repeat(127)}aa`] as const;
export const LONG_TAGS = ['a'.repeat(128), `${'a'.repeat(127)}c`] as const;

export function campaignFixture(): Fixture {
  const fixture = smallFixture();
  const long = generateFixture({
    seed: 5,
    accounts: 1,
    regions: 1,
    repositories: LONG_NAMES.length,
    imagesPerRepository: 5,
    scannedShare: 0,
    artifactShare: 0,
    multiArchShare: 0,
  });
  const repositories = long.registries[0]!.repositories.map((repo, i) => ({
    ...repo,
    name: LONG_NAMES[i]!,
    images: repo.images.map((image, j) => (j < LONG_TAGS.length ? { ...image, tags: [LONG_TAGS[j]!] } : image)),
  }));
  const [first, ...rest] = fixture.registries;
  return { ...fixture, registries: [{ ...first!, repositories: [...first!.repositories, ...repositories] }, ...rest] };
}

/** Every image the emulator holds, as `account/region/repository@digest` (the audit's imageKey). */
export function liveImages(store: EmulatorStore): Set<string> {
  const keys = new Set<string>();
  for (const registry of store.registries.values())
    for (const repository of registry.repositories.values())
      for (const digest of repository.byDigest.keys()) keys.add(`${registry.accountId}/${registry.region}/${repository.name}@${digest}`);
  return keys;
}

/** Repositories and images as a whole snapshot of the emulator must show them. */
export function emulatorTotals(store: EmulatorStore): { repositories: number; images: number } {
  let repositories = 0;
  let images = 0;
  for (const registry of store.registries.values())
    for (const repository of registry.repositories.values()) {
      repositories++;
      images += repository.liveImageCount();
    }
  return { repositories, images };
}

/** The regions the emulator serves, for AWS_REGION. */
export const emulatorRegions = (store: EmulatorStore): string[] => [...new Set([...store.registries.values()].map((r) => r.region))];
