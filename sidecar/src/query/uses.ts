import type { Image, ImageUse, Snapshot } from '../snapshot/model.js';
import { imageKey } from '../snapshot/model.js';

const memo = new WeakMap<Snapshot, ReadonlyMap<string, readonly ImageUse[]>>();

/**
 * Uses per image, keyed by imageKey, including the uses of any index that lists the image: a task
 * running a multi-arch tag pulls one of the index's children, so every child counts as in use.
 */
export function effectiveUses(snapshot: Snapshot): ReadonlyMap<string, readonly ImageUse[]> {
  const cached = memo.get(snapshot);
  if (cached) return cached;
  const map = new Map<string, readonly ImageUse[]>(snapshot.usesByImage);
  for (const images of snapshot.imagesByRepository.values()) {
    for (const index of images) {
      if (index.kind !== 'index' || index.children.length === 0) continue;
      const parentUses = snapshot.usesByImage.get(imageKey(index));
      if (!parentUses) continue;
      for (const child of index.children) {
        const key = `${index.repositoryId}@${child}`;
        const own = map.get(key) ?? [];
        map.set(key, [...new Set([...own, ...parentUses])]);
      }
    }
  }
  memo.set(snapshot, map);
  return map;
}

export const usesOf = (uses: ReadonlyMap<string, readonly ImageUse[]>, image: Image): readonly ImageUse[] =>
  uses.get(imageKey(image)) ?? [];

/** `running-task prod/3f2a…`, `service prod/api`, `task-definition api:12`: one line per use, sorted, distinct. */
export function describeUses(uses: readonly ImageUse[]): string {
  const lines = new Set<string>();
  for (const use of uses) {
    const where =
      use.kind === 'service'
        ? `${use.cluster ?? '?'}/${use.service ?? '?'}`
        : use.kind === 'task-definition'
          ? (use.taskDefinition ?? '?')
          : `${use.cluster ?? '?'}/${use.task ?? '?'}`;
    lines.add(`${use.kind} ${where}`);
  }
  return [...lines].sort().join(', ');
}
