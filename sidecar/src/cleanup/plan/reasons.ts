/**
 * Every reason the planner can give, as a machine code plus human text. docs/cleanup.md lists them.
 */
import type { Image, ImageUse, Incomplete } from '../../snapshot/model.js';
import { matchedBy } from './inuse.js';

import { DELETE_CODES, KEEP_CODES } from '@ecr-lens/contract';
export { BLOCK_CODES, DECISIONS, DELETE_CODES, KEEP_CODES } from '@ecr-lens/contract';
import type { Decision, ReasonCode } from '@ecr-lens/contract';
export type { Decision, ReasonCode };

export interface Reason {
  readonly code: ReasonCode;
  readonly text: string;
}

/**
 * A reason whose text is rendered when read: a plan over a million images would otherwise build a
 * million sentences nobody reads. Serialises as `{code, text}`.
 */
abstract class LazyReason implements Reason {
  abstract readonly code: ReasonCode;
  abstract get text(): string;
  toJSON(): { code: ReasonCode; text: string } {
    return { code: this.code, text: this.text };
  }
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** `sha256:3f2a1b2c4d5e…`: enough to recognise a digest in a sentence. */
export const shortDigest = (digest: string): string => (digest.length > 19 ? `${digest.slice(0, 19)}…` : digest);
const shortTask = (task: string): string => {
  const id = task.slice(task.lastIndexOf('/') + 1);
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
};

export function ago(ms: number): string {
  if (ms < HOUR) return `${Math.max(0, Math.floor(ms / 60_000))} minutes ago`;
  if (ms < 2 * DAY) {
    const h = Math.floor(ms / HOUR);
    return `${h} hour${h === 1 ? '' : 's'} ago`;
  }
  return `${Math.floor(ms / DAY)} days ago`;
}
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Who uses the image, in words: `running task 3f2a1b2c… in cluster prod`, `Lambda function api (alias prod)`. */
export function describeUser(use: ImageUse, now: number): string {
  const where = use.cluster ? ` in cluster ${use.cluster}` : '';
  switch (use.kind) {
    case 'running-task':
      return use.service
        ? `service ${use.service}${where} (running task ${shortTask(use.task ?? '?')})`
        : `running task ${shortTask(use.task ?? '?')}${where}`;
    case 'stopped-task':
      return `task ${shortTask(use.task ?? '?')}${where}, stopped ${use.at === undefined ? 'at an unknown time' : ago(now - use.at)}`;
    case 'service':
      return `service ${use.service ?? '?'}${where} (deployment of ${use.taskDefinition ?? 'unknown task definition'})`;
    case 'task-definition':
      return `task definition ${use.taskDefinition ?? '?'}`;
    case 'lambda-function':
      return `Lambda function ${use.functionName ?? '?'} (${use.qualifier === undefined ? 'unknown version' : /^\d+$|^\$LATEST$/.test(use.qualifier) ? `version ${use.qualifier}` : `alias ${use.qualifier}`}) in ${use.accountId}/${use.region}`;
    case 'pod':
      return `pod ${use.namespace ?? '?'}/${use.pod ?? '?'}${use.container ? ` (container ${use.container})` : ''}${where}`;
    case 'keep-list':
      return `keep list ${use.list ?? '?'}`;
    default:
      return `a runtime (${String(use.kind)})`;
  }
}

export function inUseReason(use: ImageUse, image: Image, now: number): Reason {
  const how = matchedBy(use, image);
  if (use.lastSeenAt !== undefined) {
    return { code: 'recently-used', text: `kept: last used ${ago(now - use.lastSeenAt)} by ${describeUser(use, now)}, ${how}` };
  }
  let text: string;
  switch (use.kind) {
    case 'task-definition':
      text = `kept: referenced by task definition ${use.taskDefinition ?? '?'}, one of the newest revisions of its family, ${how}`;
      break;
    case 'keep-list':
      text = `kept: listed in keep list ${use.list ?? '?'}, ${how}`;
      break;
    default:
      text = `kept: used by ${describeUser(use, now)}, ${how}`;
  }
  return { code: 'in-use', text };
}

export const moreUses = (n: number): Reason => ({ code: 'in-use', text: `kept: used in ${plural(n, 'more place')}` });

class RecentReason extends LazyReason {
  readonly code = 'recent';
  constructor(
    private readonly age: number,
    private readonly days: number,
  ) {
    super();
  }
  get text(): string {
    return `kept: pushed ${ago(this.age)}, within ${plural(this.days, 'day')}`;
  }
}
export const recentReason = (age: number, days: number): Reason => new RecentReason(age, days);

class NewestReason extends LazyReason {
  readonly code = 'newest';
  constructor(
    private readonly rank: number,
    private readonly count: number,
    private readonly tagged: boolean,
  ) {
    super();
  }
  get text(): string {
    return `kept: among the newest ${this.count} ${this.tagged ? 'tagged' : 'untagged'} images (number ${this.rank + 1})`;
  }
}
export const newestReason = (rank: number, count: number, tagged: boolean): Reason => new NewestReason(rank, count, tagged);

export const patternReason = (tag: string, pattern: string): Reason => ({
  code: 'keep-tag-pattern',
  text: `kept: tag ${tag} matches keep pattern ${pattern}`,
});

export const prefixReason = (tag: string, prefix: string): Reason => ({
  code: 'keep-tag-prefix',
  text: `kept: tag ${tag} has keep prefix ${prefix}`,
});

const describe = (image: Image): string =>
  image.tags.length ? `${shortDigest(image.digest)} (${image.tags.slice(0, 3).join(', ')}${image.tags.length > 3 ? ', …' : ''})` : shortDigest(image.digest);

class RelatedReason extends LazyReason {
  constructor(
    readonly code: ReasonCode,
    private readonly prefix: string,
    private readonly related: Image,
    private readonly suffix = '',
  ) {
    super();
  }
  get text(): string {
    return `${this.prefix}${describe(this.related)}${this.suffix}`;
  }
}
export const indexChildReason = (index: Image): Reason => new RelatedReason('index-child', 'kept: child of kept index ', index);
export const subjectReason = (subject: Image): Reason => new RelatedReason('attestation-subject', 'kept: attestation of kept image ', subject);
export const subjectMissingReason = (subject: string): Reason => ({
  code: 'subject-missing',
  text: `kept: its subject ${shortDigest(subject)} is not in the image list, so it is never deleted`,
});
export const unrecognisedReason = (kind: string): Reason => ({
  code: 'unrecognised-artifact',
  text: `kept: ${kind === 'other' ? 'unrecognised artifact' : 'attestation without a subject or index'}, never deleted`,
});
export const pushTimeUnknownReason = (): Reason => ({
  code: 'push-time-unknown',
  text: 'kept: ECR did not report when it was pushed, so its age is unknown',
});
export const archivedReason = (status: string): Reason => ({
  code: 'archived',
  text: `kept: storage status ${status}; archived images are left to lifecycle rules (90-day minimum storage)`,
});
export const noRuleReason = (repository: string): Reason => ({
  code: 'no-rule',
  text: `kept: no cleanup rule matches repository ${repository}`,
});

/** What an expiry sentence needs besides the image; one per repository and tag class, shared. */
export interface ExpiryTerms {
  readonly now: number;
  readonly days: number;
  readonly count: number;
}

// Two fields per image: the plan holds one of these for most of a million images.
class ExpiredReason extends LazyReason {
  constructor(
    private readonly image: Image,
    private readonly terms: ExpiryTerms,
  ) {
    super();
  }
  get code(): ReasonCode {
    return this.image.tags.length ? 'expired-tagged' : 'expired-untagged';
  }
  get text(): string {
    const { tags, pushedAt } = this.image;
    const { now, days, count } = this.terms;
    const tagged = tags.length > 0;
    const what = tagged ? `tagged ${tags.slice(0, 3).join(', ')}${tags.length > 3 ? ', …' : ''}` : 'untagged';
    return `delete: ${what}, pushed ${ago(now - pushedAt)} (older than ${plural(days, 'day')}), not among the newest ${count} ${tagged ? 'tagged' : 'untagged'} images${tagged ? ', no keep pattern' : ''}, not in use`;
  }
}
export const expiredReason = (image: Image, terms: ExpiryTerms): Reason => new ExpiredReason(image, terms);

class WithIndexReason extends LazyReason {
  readonly code = 'with-index';
  constructor(private readonly parents: readonly Image[]) {
    super();
  }
  get text(): string {
    const p = this.parents;
    return `delete: child of ${p.length === 1 ? 'index' : 'indexes'} ${p.slice(0, 3).map(describe).join(', ')} deleted in this plan; not in use`;
  }
}
export const withIndexReason = (parents: readonly Image[]): Reason => new WithIndexReason(parents);
export const withSubjectReason = (subject: Image): Reason =>
  new RelatedReason('with-subject', 'delete: attestation of ', subject, ' deleted in this plan; not in use');

const where = (entry: Incomplete): string =>
  `${entry.operation}${entry.target ? ` on ${entry.target}` : ''} (${entry.accountId}/${entry.region}) failed: ${entry.error}`;
const list = (entries: readonly Incomplete[]): string =>
  entries.slice(0, 3).map(where).join('; ') + (entries.length > 3 ? `; and ${entries.length - 3} more` : '');

const SOURCE_NAMES: Readonly<Record<string, string>> = {
  lambda: 'Lambda',
  kubernetes: 'Kubernetes (Prometheus)',
  'keep-list': 'keep list',
  ledger: 'the usage ledger',
};
export const sourceBlockedReason = (entries: readonly Incomplete[]): Reason => ({
  code: 'blocked-source',
  text: `blocked: in-use source unreadable: ${entries
    .slice(0, 3)
    .map((e) => `${SOURCE_NAMES[e.scope] ?? e.scope}: ${e.operation}${e.target ? ` on ${e.target}` : ''}${e.accountId ? ` (${e.accountId}/${e.region})` : ''} failed: ${e.error}`)
    .join('; ')}${entries.length > 3 ? `; and ${entries.length - 3} more` : ''}. An unread use could be any image, so nothing is deleted anywhere`,
});
export const noSourceReason = (accountId: string, region: string): Reason => ({
  code: 'blocked-no-source',
  text: `blocked: no in-use source watches registry ${accountId}/${region} (ECS_ENABLED and LAMBDA_ENABLED are false and no Kubernetes Prometheus is set; a keep list names exceptions, it watches nothing), so images that run from it would look unused. Enable a source, or list the registry in CLEANUP_NOTHING_RUNS_FROM if nothing runs from it`,
});
export const pullersBlockedReason = (accounts: readonly string[]): Reason => ({
  code: 'blocked-pullers',
  text: `blocked: the repository policy lets ${accounts.map((a) => (a === '*' ? 'any principal (*)' : `account ${a}`)).join(', ')} pull, which ECR Lens does not read, so what runs there from this repository is invisible. Add those accounts, or list them in CLEANUP_UNWATCHED_PULLERS if they run nothing from it`,
});
export const ecsBlockedReason = (entries: readonly Incomplete[]): Reason => ({
  code: 'blocked-ecs',
  text: `blocked: ECS listing incomplete: ${list(entries)}. Any task there may run images from any registry, so nothing is deleted anywhere`,
});
export const imagesBlockedReason = (entries: readonly Incomplete[]): Reason => ({
  code: 'blocked-images',
  text: `blocked: the repository's image list is incomplete: ${list(entries)}`,
});
export const manifestsBlockedReason = (entries: readonly Incomplete[]): Reason => ({
  code: 'blocked-manifests',
  text: `blocked: manifests incomplete, so children of kept indexes are unknown: ${list(entries)}`,
});
export const inventoryBlockedReason = (entries: readonly Incomplete[]): Reason => ({
  code: 'blocked-inventory',
  text: `blocked: inventory incomplete: ${list(entries)}`,
});
export const indexUnknownReason = (index: Image): Reason => ({
  code: 'blocked-index',
  text: `blocked: the manifests of kept index ${describe(index)} are unknown`,
});
export const indexChildMissingReason = (index: Image, child: string): Reason => ({
  code: 'blocked-index',
  text: `blocked: kept index ${describe(index)} lists ${shortDigest(child)}, which is not in the image list`,
});

/** The reasons the planner gives per image; a plan decides with codes only and makes the full ones when read. */
export interface ImageReasonMakers {
  readonly inUseReason: typeof inUseReason;
  readonly moreUses: typeof moreUses;
  readonly recentReason: typeof recentReason;
  readonly pushTimeUnknownReason: typeof pushTimeUnknownReason;
  readonly newestReason: typeof newestReason;
  readonly patternReason: typeof patternReason;
  readonly prefixReason: typeof prefixReason;
  readonly indexChildReason: typeof indexChildReason;
  readonly subjectReason: typeof subjectReason;
  readonly subjectMissingReason: typeof subjectMissingReason;
  readonly unrecognisedReason: typeof unrecognisedReason;
  readonly archivedReason: typeof archivedReason;
  readonly withIndexReason: typeof withIndexReason;
  readonly withSubjectReason: typeof withSubjectReason;
  readonly expiredReason: typeof expiredReason;
}

export const IMAGE_REASONS: ImageReasonMakers = {
  inUseReason,
  moreUses,
  recentReason,
  pushTimeUnknownReason,
  newestReason,
  patternReason,
  prefixReason,
  indexChildReason,
  subjectReason,
  subjectMissingReason,
  unrecognisedReason,
  archivedReason,
  withIndexReason,
  withSubjectReason,
  expiredReason,
};

/** One shared reason per code, its text the code: what deciding and hashing a plan need, with nothing allocated. */
const coded = Object.fromEntries([...KEEP_CODES, ...DELETE_CODES].map((code) => [code, Object.freeze({ code, text: code })])) as Record<
  (typeof KEEP_CODES)[number] | (typeof DELETE_CODES)[number],
  Reason
>;

export const CODED_IMAGE_REASONS: ImageReasonMakers = {
  inUseReason: (use) => (use.lastSeenAt === undefined ? coded['in-use'] : coded['recently-used']),
  moreUses: () => coded['in-use'],
  recentReason: () => coded.recent,
  pushTimeUnknownReason: () => coded['push-time-unknown'],
  newestReason: () => coded.newest,
  patternReason: () => coded['keep-tag-pattern'],
  prefixReason: () => coded['keep-tag-prefix'],
  indexChildReason: () => coded['index-child'],
  subjectReason: () => coded['attestation-subject'],
  subjectMissingReason: () => coded['subject-missing'],
  unrecognisedReason: () => coded['unrecognised-artifact'],
  archivedReason: () => coded.archived,
  withIndexReason: () => coded['with-index'],
  withSubjectReason: () => coded['with-subject'],
  expiredReason: (image) => (image.tags.length ? coded['expired-tagged'] : coded['expired-untagged']),
};
