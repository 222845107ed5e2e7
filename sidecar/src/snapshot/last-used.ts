/**
 * When an image was last used, and by what. Pure, over a snapshot's current and remembered uses; it
 * lives with the model so that query/, metrics/ and cleanup/ can all read it.
 */
import type { Image, ImageUse, Snapshot } from './model.js';
import { USE_KINDS, useIdentity } from './model.js';
import { derivedOf, slot } from './derived.js';

export interface LastUse {
  /** Epoch ms. */
  readonly at: number;
  readonly use: ImageUse;
}

/** When a use shows its image was used: a stopped task at its stop, a remembered use when last seen, else at the read. */
export const useTime = (use: ImageUse, readAt: number): number =>
  use.kind === 'stopped-task' && use.at !== undefined ? use.at : (use.lastSeenAt ?? readAt);

/** When the uses show the image was last used: the read time for current uses, else when last seen. */
export function lastUsedAt(uses: readonly ImageUse[], readAt: number): number | undefined {
  let last: number | undefined;
  for (const use of uses) {
    const at = useTime(use, readAt);
    if (last === undefined || at > last) last = at;
  }
  return last;
}

/**
 * True when a is a better answer than b: later; on a tie a use seen now, then the kind listed first in
 * USE_KINDS, then the identity, so the answer does not depend on the order sources listed uses in.
 */
function better(a: LastUse, b: LastUse): boolean {
  if (a.at !== b.at) return a.at > b.at;
  const aNow = a.use.lastSeenAt === undefined;
  if (aNow !== (b.use.lastSeenAt === undefined)) return aNow;
  const kinds = USE_KINDS.indexOf(a.use.kind) - USE_KINDS.indexOf(b.use.kind);
  if (kinds !== 0) return kinds < 0;
  return useIdentity(a.use) < useIdentity(b.use);
}

function latest(uses: readonly ImageUse[], readAt: number): LastUse | undefined {
  let best: LastUse | undefined;
  for (const use of uses) {
    const candidate = { at: useTime(use, readAt), use };
    if (!best || better(candidate, best)) best = candidate;
  }
  return best;
}

type ByRepository = Map<string, Map<string, LastUse>>;

function put(out: ByRepository, repositoryId: string, digest: string, candidate: LastUse | undefined): void {
  if (!candidate) return;
  let inner = out.get(repositoryId);
  if (!inner) out.set(repositoryId, (inner = new Map()));
  const held = inner.get(digest);
  if (!held || better(candidate, held)) inner.set(digest, candidate);
}

export const LAST_USES = slot<ReadonlyMap<string, ReadonlyMap<string, LastUse>>>('last uses');

/**
 * The last use of every image ever seen used, by repository id then digest (no key string per image),
 * once per snapshot. Only used images have an entry. An index's uses count for its children too: a
 * task running a multi-arch tag pulls one of them (as effectiveUses in query/uses.ts).
 */
export function lastUses(snapshot: Snapshot): ReadonlyMap<string, ReadonlyMap<string, LastUse>> {
  return derivedOf(snapshot).get(LAST_USES, undefined, () => lastUsesOf(snapshot));
}

function lastUsesOf(snapshot: Snapshot): ReadonlyMap<string, ReadonlyMap<string, LastUse>> {
  const readAt = snapshot.refreshStartedAt;
  const direct: ByRepository = new Map();
  for (const map of [snapshot.usesByImage, snapshot.rememberedByImage]) {
    for (const [key, uses] of map) {
      const at = key.lastIndexOf('@');
      put(direct, key.slice(0, at), key.slice(at + 1), latest(uses, readAt));
    }
  }
  // Children get their indexes' own last use (one level, as effectiveUses), compared with their own.
  const out: ByRepository = new Map([...direct].map(([id, inner]) => [id, new Map(inner)]));
  for (const [repositoryId, used] of direct) {
    for (const image of snapshot.imagesByRepository.get(repositoryId) ?? []) {
      if (image.kind !== 'index' || image.children.length === 0) continue;
      const parent = used.get(image.digest);
      if (parent) for (const child of image.children) put(out, repositoryId, child, parent);
    }
  }
  return out;
}

export const USED_NOW = slot<ReadonlyMap<string, ReadonlySet<string>>>('used now');

/**
 * The digests used now (current uses only, not remembered ones), by repository id, once per snapshot: a pass over
 * a repository's images asks its set, or skips the repository, instead of making a key string per image.
 */
export function usedNow(snapshot: Snapshot): ReadonlyMap<string, ReadonlySet<string>> {
  return derivedOf(snapshot).get(USED_NOW, undefined, () => digestsByRepository(snapshot.usesByImage, (uses) => uses.length > 0));
}

/** Of uses by image key, the digests whose uses `keep` accepts, by repository id. */
export function digestsByRepository(byImage: ReadonlyMap<string, readonly ImageUse[]>, keep: (uses: readonly ImageUse[]) => boolean): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [key, uses] of byImage) {
    if (!keep(uses)) continue;
    const at = key.lastIndexOf('@');
    const id = key.slice(0, at);
    let digests = out.get(id);
    if (!digests) out.set(id, (digests = new Set()));
    digests.add(key.slice(at + 1));
  }
  return out;
}

/** The most recent use of the image, directly or through an index that lists it; undefined when never seen used. */
export function lastUse(snapshot: Snapshot, image: Pick<Image, 'repositoryId' | 'digest'>): LastUse | undefined {
  return lastUses(snapshot).get(image.repositoryId)?.get(image.digest);
}
