/**
 * The order and budget of deletions: repository by repository, an index before the manifests it lists and a subject
 * before its referrers, BatchDeleteImage chunks.
 */
import type { Image, Repository } from '../../snapshot/model.js';
import type { CleanupPlan, ImagePlan } from './planner.js';

/** ECR's BatchDeleteImage limit. */
export const MAX_BATCH = 100;

export interface DeletionBatch {
  readonly repository: Repository;
  /** Level 0 first: an index is in an earlier level than the manifests it lists, a subject than its referrers. */
  readonly levels: readonly (readonly ImagePlan[])[];
}

/** One BatchDeleteImage call: at most MAX_BATCH images of one repository, of one level. */
export interface DeleteCall {
  readonly repository: Repository;
  readonly images: readonly ImagePlan[];
}

/** An image's key among several repositories' images: its repository and digest. */
export const imageKey = (image: Pick<Image, 'repositoryId' | 'digest'>): string => `${image.repositoryId}@${image.digest}`;

/**
 * Each image → the keys of the images it goes with (the indexes that list it, its subject), whether or not those are
 * among `images`: a caller keeps the ones it has.
 */
export function leadersOf(images: Iterable<ImagePlan>): Map<string, string[]> {
  const leaders = new Map<string, string[]>();
  const add = (follower: string, leader: string) => {
    const list = leaders.get(follower);
    if (list) list.push(leader);
    else leaders.set(follower, [leader]);
  };
  for (const { image } of images) {
    for (const child of image.children) add(`${image.repositoryId}@${child}`, imageKey(image));
    if (image.subjectDigest !== undefined) add(imageKey(image), `${image.repositoryId}@${image.subjectDigest}`);
  }
  return leaders;
}

/**
 * Candidates in deletion order: repository by repository, an index before the manifests it lists and a subject before
 * its referrers. With `approved`, only the images a person approved (selection.ts) are candidates.
 */
export function deletionOrder(plan: CleanupPlan, approved?: (p: ImagePlan) => boolean): DeletionBatch[] {
  const batches: DeletionBatch[] = [];
  for (const r of plan.repositories) {
    const candidates = r.images.filter((p) => p.decision === 'delete' && (!approved || approved(p)));
    if (!candidates.length) continue;
    // What an image goes with comes first: an index before the manifests it lists, a subject before its referrers.
    const leaders = leadersOf(candidates);
    const inRun = new Set(candidates.map((p) => imageKey(p.image)));
    const depth = new Map<string, number>();
    const depthOf = (key: string, seen: Set<string>): number => {
      const known = depth.get(key);
      if (known !== undefined) return known;
      if (seen.has(key)) return 0;
      seen.add(key);
      let d = 0;
      for (const leader of leaders.get(key) ?? []) if (inRun.has(leader)) d = Math.max(d, depthOf(leader, seen) + 1);
      depth.set(key, d);
      return d;
    };
    const levels: ImagePlan[][] = [];
    for (const p of candidates) (levels[depthOf(imageKey(p.image), new Set())] ??= []).push(p);
    batches.push({ repository: r.repository, levels: levels.filter((l) => l && l.length) });
  }
  return batches;
}

/** The first `max` candidates in deletion order, as BatchDeleteImage calls; and how many candidates there were. */
export function budgetCalls(plan: CleanupPlan, max: number, approved?: (p: ImagePlan) => boolean): { readonly calls: DeleteCall[]; readonly candidates: number } {
  const calls: DeleteCall[] = [];
  let candidates = 0;
  let budget = max;
  for (const { repository, levels } of deletionOrder(plan, approved)) {
    for (const level of levels) {
      candidates += level.length;
      const take = level.slice(0, Math.max(0, budget));
      budget -= take.length;
      for (let start = 0; start < take.length; start += MAX_BATCH) calls.push({ repository, images: take.slice(start, start + MAX_BATCH) });
    }
  }
  return { calls, candidates };
}
