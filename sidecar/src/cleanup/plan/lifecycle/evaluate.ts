/**
 * Evaluates an ECR lifecycle policy over one repository's images, as ECR does (reference §5):
 * rules in rulePriority order; every rule selects its candidates over all images; the count is
 * taken over all candidates (claimed ones still occupy slots); an image that was a candidate of a
 * higher-priority rule, already acted on, or referenced by an index is not acted on; one action per image.
 */
import picomatch from 'picomatch';
import type { Image } from '../../../snapshot/model.js';
import type { LifecyclePolicy, LifecycleRule } from './policy.js';

const DAY = 86_400_000;

export type LifecycleImage = Pick<
  Image,
  'digest' | 'tags' | 'pushedAt' | 'lastPulledAt' | 'status' | 'lastArchivedAt' | 'lastActivatedAt' | 'children' | 'subjectDigest' | 'kind'
>;

export interface LifecycleAction<T extends LifecycleImage = LifecycleImage> {
  readonly digest: string;
  readonly image: T;
  readonly action: 'EXPIRE' | 'TRANSITION';
  readonly targetStorageClass?: 'ARCHIVE';
  /** The rule that acts; null for a referrer that follows its subject. */
  readonly appliedRulePriority: number | null;
  readonly storageClass: 'STANDARD' | 'ARCHIVE';
  /** `rule`: selected by a rule; `subject`: a referrer ECR removes within 24 h of its subject. */
  readonly via: 'rule' | 'subject';
}

export interface LifecycleEvaluation<T extends LifecycleImage = LifecycleImage> {
  /** In rule order, then referrers. */
  readonly actions: readonly LifecycleAction<T>[];
  /** Images a rule selected but that an index still references, so ECR leaves them. */
  readonly protectedByIndex: readonly { readonly digest: string; readonly rulePriority: number }[];
}

// ECR patterns know only `*`; escape everything else picomatch would read as syntax.
const escapeGlob = (pattern: string): string => pattern.replace(/[\\?[\]{}()!+@|^$]/g, '\\$&');

/** An ECR tag pattern: `*` matches any run, anchored at both ends. */
export function ecrTagMatcher(pattern: string): (tag: string) => boolean {
  const match = picomatch(escapeGlob(pattern), { dot: true });
  // One argument only: picomatch reads a second one as `returnObject`.
  return (tag) => match(tag);
}

type Selector = (image: LifecycleImage) => boolean;

function tagSelector(rule: LifecycleRule): Selector {
  const s = rule.selection;
  if (s.tagStatus === 'untagged') return (image) => image.tags.length === 0;
  if (s.tagStatus === 'any') return () => true;
  // Every entry of the list must match at least one of the image's tags.
  const tests: ((tag: string) => boolean)[] = s.tagPrefixList
    ? s.tagPrefixList.map((prefix) => (tag: string) => tag.startsWith(prefix))
    : (s.tagPatternList ?? []).map(ecrTagMatcher);
  return (image) => image.tags.length > 0 && tests.every((test) => image.tags.some(test));
}

/** Push time for ordering and sinceImagePushed: lastActivatedAt replaces it once an image was restored. */
const pushTime = (image: LifecycleImage): number => image.lastActivatedAt ?? image.pushedAt;

/** Pull time for sinceImagePulled: never pulled -> pushed; restored and not pulled since -> lastActivatedAt. */
function pullTime(image: LifecycleImage): number {
  if (image.lastActivatedAt !== undefined && (image.lastPulledAt === undefined || image.lastPulledAt < image.lastActivatedAt)) {
    return image.lastActivatedAt;
  }
  return image.lastPulledAt ?? image.pushedAt;
}

const youngestFirst = (a: LifecycleImage, b: LifecycleImage): number =>
  pushTime(b) - pushTime(a) || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);

const inClass = (image: LifecycleImage, storage: 'standard' | 'archive'): boolean =>
  storage === 'standard' ? image.status === 'ACTIVE' : image.status === 'ARCHIVED';

function targetsOf<T extends LifecycleImage>(rule: LifecycleRule, candidates: T[], now: number): T[] {
  const { countType, countNumber } = rule.selection;
  const older = (t: number | undefined): boolean => t !== undefined && now - t > countNumber * DAY;
  switch (countType) {
    case 'imageCountMoreThan':
      return candidates.sort(youngestFirst).slice(countNumber);
    case 'sinceImagePushed':
      return candidates.filter((image) => older(pushTime(image)));
    case 'sinceImagePulled':
      return candidates.filter((image) => older(pullTime(image)));
    case 'sinceImageTransitioned':
      return candidates.filter((image) => older(image.lastArchivedAt));
  }
}

export function evaluateLifecyclePolicy<T extends LifecycleImage>(policy: LifecyclePolicy, images: readonly T[], now: number): LifecycleEvaluation<T> {
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  // Children of an index that is still there (not archived) cannot be expired or archived.
  const referenced = new Set<string>();
  for (const image of images) if (image.status !== 'ARCHIVED') for (const child of image.children) referenced.add(child);

  const claimed = new Set<string>();
  const acted = new Map<string, LifecycleAction<T>>();
  const protectedByIndex: { digest: string; rulePriority: number }[] = [];
  for (const rule of rules) {
    const storage = rule.selection.storageClass ?? 'standard';
    const select = tagSelector(rule);
    const candidates = images.filter((image) => inClass(image, storage) && select(image));
    const targets = targetsOf(rule, [...candidates], now);
    for (const image of targets) {
      if (claimed.has(image.digest) || acted.has(image.digest)) continue;
      if (referenced.has(image.digest)) {
        protectedByIndex.push({ digest: image.digest, rulePriority: rule.rulePriority });
        continue;
      }
      acted.set(image.digest, {
        digest: image.digest,
        image,
        action: rule.action.type === 'expire' ? 'EXPIRE' : 'TRANSITION',
        ...(rule.action.type === 'transition' ? { targetStorageClass: 'ARCHIVE' as const } : {}),
        appliedRulePriority: rule.rulePriority,
        storageClass: storage === 'standard' ? 'STANDARD' : 'ARCHIVE',
        via: 'rule',
      });
    }
    for (const image of candidates) claimed.add(image.digest);
  }

  // Referrers (signatures, SBOMs) follow their subject, transitively.
  const followers: LifecycleAction<T>[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const image of images) {
      if (!image.subjectDigest || acted.has(image.digest)) continue;
      const subject = acted.get(image.subjectDigest);
      if (!subject) continue;
      const follow: LifecycleAction<T> = {
        digest: image.digest,
        image,
        action: subject.action,
        ...(subject.targetStorageClass ? { targetStorageClass: subject.targetStorageClass } : {}),
        appliedRulePriority: null,
        storageClass: image.status === 'ARCHIVED' ? 'ARCHIVE' : 'STANDARD',
        via: 'subject',
      };
      acted.set(image.digest, follow);
      followers.push(follow);
      changed = true;
    }
  }
  const byRule = [...acted.values()].filter((a) => a.via === 'rule');
  return { actions: [...byRule, ...followers], protectedByIndex };
}
