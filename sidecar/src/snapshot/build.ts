import type { Steps } from '../cooperative.js';
import { ITEMS_PER_STEP, runCooperatively, runNow } from '../cooperative.js';
import type { Image, ImageUse, Incomplete, Repository, Snapshot, SnapshotInput } from './model.js';
import { imageKey, registryKey, repositoryId, USE_SCOPES } from './model.js';
import { parseEcrReference } from './reference.js';

const newestFirst = (a: Image, b: Image): number =>
  b.pushedAt - a.pushedAt || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);

/**
 * Indexes a refresh's data into an immutable snapshot. Pure: the same input gives the same snapshot.
 * A use matches an image by digest, or by tag in the repository it names (`latest` when it names none).
 */
export function buildSnapshot(input: SnapshotInput): Snapshot {
  return runNow(buildSnapshotSteps(input));
}

/**
 * What a refresh keeps of the snapshot it started from: the image lists of the repositories it did not read again
 * (a targeted refresh), or read again and found unchanged (a full one), are that snapshot's, as they are (its
 * `input.images` holds the same images for them).
 */
export interface ListReuse {
  readonly base: Snapshot;
  /** Repositories read again and changed, new or gone: their lists are made from `images`. */
  readonly changed: ReadonlySet<string>;
  /** The images of the changed repositories, as read now. */
  readonly images: readonly Image[];
}

/** As buildSnapshot, giving the event loop a turn every `sliceMs`; with `reuse`, only changed repositories' lists are made. */
export function buildSnapshotCooperatively(input: SnapshotInput, sliceMs?: number, reuse?: ListReuse): Promise<Snapshot> {
  return runCooperatively(buildSnapshotSteps(input, reuse), sliceMs);
}

/** buildSnapshot in steps: yields between phases, after each chunk of images and after each repository's sort. */
export function* buildSnapshotSteps(input: SnapshotInput, reuse?: ListReuse): Steps<Snapshot> {
  const repositoryById = new Map<string, Repository>();
  for (const repository of input.repositories) repositoryById.set(repository.id, repository);

  // Grouping and sorting a million images took about a second: a targeted refresh takes the lists it did not change.
  const kept = new Map<string, readonly Image[]>();
  const grouped = new Map<string, Image[]>();
  for (const repository of input.repositories) {
    const list = reuse && !reuse.changed.has(repository.id) ? reuse.base.imagesByRepository.get(repository.id) : undefined;
    if (list) kept.set(repository.id, list);
    else grouped.set(repository.id, []);
  }
  yield;
  const images = reuse ? reuse.images : input.images;
  for (let from = 0; from < images.length; from += ITEMS_PER_STEP) {
    groupImages(images, grouped, from, Math.min(images.length, from + ITEMS_PER_STEP));
    yield;
  }
  const imagesByRepository = new Map<string, readonly Image[]>();
  for (const repository of input.repositories) {
    const id = repository.id;
    const list = grouped.get(id);
    if (!list) {
      imagesByRepository.set(id, kept.get(id)!);
      continue;
    }
    list.sort(newestFirst);
    imagesByRepository.set(id, Object.freeze(list));
    yield;
  }

  const usesByImage = yield* matchUses(input.uses, imagesByRepository);
  yield;
  const rememberedByImage = input.remembered?.length ? yield* matchUses(input.remembered, imagesByRepository) : NO_USES;

  return Object.freeze(
    Object.assign({}, input, {
      repositoryById,
      imagesByRepository,
      usesByImage,
      rememberedByImage,
      incompleteByRepository: incompleteByRepositoryOf(input),
    }),
  );
}

const NO_USES: ReadonlyMap<string, readonly ImageUse[]> = new Map();

/**
 * The same inventory with other uses: a fresh read of the in-use sources (before a cleanup deletes) or
 * remembered uses from the ledger. Reuses the image index; only uses are matched again.
 */
export function* withUsesSteps(
  snapshot: Snapshot,
  change: Pick<SnapshotInput, 'version' | 'uses' | 'clusters' | 'incomplete' | 'sources' | 'remembered'>,
): Steps<Snapshot> {
  const usesByImage = yield* matchUses(change.uses, snapshot.imagesByRepository);
  const rememberedByImage = change.remembered?.length ? yield* matchUses(change.remembered, snapshot.imagesByRepository) : NO_USES;
  const input = { ...snapshot, ...change };
  return Object.freeze(Object.assign({}, input, { usesByImage, rememberedByImage, incompleteByRepository: incompleteByRepositoryOf(input) }));
}

export const withUses = (snapshot: Snapshot, change: Parameters<typeof withUsesSteps>[1]): Snapshot => runNow(withUsesSteps(snapshot, change));

function incompleteByRepositoryOf(input: SnapshotInput): Map<string, Incomplete[]> {
  const incompleteByRepository = new Map<string, Incomplete[]>();
  const registryWide = new Map<string, Incomplete[]>();
  for (const entry of input.incomplete) {
    if (USE_SCOPES.has(entry.scope)) continue;
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
  return incompleteByRepository;
}

function groupImages(images: readonly Image[], grouped: ReadonlyMap<string, Image[]>, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const image = images[i]!;
    const list = grouped.get(image.repositoryId);
    if (list) list.push(image);
  }
}

interface UseTarget {
  readonly use: ImageUse;
  readonly tag?: string;
  readonly digests: readonly string[];
}

/**
 * Uses by image key. Only the repositories that uses name are scanned, and only for the tags and digests
 * they name: indexing every image by digest and tag would cost two maps of a million entries per refresh.
 * Yields after each repository scanned.
 */
function* matchUses(uses: readonly ImageUse[], imagesByRepository: ReadonlyMap<string, readonly Image[]>): Steps<Map<string, ImageUse[]>> {
  const byRepository = new Map<string, UseTarget[]>();
  for (const use of uses) {
    const ref = parseEcrReference(use.reference);
    if (!ref) continue;
    const repoId = repositoryId(ref.accountId, ref.region, ref.repository);
    const digests = [...new Set([ref.digest, use.digest])].filter((d): d is string => d !== undefined);
    const targets = byRepository.get(repoId);
    // A remembered use names the image it was seen on by digest: its tag may have moved since.
    const target: UseTarget = { use, ...(ref.tag && use.lastSeenAt === undefined ? { tag: ref.tag } : {}), digests };
    if (targets) targets.push(target);
    else byRepository.set(repoId, [target]);
  }

  const usesByImage = new Map<string, ImageUse[]>();
  const addUse = (image: Image | undefined, use: ImageUse): void => {
    if (!image) return;
    const key = imageKey(image);
    const list = usesByImage.get(key);
    if (!list) usesByImage.set(key, [use]);
    else if (!list.includes(use)) list.push(use);
  };
  for (const [repoId, targets] of byRepository) {
    const images = imagesByRepository.get(repoId);
    if (!images) continue;
    const wantedTags = new Set<string>();
    const wantedDigests = new Set<string>();
    for (const t of targets) {
      if (t.tag) wantedTags.add(t.tag);
      for (const d of t.digests) wantedDigests.add(d);
    }
    // Newest first, so the newest image holding a tag wins, as a tag names one image.
    const byTag = new Map<string, Image>();
    const byDigest = new Map<string, Image>();
    for (const image of images) {
      if (wantedDigests.has(image.digest)) byDigest.set(image.digest, image);
      for (const tag of image.tags) if (wantedTags.has(tag) && !byTag.has(tag)) byTag.set(tag, image);
    }
    for (const t of targets) {
      if (t.tag) addUse(byTag.get(t.tag), t.use);
      for (const d of t.digests) addUse(byDigest.get(d), t.use);
    }
    yield;
  }
  return usesByImage;
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
