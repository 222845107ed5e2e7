import type { Image, ImageUse, Snapshot } from '../snapshot/model.js';
import { imageKey } from '../snapshot/model.js';
import { derivedOf, slot } from '../snapshot/derived.js';
import { ITEMS_PER_STEP, type Steps } from '../cooperative.js';

export const EFFECTIVE_USES = slot<ReadonlyMap<string, readonly ImageUse[]>>('effective uses');

/**
 * Uses per image, keyed by imageKey, including the uses of any index that lists the image: a task
 * running a multi-arch tag pulls one of the index's children, so every child counts as in use.
 */
export function effectiveUses(snapshot: Snapshot): ReadonlyMap<string, readonly ImageUse[]> {
  return derivedOf(snapshot).getSteps(EFFECTIVE_USES, undefined, () => effectiveUsesSteps(snapshot));
}

/** As effectiveUses, giving the event loop a turn every `sliceMs`. */
export function effectiveUsesCooperatively(snapshot: Snapshot, sliceMs?: number): Promise<ReadonlyMap<string, readonly ImageUse[]>> {
  return derivedOf(snapshot).getCooperatively(EFFECTIVE_USES, undefined, () => effectiveUsesSteps(snapshot), sliceMs);
}

function* effectiveUsesSteps(snapshot: Snapshot): Steps<ReadonlyMap<string, readonly ImageUse[]>> {
  const map = new Map<string, readonly ImageUse[]>(snapshot.usesByImage);
  let seen = 0;
  for (const images of snapshot.imagesByRepository.values()) {
    for (const index of images) {
      if (++seen % ITEMS_PER_STEP === 0) yield;
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
  return map;
}

export const usesOf = (uses: ReadonlyMap<string, readonly ImageUse[]>, image: Image): readonly ImageUse[] =>
  uses.get(imageKey(image)) ?? [];

/** Where a use is, after its kind: cluster/task, cluster/service, family:revision, function:qualifier, namespace/pod or the list. */
function whereOf(use: ImageUse): string {
  switch (use.kind) {
    case 'service':
      return `${use.cluster ?? '?'}/${use.service ?? '?'}`;
    case 'task-definition':
      return use.taskDefinition ?? '?';
    case 'lambda-function':
      return `${use.functionName ?? '?'}:${use.qualifier ?? '?'}`;
    case 'pod':
      return `${use.namespace ?? '?'}/${use.pod ?? '?'}`;
    case 'keep-list':
      return use.list ?? '?';
    default:
      return `${use.cluster ?? '?'}/${use.task ?? '?'}`;
  }
}

/** `running-task prod/3f2a…`, `service prod/api`, `lambda-function api:prod`: one line per use, sorted, distinct. */
export function describeUses(uses: readonly ImageUse[]): string {
  const lines = new Set<string>();
  for (const use of uses) lines.add(`${use.kind} ${whereOf(use)}`);
  return [...lines].sort().join(', ');
}

/** An ISO-8601 time to the second: `2026-12-01T10:00:00Z`. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One use, saying when the usage ledger last saw it if the current read did not: `pod prod/api-1 (last seen 2026-12-01T10:00:00Z)`. */
export function describeLastUse(use: ImageUse): string {
  const what = `${use.kind} ${whereOf(use)}`;
  return use.lastSeenAt === undefined ? what : `${what} (last seen ${isoSeconds(use.lastSeenAt)})`;
}
