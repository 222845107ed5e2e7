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

/**
 * Candidates in deletion order: repository by repository, an index before the manifests it lists and a subject before
 * its referrers. With `approved`, only the images a person approved (selection.ts) are candidates.
 */
export function deletionOrder(plan: CleanupPlan, approved?: (p: ImagePlan) => boolean): DeletionBatch[] {
  const batches: DeletionBatch[] = [];
  for (const r of plan.repositories) {
    const candidates = r.images.filter((p) => p.decision === 'delete' && (!approved || approved(p)));
    if (!candidates.length) continue;
    const byDigest = new Map(candidates.map((p) => [p.image.digest, p]));
    // What an image goes with comes first: an index before the manifests it lists, a subject before its referrers.
    const parents = new Map<string, Image[]>();
    const link = (follower: string, leader: Image) => {
      const list = parents.get(follower);
      if (list) list.push(leader);
      else parents.set(follower, [leader]);
    };
    for (const p of candidates) {
      for (const child of p.image.children) if (byDigest.has(child)) link(child, p.image);
      const subject = p.image.subjectDigest;
      if (subject !== undefined && byDigest.has(subject)) link(p.image.digest, byDigest.get(subject)!.image);
    }
    const depth = new Map<string, number>();
    const depthOf = (image: Image, seen: Set<string>): number => {
      const known = depth.get(image.digest);
      if (known !== undefined) return known;
      if (seen.has(image.digest)) return 0;
      seen.add(image.digest);
      let d = 0;
      for (const parent of parents.get(image.digest) ?? []) d = Math.max(d, depthOf(parent, seen) + 1);
      depth.set(image.digest, d);
      return d;
    };
    const levels: ImagePlan[][] = [];
    for (const p of candidates) (levels[depthOf(p.image, new Set())] ??= []).push(p);
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
