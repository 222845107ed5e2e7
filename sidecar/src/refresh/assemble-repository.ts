/**
 * Pure helpers that turn ECR registry and repository shapes into model objects: the repository policy
 * summary, replication destinations and scanning rules that apply to a repository.
 */
import type { Repository as EcrRepository, ReplicationRule as EcrReplicationRule, Tag } from '@aws-sdk/client-ecr';
import picomatch from 'picomatch';
import type { ReplicationDestination, ReplicationRule, Repository, RepositoryPolicySummary, ScanningRule } from '../snapshot/model.js';
import { repositoryId } from '../snapshot/model.js';
import { repositoryUri } from '../snapshot/reference.js';

const PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
const PUSH_ACTIONS = ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'];

const list = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

// IAM action patterns are case-insensitive globs with `*` and `?`.
const actionMatcher = (patterns: string[]): ((action: string) => boolean) => {
  const matchers = patterns.map((p) => picomatch(p, { nocase: true, dot: true }));
  return (action) => matchers.some((m) => m(action));
};

const ACCOUNT_IN_ARN = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/;

/** Account ids (or `*`) of a statement's AWS principals. Service principals are not accounts and are skipped. */
function principalAccounts(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  if (!principal || typeof principal !== 'object') return [];
  const out: string[] = [];
  for (const value of list((principal as Record<string, unknown>).AWS)) {
    if (value === '*') out.push('*');
    else if (/^\d{12}$/.test(value)) out.push(value);
    else {
      const match = ACCOUNT_IN_ARN.exec(value);
      if (match) out.push(match[1]!);
    }
  }
  return out;
}

const sorted = (set: Set<string>): string[] => [...set].sort((a, b) => (a === '*' ? -1 : b === '*' ? 1 : a < b ? -1 : a > b ? 1 : 0));

/**
 * Who may pull or push, from the Allow statements of a repository policy. Conditions are not evaluated
 * (a conditional grant is reported as a grant), and Deny statements are not subtracted: the summary is an
 * upper bound on access. Unparseable policy text yields `present: true` with no accounts.
 */
export function summarizeRepositoryPolicy(policyText: string | undefined, ownerAccountId: string): RepositoryPolicySummary {
  if (policyText === undefined) return { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false };
  const pull = new Set<string>();
  const push = new Set<string>();
  let doc: unknown;
  try {
    doc = JSON.parse(policyText);
  } catch {
    doc = undefined;
  }
  const statements = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).Statement : undefined;
  const items = Array.isArray(statements) ? statements : statements && typeof statements === 'object' ? [statements] : [];
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const statement = item as Record<string, unknown>;
    if (statement.Effect !== 'Allow') continue;
    const accounts = principalAccounts(statement.Principal);
    if (accounts.length === 0) continue;
    let allows: (action: string) => boolean;
    if (statement.Action !== undefined) allows = actionMatcher(list(statement.Action));
    else if (statement.NotAction !== undefined) {
      const excluded = actionMatcher(list(statement.NotAction));
      allows = (action) => !excluded(action);
    } else continue;
    const target = (actions: string[], into: Set<string>): void => {
      if (actions.some(allows)) for (const account of accounts) into.add(account);
    };
    target(PULL_ACTIONS, pull);
    target(PUSH_ACTIONS, push);
  }
  const crossAccount = [...pull, ...push].some((account) => account !== ownerAccountId);
  return { present: true, pullAccounts: sorted(pull), pushAccounts: sorted(push), crossAccount };
}

/** ECR's replication rules as model rules. */
export const replicationRules = (rules: readonly EcrReplicationRule[] | undefined): ReplicationRule[] =>
  (rules ?? []).map((rule) => ({
    destinations: (rule.destinations ?? []).map((d) => ({ region: d.region ?? '', registryId: d.registryId ?? '' })),
    repositoryFilters: (rule.repositoryFilters ?? []).map((f) => ({ filter: f.filter ?? '', filterType: f.filterType ?? 'PREFIX_MATCH' })),
  }));

/** Destinations of every rule whose filters match the repository (a rule without filters matches all). */
export function replicationDestinations(rules: readonly ReplicationRule[], repositoryName: string): ReplicationDestination[] {
  const out: ReplicationDestination[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    const matches =
      rule.repositoryFilters.length === 0 ||
      rule.repositoryFilters.some((f) => f.filterType === 'PREFIX_MATCH' && repositoryName.startsWith(f.filter));
    if (!matches) continue;
    for (const d of rule.destinations) {
      const key = `${d.registryId}/${d.region}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

// ECR's `*` also spans `/`; glob `*` does not. Names cannot contain `:`, so map `/` to it on both sides.
const flat = (s: string): string => s.replaceAll('/', ':');

/** The scanning frequency the registry's rules give a repository (WILDCARD filters), or undefined when none match. */
export function registryScanFrequency(rules: readonly ScanningRule[], repositoryName: string): string | undefined {
  for (const rule of rules) {
    const matches = rule.repositoryFilters.some(
      (f) => f.filterType === 'WILDCARD' && picomatch.isMatch(flat(repositoryName), flat(f.filter), { dot: true }),
    );
    if (matches) return rule.scanFrequency;
  }
  return undefined;
}

export interface RepositoryAssemblyInput {
  readonly repository: EcrRepository;
  readonly accountId: string;
  readonly region: string;
  readonly lifecyclePolicyText?: string;
  readonly policyText?: string;
  readonly tags: readonly Tag[];
  readonly replicationRules: readonly ReplicationRule[];
}

/** Whether the repository scans each pushed image (DescribeRepositories' imageScanningConfiguration). */
export const scanOnPushOf = (r: Pick<EcrRepository, 'imageScanningConfiguration'>): boolean => r.imageScanningConfiguration?.scanOnPush ?? false;

export function assembleRepository(input: RepositoryAssemblyInput): Repository {
  const { repository: r, accountId, region } = input;
  const name = r.repositoryName ?? '';
  const tags: Record<string, string> = {};
  for (const tag of input.tags) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  return {
    id: repositoryId(accountId, region, name),
    accountId,
    region,
    name,
    arn: r.repositoryArn ?? `arn:aws:ecr:${region}:${accountId}:repository/${name}`,
    uri: r.repositoryUri ?? repositoryUri(accountId, region, name),
    createdAt: r.createdAt?.getTime() ?? 0,
    tagMutability: r.imageTagMutability ?? 'MUTABLE',
    scanOnPush: scanOnPushOf(r),
    encryptionType: r.encryptionConfiguration?.encryptionType ?? 'AES256',
    ...(r.encryptionConfiguration?.kmsKey ? { kmsKey: r.encryptionConfiguration.kmsKey } : {}),
    ...(input.lifecyclePolicyText !== undefined ? { lifecyclePolicyText: input.lifecyclePolicyText } : {}),
    policy: summarizeRepositoryPolicy(input.policyText, accountId),
    replicationDestinations: replicationDestinations(input.replicationRules, name),
    tags,
  };
}
