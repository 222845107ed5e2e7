/**
 * A person's approval of part of a plan: the images they chose, checked against the plan they reviewed. It fails
 * closed: an image the plan does not delete, one named twice, or an index child or referrer approved without its
 * index or subject (deleted alone, it would break an image that stays) refuses the whole approval. An index approved
 * without its children is allowed: they are left untagged, and a later plan decides them.
 */
import type { SelectedImage, SelectionChange } from '@ecr-lens/contract';
import { repositoryId } from '../../snapshot/model.js';
import type { CleanupPlan, ImagePlan, RepositoryPlan } from './types.js';

export interface SelectionIssue {
  readonly path: string;
  readonly message: string;
}

export type Approval =
  | { readonly ok: true; readonly approved: (p: ImagePlan) => boolean; readonly count: number }
  | { readonly ok: false; readonly issues: readonly SelectionIssue[] };

/** Stop listing issues after this many (the first ones say what is wrong), then say how many more there are. */
const MAX_ISSUES = 20;

/** One repository of the plan, with where each digest is and which indexes list it. */
interface RepositoryLookup {
  readonly plan: RepositoryPlan;
  readonly positions: ReadonlyMap<string, number>;
  /** Digest → the digests of the indexes (in this repository) that list it. */
  readonly parents: ReadonlyMap<string, readonly string[]>;
}

/** Lookups for the repositories the selection names, built once each (linear in their images). */
function lookups(plan: CleanupPlan, selection: readonly SelectedImage[]): Map<string, RepositoryLookup | undefined> {
  const named = new Set(selection.map((s) => repositoryId(s.account, s.region, s.repository)));
  const out = new Map<string, RepositoryLookup | undefined>();
  for (const id of named) out.set(id, undefined);
  for (const r of plan.repositories) {
    if (!named.has(r.repository.id)) continue;
    const positions = new Map<string, number>();
    const parents = new Map<string, string[]>();
    const count = r.summary.images;
    for (let i = 0; i < count; i++) {
      const image = r.imageAt(i).image;
      positions.set(image.digest, i);
      for (const child of image.children) {
        const list = parents.get(child);
        if (list) list.push(image.digest);
        else parents.set(child, [image.digest]);
      }
    }
    out.set(r.repository.id, { plan: r, positions, parents });
  }
  return out;
}

const keyOf = (s: SelectedImage): string => `${repositoryId(s.account, s.region, s.repository)}@${s.digest}`;
const short = (digest: string): string => digest.slice(0, 19);

/**
 * Positions of `selection`, each image once (its first entry), grouped by repository: a repository's reasons are
 * decided again when first read (image-views.ts), so reading them grouped decides each repository once.
 */
function firstEntriesByRepository(selection: readonly SelectedImage[]): number[] {
  const seen = new Set<string>();
  const groups = new Map<string, number[]>();
  for (const [k, s] of selection.entries()) {
    const key = keyOf(s);
    if (seen.has(key)) continue;
    seen.add(key);
    const id = repositoryId(s.account, s.region, s.repository);
    const group = groups.get(id);
    if (group) group.push(k);
    else groups.set(id, [k]);
  }
  return [...groups.values()].flat();
}

/** Checks `selection` against `plan` (the plan in the run's scope, with the id the person reviewed). */
export function approveSelection(plan: CleanupPlan, selection: readonly SelectedImage[]): Approval {
  const byRepository = lookups(plan, selection);
  const chosen = new Set(selection.map(keyOf));
  const found: SelectionIssue[] = [];
  const issue = (k: number, message: string): void => {
    found.push({ path: `images.${k}`, message });
  };
  const firsts = new Set<string>();
  for (const [k, s] of selection.entries()) {
    const key = keyOf(s);
    if (firsts.has(key)) issue(k, 'names an image already approved');
    firsts.add(key);
  }
  for (const k of firstEntriesByRepository(selection)) {
    const s = selection[k]!;
    const lookup = byRepository.get(repositoryId(s.account, s.region, s.repository));
    if (!lookup) {
      issue(k, `repository ${s.repository} (${s.account}, ${s.region}) is not in the plan's scope`);
      continue;
    }
    const position = lookup.positions.get(s.digest);
    if (position === undefined) {
      issue(k, `${short(s.digest)} is not in the plan`);
      continue;
    }
    const row = lookup.plan.imageAt(position);
    if (row.decision !== 'delete') {
      const why = row.reasons[0];
      issue(k, `the plan does not delete ${short(s.digest)} (${row.decision}${why ? `: ${why.text}` : ''})`);
      continue;
    }
    const prefix = `${lookup.plan.repository.id}@`;
    const missingParent = (lookup.parents.get(s.digest) ?? []).find((parent) => !chosen.has(prefix + parent));
    if (missingParent) issue(k, `index ${short(missingParent)} lists ${short(s.digest)} and is not approved: deleting the child alone would break it`);
    const subject = row.image.subjectDigest;
    if (subject !== undefined && lookup.positions.has(subject) && !chosen.has(prefix + subject))
      issue(k, `${short(s.digest)} refers to ${short(subject)}, which is not approved: approve its subject too`);
  }
  if (found.length) {
    // In the order of the request (a stable sort keeps an image's own issues in order).
    const index = (i: SelectionIssue): number => Number(i.path.slice('images.'.length));
    const listed = found.sort((a, b) => index(a) - index(b)).slice(0, MAX_ISSUES);
    const more = found.length - listed.length;
    return { ok: false, issues: more > 0 ? [...listed, { path: 'images', message: `and ${more} more issues` }] : listed };
  }
  return { ok: true, approved: (p) => chosen.has(`${p.image.repositoryId}@${p.image.digest}`), count: chosen.size };
}

/** What the current plan decides for approved images it no longer deletes; how many it still deletes. */
export function selectionChanges(plan: CleanupPlan, selection: readonly SelectedImage[]): { unchanged: number; changed: SelectionChange[] } {
  const byRepository = lookups(plan, selection);
  const changed: [number, SelectionChange][] = [];
  let unchanged = 0;
  for (const k of firstEntriesByRepository(selection)) {
    const s = selection[k]!;
    const lookup = byRepository.get(repositoryId(s.account, s.region, s.repository));
    const position = lookup?.positions.get(s.digest);
    if (!lookup || position === undefined) {
      changed.push([k, Object.assign({}, s, { decision: 'gone' as const, reasons: [] })]);
      continue;
    }
    const row = lookup.plan.imageAt(position);
    if (row.decision === 'delete') unchanged += 1;
    else changed.push([k, Object.assign({}, s, { decision: row.decision, reasons: row.reasons.map((r) => ({ code: r.code, text: r.text })) })]);
  }
  // In the order of the request.
  return { unchanged, changed: changed.sort((a, b) => a[0] - b[0]).map(([, c]) => c) };
}
