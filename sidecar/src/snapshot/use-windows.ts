/**
 * Which uses count, by their own kind and time: a stopped task within the stopped-task window, one of the
 * newest N revisions of a task-definition family, and a remembered use unseen for less than its window. Shared
 * by the refresher (what to record in the ledger) and the planner (what protects an image). A use with a
 * missing time or revision counts (fail closed).
 */
import type { ImageUse } from './model.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The windows, as the cleanup configuration's `inUse` section gives them. */
export interface UseWindows {
  readonly stoppedTaskWindowHours: number;
  readonly taskDefinitionRevisions: number;
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

/** What the refresher's memory of uses needs: which uses count now, and how long to remember one. */
export interface UseRetention {
  readonly windows: UseWindows;
  /** The longest window any rule or the stopped-task window asks for. */
  readonly retentionMs: number;
}

/** Whether a use the current read saw protects its image now (before any memory). */
export function currentUseCounter(uses: readonly ImageUse[], config: UseWindows, now: number): (use: ImageUse) => boolean {
  const kept = keptRevisions(uses, config.taskDefinitionRevisions);
  const stoppedSince = now - config.stoppedTaskWindowHours * HOUR;
  return (use) => {
    switch (use.kind) {
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
}

/** Whether a remembered use still counts: unseen for less than its window. */
export function rememberedUseCounts(use: ImageUse, config: UseWindows, keepDays: number, now: number): boolean {
  const task = use.kind === 'running-task' || use.kind === 'stopped-task';
  const window = task ? Math.max(config.stoppedTaskWindowHours * HOUR, keepDays * DAY) : keepDays * DAY;
  // A stopped task counts from its stop; anything else from when it was last seen.
  const anchor = use.kind === 'stopped-task' && use.at !== undefined ? Math.max(use.at, use.lastSeenAt ?? use.at) : use.lastSeenAt;
  return anchor === undefined || anchor >= now - window;
}
