import type { Image, ImageUse, Incomplete, Repository, Snapshot, SnapshotInput } from './model.js';
import { imageKey, registryKey, repositoryId } from './model.js';
import { parseEcrReference } from './reference.js';

const newestFirst = (a: Image, b: Image): number =>
  b.pushedAt - a.pushedAt || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);

/**
 * Indexes a refresh's data into an immutable snapshot. Pure: the same input gives the same snapshot.
 * A use matches an image by digest, or by tag in the repository it names.
 */
export function buildSnapshot(input: SnapshotInput): Snapshot {
  const repositoryById = new Map<string, Repository>();
  for (const repository of input.repositories) repositoryById.set(repository.id, repository);

  const grouped = new Map<string, Image[]>();
  for (const repository of input.repositories) grouped.set(repository.id, []);
  for (const image of input.images) {
    const list = grouped.get(image.repositoryId);
    if (list) list.push(image);
  }
  const imagesByRepository = new Map<string, readonly Image[]>();
  const byDigest = new Map<string, Image>();
  const byTag = new Map<string, Image>();
  for (const [id, list] of grouped) {
    list.sort(newestFirst);
    imagesByRepository.set(id, Object.freeze(list));
    for (const image of list) {
      byDigest.set(imageKey(image), image);
      for (const tag of image.tags) byTag.set(`${id}:${tag}`, image);
    }
  }

  const usesByImage = new Map<string, ImageUse[]>();
  const addUse = (image: Image | undefined, use: ImageUse): void => {
    if (!image) return;
    const key = imageKey(image);
    const list = usesByImage.get(key);
    if (!list) usesByImage.set(key, [use]);
    else if (!list.includes(use)) list.push(use);
  };
  for (const use of input.uses) {
    const ref = parseEcrReference(use.reference);
    if (!ref) continue;
    const repoId = repositoryId(ref.accountId, ref.region, ref.repository);
    if (ref.tag) addUse(byTag.get(`${repoId}:${ref.tag}`), use);
    for (const digest of new Set([ref.digest, use.digest])) {
      if (digest) addUse(byDigest.get(`${repoId}@${digest}`), use);
    }
  }

  const incompleteByRepository = new Map<string, Incomplete[]>();
  const registryWide = new Map<string, Incomplete[]>();
  for (const entry of input.incomplete) {
    if (entry.scope === 'ecs' || entry.scope === 'cluster') continue;
    if (entry.target && entry.scope !== 'registry' && entry.scope !== 'repositories') {
      const id = repositoryId(entry.accountId, entry.region, entry.target);
      incompleteByRepository.set(id, [...(incompleteByRepository.get(id) ?? []), entry]);
    } else {
      const key = registryKey(entry.accountId, entry.region);
      registryWide.set(key, [...(registryWide.get(key) ?? []), entry]);
    }
  }
  for (const repository of input.repositories) {
    const wide = registryWide.get(registryKey(repository.accountId, repository.region));
    if (wide) incompleteByRepository.set(repository.id, [...wide, ...(incompleteByRepository.get(repository.id) ?? [])]);
  }

  return Object.freeze({
    ...input,
    repositoryById,
    imagesByRepository,
    usesByImage,
    incompleteByRepository,
  });
}

/** An empty snapshot, served before the first refresh completes (readiness stays false). */
export function emptySnapshot(now: number): Snapshot {
  return buildSnapshot({
    version: 0,
    refreshStartedAt: now,
    builtAt: now,
    registries: [],
    repositories: [],
    images: [],
    layerSizes: new Map(),
    findings: new Map(),
    clusters: [],
    uses: [],
    incomplete: [],
  });
}
