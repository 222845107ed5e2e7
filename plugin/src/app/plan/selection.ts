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
  // Every image the plan deletes here: a deleted index's children and referrers are deleted too, so none is missing.
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

/**
 * Who goes with whom: an index's children go with the index, a referrer with its subject (as the planner deletes
 * them), within a repository and among the images the plan lists.
 */
export interface Families {
  /** Image key → the keys of the listed images that go with it. */
  readonly followers: ReadonlyMap<string, readonly string[]>;
  /** Image key → the keys of the listed images it goes with (every index listing it, or its subject). */
  readonly leaders: ReadonlyMap<string, readonly string[]>;
  /** Image key → the image. */
  readonly images: ReadonlyMap<string, PlannedImage>;
}

function append(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}

/** The plan's families, in one pass over its images and their links. */
export function families(plan: CleanupPlan): Families {
  const images = new Map(plan.images.map((i) => [imageKey(i), i]));
  const followers = new Map<string, string[]>();
  const leaders = new Map<string, string[]>();
  const link = (leader: string, follower: string) => {
    if (!images.has(leader) || !images.has(follower)) {
      return;
    }
    append(followers, leader, follower);
    append(leaders, follower, leader);
  };
  for (const [key, image] of images) {
    const prefix = `${repositoryKey(image)}@`;
    for (const child of image.children) {
      link(key, prefix + child);
    }
    if (image.subject) {
      link(prefix + image.subject, key);
    }
  }
  return { followers, leaders, images };
}

/** Adds, to approved images, the images that go with them once all they go with are approved (nested too). */
function withFollowers(selected: Set<string>, start: Iterable<string>, f: Families): Set<string> {
  const work = [...start];
  for (let key = work.pop(); key !== undefined; key = work.pop()) {
    for (const follower of f.followers.get(key) ?? []) {
      const ready = (f.leaders.get(follower) ?? []).every((l) => selected.has(l));
      if (!selected.has(follower) && ready && f.images.get(follower)?.decision === 'delete') {
        selected.add(follower);
        work.push(follower);
      }
    }
  }
  return selected;
}

/**
 * Approves or withdraws one image with what goes with it: its children and referrers follow it (a child once every
 * index listing it is approved), so none is left behind for good, and none is deleted without its index or subject.
 * Only images the plan deletes can be approved; an image that goes with another is approved through it.
 */
export function setImage(
  selected: ReadonlySet<string>,
  image: PlannedImage,
  approve: boolean,
  f: Families
): Set<string> {
  const key = imageKey(image);
  const next = new Set(selected);
  if (approve) {
    if (image.decision !== 'delete') {
      return next;
    }
    next.add(key);
    return withFollowers(next, [key], f);
  }
  const work = [key];
  for (let k = work.pop(); k !== undefined; k = work.pop()) {
    if (next.delete(k) || k === key) {
      work.push(...(f.followers.get(k) ?? []));
    }
  }
  return next;
}

/**
 * Whether an image goes with another (so it is approved through that one): a listed index's child, or any referrer,
 * its subject listed or not (a referrer is never approved alone).
 */
export const follows = (f: Families, image: PlannedImage): boolean =>
  image.subject !== null || f.leaders.has(imageKey(image));

/** The images of the plan that are approved, in the plan's order: only images it deletes. */
const approvedOf = (plan: CleanupPlan, selected: ReadonlySet<string>): PlannedImage[] =>
  deletable(plan.images).filter((i) => selected.has(imageKey(i)));

/** The approved images as POST /api/v1/cleanup/execute takes them, in the plan's order. */
export function approvedImages(plan: CleanupPlan, selected: ReadonlySet<string>): SelectedImage[] {
  return approvedOf(plan, selected).map(({ repository, account, region, digest }) => ({
    repository,
    account,
    region,
    digest,
  }));
}

/** Bytes the approved images would free (known sizes), for the confirmation. */
export function approvedBytes(plan: CleanupPlan, selected: ReadonlySet<string>): number {
  return approvedOf(plan, selected).reduce((sum, i) => sum + (i.reclaimableBytes ?? 0), 0);
}

/**
 * A preview is good for an execution only when it was of the same plan and exactly the same images: the key that
 * says so.
 */
export const approvalKey = (planId: string, images: readonly SelectedImage[]): string =>
  `${planId}:${images.map(imageKey).join(',')}`;

/** After the plan changed: the approvals the new plan still deletes. The rest must be looked at again. */
export const stillDeleted = (plan: CleanupPlan, selected: ReadonlySet<string>): Set<string> =>
  new Set(approvedOf(plan, selected).map(imageKey));

/** Which repositories the plan page lists: all, those with images to delete, or the blocked ones. */
export const REPOSITORY_VIEWS = ['all', 'delete', 'blocked'] as const;
export type RepositoryView = (typeof REPOSITORY_VIEWS)[number];
/** The most repository rows the page draws at once: a registry of thousands stays responsive. */
export const MAX_SHOWN_REPOSITORIES = 500;

/**
 * The repositories a view shows, in the plan's order: of the chosen kind, whose account/region/name contains `text`
 * (a plain, case-insensitive substring: no pattern syntax), at most `limit`; and how many matched in all.
 */
export function visibleRepositories(
  repositories: readonly PlannedRepository[],
  text: string,
  view: RepositoryView,
  limit = MAX_SHOWN_REPOSITORIES
): { shown: PlannedRepository[]; matched: number } {
  const needle = text.trim().toLowerCase();
  const shown: PlannedRepository[] = [];
  let matched = 0;
  for (const r of repositories) {
    const kind = view === 'all' || (view === 'delete' ? r.summary.delete > 0 : r.status === 'blocked');
    if (kind && (needle === '' || repositoryKey(r).toLowerCase().includes(needle))) {
      matched += 1;
      if (shown.length < limit) {
        shown.push(r);
      }
    }
  }
  return { shown, matched };
}

export type { PlannedImage, PlannedRepository };
