import type { Repository, Snapshot } from '../snapshot/model.js';
import type { RepositoryScope } from './filters.js';
import { repositoryPredicate } from './filters.js';

/** A Grafana annotation event. */
export interface Annotation {
  readonly time: number;
  readonly timeEnd?: number;
  readonly title: string;
  readonly text: string;
  readonly tags: string[];
  readonly [extra: string]: unknown;
}

export interface AnnotationRange {
  readonly from: number;
  readonly to: number;
  /** At most this many events, the newest kept. */
  readonly limit: number;
  /** Only events of these registries, regions and repository globs. */
  readonly scope?: RepositoryScope;
}

/** The repositories a range's scope selects. */
export const scopedRepositories = (range: AnnotationRange): ((repository: Repository) => boolean) =>
  range.scope ? repositoryPredicate(range.scope) : () => true;

/** One kind of annotation (push; cleanup adds its own). Pure over the snapshot. */
/** Events of one kind; a kind that needs more than the snapshot (the cleanup plan) answers when it has it. */
export type AnnotationSource = (snapshot: Snapshot, range: AnnotationRange) => Annotation[] | Promise<Annotation[]>;

const newestFirst = (a: Annotation, b: Annotation): number => b.time - a.time;

/** Image pushes within [from, to]: one event per image, tagged `push` and with the repository name. */
export const pushAnnotations: AnnotationSource = (snapshot, range) => {
  const events: Annotation[] = [];
  const inScope = scopedRepositories(range);
  for (const repository of snapshot.repositories) {
    if (!inScope(repository)) continue;
    // Newest first: stop at the first push before the range.
    for (const image of snapshot.imagesByRepository.get(repository.id) ?? []) {
      if (image.pushedAt > range.to) continue;
      if (image.pushedAt < range.from) break;
      const label = image.tags.length > 0 ? image.tags.join(', ') : image.digest.slice(0, 19);
      events.push({
        time: image.pushedAt,
        title: `Push to ${repository.name}`,
        text: `${repository.name}: ${label} (${image.kind}, ${image.digest})`,
        tags: ['push', repository.name, ...image.tags],
        repository: repository.name,
        account: repository.accountId,
        region: repository.region,
        digest: image.digest,
      });
    }
  }
  return events.sort(newestFirst).slice(0, range.limit);
};

export const BUILT_IN_ANNOTATIONS: Readonly<Record<string, AnnotationSource>> = { push: pushAnnotations };
