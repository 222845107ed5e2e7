/**
 * Which ECS uses protect an image: running tasks, tasks stopped within the window, service
 * deployments, and the newest N revisions of each task-definition family. A use with a missing
 * time or revision counts (fail closed).
 */
import type { Image, ImageUse, Snapshot } from '../snapshot/model.js';
import type { InUseConfig } from './config.js';

const HOUR = 3_600_000;
const NONE: readonly ImageUse[] = Object.freeze([]);

export interface InUseResolver {
  /** The uses that protect the image, sorted. Empty when not in use. */
  (image: Image): readonly ImageUse[];
  /** The same, for the images of one repository: no per-image repository lookup. */
  forRepository(repositoryId: string): (image: Image) => readonly ImageUse[];
}

const familyOf = (use: ImageUse): { key: string; revision: number } | undefined => {
  const td = use.taskDefinition;
  if (!td) return undefined;
  const colon = td.lastIndexOf(':');
  const revision = colon > 0 ? Number(td.slice(colon + 1)) : NaN;
  if (!Number.isInteger(revision)) return undefined;
  return { key: `${use.accountId}/${use.region}/${td.slice(0, colon)}`, revision };
};

/** The revisions kept per family: the newest `n` among the task-definition uses. */
function keptRevisions(uses: readonly ImageUse[], n: number): ReadonlySet<string> {
  const byFamily = new Map<string, Set<number>>();
  for (const use of uses) {
    if (use.kind !== 'task-definition') continue;
    const family = familyOf(use);
    if (!family) continue;
    let set = byFamily.get(family.key);
    if (!set) byFamily.set(family.key, (set = new Set()));
    set.add(family.revision);
  }
  const kept = new Set<string>();
  for (const [key, revisions] of byFamily) {
    for (const revision of [...revisions].sort((a, b) => b - a).slice(0, n)) kept.add(`${key}:${revision}`);
  }
  return kept;
}

export function createInUseResolver(snapshot: Snapshot, config: InUseConfig, now: number): InUseResolver {
  const kept = keptRevisions(snapshot.uses, config.taskDefinitionRevisions);
  const stoppedSince = now - config.stoppedTaskWindowHours * HOUR;
  const counts = (use: ImageUse): boolean => {
    switch (use.kind) {
      case 'running-task':
      case 'service':
        return true;
      case 'stopped-task':
        return use.at === undefined || use.at >= stoppedSince;
      case 'task-definition': {
        const family = familyOf(use);
        return !family || kept.has(`${family.key}:${family.revision}`);
      }
      default:
        return true;
    }
  };
  // Uses per repository, then digest: lookups need no key string per image.
  const byRepository = new Map<string, Map<string, readonly ImageUse[]>>();
  for (const [key, uses] of snapshot.usesByImage) {
    const at = key.lastIndexOf('@');
    const repo = key.slice(0, at);
    let map = byRepository.get(repo);
    if (!map) byRepository.set(repo, (map = new Map()));
    map.set(key.slice(at + 1), uses);
  }
  const memo = new Map<readonly ImageUse[], readonly ImageUse[]>();
  const effective = (uses: readonly ImageUse[] | undefined): readonly ImageUse[] => {
    if (!uses) return NONE;
    let out = memo.get(uses);
    if (!out) {
      // Sorted, so reasons and the plan id do not depend on the order the refresh listed uses in.
      out = uses.filter(counts).sort((a, b) => compareText(sortKey(a), sortKey(b)));
      memo.set(uses, out);
    }
    return out;
  };
  const none = (): readonly ImageUse[] => NONE;
  const resolver = (image: Image): readonly ImageUse[] => effective(byRepository.get(image.repositoryId)?.get(image.digest));
  resolver.forRepository = (repositoryId: string) => {
    const map = byRepository.get(repositoryId);
    return map ? (image: Image) => effective(map.get(image.digest)) : none;
  };
  return resolver;
}

const sortKey = (u: ImageUse): string =>
  `${u.kind}|${u.accountId}/${u.region}|${u.cluster ?? ''}|${u.service ?? ''}|${u.task ?? ''}|${u.taskDefinition ?? ''}|${u.container ?? ''}|${u.reference}|${u.at ?? ''}`;
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** How a use names the image: by digest, or by one of its tags. */
export function matchedBy(use: ImageUse, image: Image): string {
  if (use.digest === image.digest || use.reference.endsWith(`@${image.digest}`)) return 'by digest';
  const at = use.reference.indexOf('@');
  const ref = at >= 0 ? use.reference.slice(0, at) : use.reference;
  const colon = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  return colon > slash ? `by tag ${ref.slice(colon + 1)}` : 'by reference';
}
