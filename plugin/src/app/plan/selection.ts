/**
 * What a person approves on the plan page, as pure functions over the plan: image keys, whole repositories, the
 * request's `images`, and what survives when the plan changes under the approval.
 */
import type { CleanupPlan, PlannedImage, PlannedRepository, SelectedImage } from '@ecr-lens/contract';

type Located = Pick<PlannedImage, 'account' | 'region' | 'repository'>;

export const repositoryKey = (r: Located): string => `${r.account}/${r.region}/${r.repository}`;
export const imageKey = (i: Located & { digest: string }): string => `${repositoryKey(i)}@${i.digest}`;

/** The plan's images by repository, in the plan's order. */
export function imagesByRepository(plan: CleanupPlan): Map<string, PlannedImage[]> {
  const out = new Map<string, PlannedImage[]>();
  for (const image of plan.images) {
    const key = repositoryKey(image);
    const list = out.get(key);
    if (list) {
      list.push(image);
    } else {
      out.set(key, [image]);
    }
  }
  return out;
}

export const deletable = (images: readonly PlannedImage[] | undefined): PlannedImage[] =>
  (images ?? []).filter((i) => i.decision === 'delete');

/** How much of a repository's deletable images are approved. */
export function repositoryApproval(
  images: readonly PlannedImage[] | undefined,
  selected: ReadonlySet<string>
): 'none' | 'some' | 'all' {
  const candidates = deletable(images);
  const approved = candidates.filter((i) => selected.has(imageKey(i))).length;
  return approved === 0 ? 'none' : approved === candidates.length ? 'all' : 'some';
}

/** Approves (or withdraws) every image the plan deletes in a repository. */
export function setRepository(
  selected: ReadonlySet<string>,
  images: readonly PlannedImage[] | undefined,
  approve: boolean
): Set<string> {
  const next = new Set(selected);
  for (const image of deletable(images)) {
    if (approve) {
      next.add(imageKey(image));
    } else {
      next.delete(imageKey(image));
    }
  }
  return next;
}

/** Approves or withdraws one image; only images the plan deletes can be approved. */
export function setImage(selected: ReadonlySet<string>, image: PlannedImage, approve: boolean): Set<string> {
  const next = new Set(selected);
  if (approve && image.decision === 'delete') {
    next.add(imageKey(image));
  } else {
    next.delete(imageKey(image));
  }
  return next;
}

/** The approved images as POST /api/v1/cleanup/execute takes them, in the plan's order. */
export function approvedImages(plan: CleanupPlan, selected: ReadonlySet<string>): SelectedImage[] {
  return deletable(plan.images)
    .filter((i) => selected.has(imageKey(i)))
    .map(({ repository, account, region, digest }) => ({ repository, account, region, digest }));
}

/** Bytes the approved images would free (known sizes), for the confirmation. */
export function approvedBytes(plan: CleanupPlan, selected: ReadonlySet<string>): number {
  return deletable(plan.images)
    .filter((i) => selected.has(imageKey(i)))
    .reduce((sum, i) => sum + (i.reclaimableBytes ?? 0), 0);
}

/**
 * A preview is good for an execution only when it was of the same plan and exactly the same images: the key that
 * says so.
 */
export const approvalKey = (planId: string, images: readonly SelectedImage[]): string =>
  `${planId}:${images.map(imageKey).join(',')}`;

/** After the plan changed: the approvals the new plan still deletes. The rest must be looked at again. */
export function stillDeleted(plan: CleanupPlan, selected: ReadonlySet<string>): Set<string> {
  return new Set(
    deletable(plan.images)
      .map(imageKey)
      .filter((k) => selected.has(k))
  );
}

export type { PlannedImage, PlannedRepository };
