import { describe, expect, it } from 'vitest';
import { CleanupConfig, cleanupConfigFromEnv } from '../../src/cleanup/plan/config.js';
import { planCleanup } from '../../src/cleanup/plan/planner.js';
import type { CleanupPlan, ImagePlan } from '../../src/cleanup/plan/planner.js';
import type { Image, ImageUse, SourceCoverage } from '../../src/snapshot/model.js';
import { ACCOUNT, DAY, NOW, makeImage, makeIncomplete, makeRepository, makeSnapshot, makeUse, REGION } from '../support/builders.js';

const HOUR = 3_600_000;
const repo = makeRepository({ name: 'api' });
const old = (tag: string, patch: Partial<Image> = {}) => makeImage({ repository: repo, tags: [tag], pushedAt: NOW - 100 * DAY, ...patch });
const config = (yaml: Record<string, unknown> = {}) => CleanupConfig.parse({ defaultRule: { keepMinImageCount: 0, keepTagPatterns: [] }, ...yaml });
const find = (plan: CleanupPlan, tag: string): ImagePlan => plan.repositories.flatMap((r) => r.images).find((p) => p.image.tags.includes(tag))!;
const decisions = (plan: CleanupPlan): Record<string, string> =>
  Object.fromEntries(plan.repositories.flatMap((r) => r.images).map((p) => [p.image.tags[0] ?? p.image.digest, p.decision]));
const ecs: SourceCoverage = { source: 'ecs', accountId: ACCOUNT, region: REGION, description: 'ECS', readAt: NOW };
const remembered = (patch: Partial<ImageUse> & { reference: string; lastSeenAt: number }): ImageUse => makeUse({ firstSeenAt: patch.lastSeenAt - DAY, ...patch });

describe('implicit latest', () => {
  it('protects the image tagged latest when a service deployment names the repository without a tag', () => {
    const images = [old('latest'), old('v1')];
    const uses = [makeUse({ kind: 'service', reference: repo.uri, cluster: 'prod', service: 'web', taskDefinition: 'web:4' })];
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images, uses }), config(), NOW);
    expect(decisions(plan)).toEqual({ latest: 'keep', v1: 'delete' });
    expect(find(plan, 'latest').reasons.map((r) => r.text)).toEqual([
      'kept: used by service web in cluster prod (deployment of web:4), by tag latest (implicit: no tag written)',
    ]);
  });
});

describe('remembered uses', () => {
  const images = [old('a'), old('b'), old('c'), old('d'), old('e')];
  const [a, b, c, d, e] = images.map((i) => i.digest);
  const past = [
    // A task last seen running 30 hours ago: it stopped after that; the stopped-task window is 48 h.
    remembered({ kind: 'running-task', reference: `${repo.uri}@${a}`, digest: a, cluster: 'prod', task: 'task/aaaa1111', lastSeenAt: NOW - 30 * HOUR }),
    // A task that stopped 9 days ago (ECS listed it for an hour after): outside 7 days.
    remembered({ kind: 'stopped-task', reference: `${repo.uri}:b`, digest: b, cluster: 'prod', task: 'task/bbbb', at: NOW - 9 * DAY, lastSeenAt: NOW - 9 * DAY + HOUR }),
    // A Lambda alias seen 3 days ago: within keepIfUsedWithinDays 7.
    remembered({ kind: 'lambda-function', reference: `${repo.uri}@${c}`, digest: c, functionName: 'api', qualifier: 'prod', lastSeenAt: NOW - 3 * DAY }),
    // A pod seen 8 days ago: outside 7 days.
    remembered({ kind: 'pod', reference: `${repo.uri}:d`, digest: d, namespace: 'web', pod: 'api-7d9', lastSeenAt: NOW - 8 * DAY }),
  ];
  const snapshot = makeSnapshot({ repositories: [repo], images, remembered: past, sources: [ecs] });

  it('counts each use until it has been unseen for its window', () => {
    const plan = planCleanup(snapshot, config({ inUse: { stoppedTaskWindowHours: 48 } }), NOW);
    expect(decisions(plan)).toEqual({ a: 'keep', b: 'delete', c: 'keep', d: 'delete', e: 'delete' });
    expect(find(plan, 'a').reasons.map((r) => [r.code, r.text])).toEqual([
      ['recently-used', 'kept: last used 30 hours ago by running task aaaa1111 in cluster prod, by digest'],
    ]);
    expect(find(plan, 'c').reasons.map((r) => r.text)).toEqual(['kept: last used 3 days ago by Lambda function api (alias prod) in 111111111111/us-east-1, by digest']);
    expect(plan.repositories[0]!.summary.inUse).toBe(2);
    void e;
  });

  it("widens with the rule's keepIfUsedWithinDays and the stopped-task window", () => {
    const wide = planCleanup(snapshot, config({ defaultRule: { keepMinImageCount: 0, keepTagPatterns: [], keepIfUsedWithinDays: 9 }, inUse: { stoppedTaskWindowHours: 72 } }), NOW);
    expect(decisions(wide)).toEqual({ a: 'keep', b: 'keep', c: 'keep', d: 'keep', e: 'delete' });
    const none = planCleanup(snapshot, config({ defaultRule: { keepMinImageCount: 0, keepTagPatterns: [], keepIfUsedWithinDays: 0 }, inUse: { stoppedTaskWindowHours: 24 } }), NOW);
    expect(decisions(none)).toEqual({ a: 'delete', b: 'delete', c: 'delete', d: 'delete', e: 'delete' });
  });

  it('matches a remembered use by its digest, not by a tag that has moved since', () => {
    const moved = [old('prod', { pushedAt: NOW - 50 * DAY }), old('v0')];
    const use = remembered({ kind: 'service', reference: `${repo.uri}:prod`, digest: moved[1]!.digest, cluster: 'prod', service: 'web', lastSeenAt: NOW - DAY });
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images: moved, remembered: [use], sources: [ecs] }), config(), NOW);
    expect(decisions(plan)).toEqual({ prod: 'delete', v0: 'keep' });
  });
});

describe('blind spots', () => {
  const images = [old('v1')];
  const uses = [makeUse({ reference: `${repo.uri}:v1`, cluster: 'prod', task: 'task/1' })];

  it('blocks a registry that no in-use source covers, naming what to set', () => {
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images, sources: [] }), config(), NOW);
    expect(plan.repositories[0]!.status).toBe('blocked');
    expect(plan.repositories[0]!.blockedReasons.map((r) => r.code)).toEqual(['blocked-no-source']);
    expect(plan.repositories[0]!.blockedReasons[0]!.text).toContain('CLEANUP_NOTHING_RUNS_FROM');
    expect(plan.summary.delete).toBe(0);
  });

  it('does not block a registry declared to run nothing, and says so', () => {
    const cfg = cleanupConfigFromEnv({ CLEANUP_DEFAULT_RULE: 'true', KEEP_MIN_IMAGE_COUNT: '0', CLEANUP_NOTHING_RUNS_FROM: `${ACCOUNT}/${REGION}` }, {});
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images, sources: [] }), cfg, NOW);
    expect(plan.repositories[0]!.status).toBe('ok');
    expect(plan.notices).toContain(
      `registry ${ACCOUNT}/${REGION} is declared in CLEANUP_NOTHING_RUNS_FROM: its plan is not blocked without an in-use source, so nothing protects images that do run from it`,
    );
    expect(() => cleanupConfigFromEnv({ CLEANUP_NOTHING_RUNS_FROM: 'prod' }, {})).toThrow(/^CLEANUP_NOTHING_RUNS_FROM must be an account id or account\/region/);
  });

  it('covers every registry with a source that is not per registry', () => {
    const kubernetes: SourceCoverage = { source: 'kubernetes', description: 'http://prometheus:9090', readAt: NOW };
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images, uses, sources: [kubernetes] }), config(), NOW);
    expect(plan.repositories[0]!.status).toBe('ok');
    expect(plan.notices).toEqual([
      'ECS is not read (ECS_ENABLED=false): images that ECS tasks and services run look unused',
      'Lambda is not read (LAMBDA_ENABLED=false): images of container-image functions look unused',
      'no keep list is read (IN_USE_KEEP_LISTS is not set): images that only App Runner, Batch, EC2 or hosts outside AWS run look unused',
    ]);
  });

  it('a keep list alone watches nothing: the registry stays blocked; what the list said is in the notices', () => {
    const list: SourceCoverage = { source: 'keep-list', description: 'keep lists: /etc/keep.txt', readAt: NOW, notices: ['/etc/keep.txt names no ECR image: check that it is the list you meant'] };
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images, sources: [list] }), config(), NOW);
    expect(plan.repositories[0]!.blockedReasons.map((r) => r.code)).toEqual(['blocked-no-source']);
    expect(plan.notices).toContain('/etc/keep.txt names no ECR image: check that it is the list you meant');
  });

  it('blocks a repository that an account ECR Lens does not read may pull from, unless that puller is accepted', () => {
    const shared = makeRepository({ name: 'shared', policy: { present: true, pullAccounts: ['*', '333333333333', ACCOUNT], pushAccounts: [], crossAccount: true } });
    const snapshot = makeSnapshot({ repositories: [repo, shared], images: [...images, makeImage({ repository: shared, tags: ['s'], pushedAt: NOW - 100 * DAY })], sources: [ecs] });
    const plan = planCleanup(snapshot, config(), NOW);
    expect(plan.repositories.map((r) => [r.repository.name, r.status])).toEqual([['api', 'ok'], ['shared', 'blocked']]);
    expect(plan.repositories[1]!.blockedReasons.map((r) => r.text)).toEqual([
      'blocked: the repository policy lets any principal (*), account 333333333333 pull, which ECR Lens does not read, so what runs there from this repository is invisible. Add those accounts, or list them in CLEANUP_UNWATCHED_PULLERS if they run nothing from it',
    ]);
    const accepted = cleanupConfigFromEnv({ CLEANUP_DEFAULT_RULE: 'true', KEEP_MIN_IMAGE_COUNT: '0', CLEANUP_UNWATCHED_PULLERS: '*,333333333333' }, {});
    expect(planCleanup(snapshot, accepted, NOW).repositories.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(() => cleanupConfigFromEnv({ CLEANUP_UNWATCHED_PULLERS: 'ci' }, {})).toThrow(/^CLEANUP_UNWATCHED_PULLERS must be a 12-digit account id or \*/);
  });

  it('says when ECS has been watched for less than the window tasks are remembered for', () => {
    const watched = (ms: number): SourceCoverage => ({ ...ecs, watchedSince: NOW - ms });
    const cfg = config({ inUse: { stoppedTaskWindowHours: 24 } }); // keepIfUsedWithinDays 7: a 168-hour window
    const fresh = planCleanup(makeSnapshot({ repositories: [repo], images, sources: [watched(2 * HOUR)] }), cfg, NOW);
    expect(fresh.notices).toContain(
      `ECS in ${ACCOUNT}/${REGION} has been watched without a gap only since ${new Date(NOW - 2 * HOUR).toISOString()} (a new data directory, the sidecar down, or refreshes more than an hour apart): a task that ran and stopped before then, within the 168-hour window tasks are remembered for, was not seen, so an image only it used looks unused`,
    );
    const long = planCleanup(makeSnapshot({ repositories: [repo], images, sources: [watched(8 * DAY)] }), cfg, NOW);
    expect(long.notices.some((n) => n.startsWith('ECS in'))).toBe(false);
  });

  it('names uses of registries outside the configured accounts and regions', () => {
    const foreign = makeUse({ reference: '333333333333.dkr.ecr.eu-west-1.amazonaws.com/shared:v1', cluster: 'prod', task: 'task/9' });
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images, uses: [...uses, foreign, foreign], sources: [ecs] }), config(), NOW);
    expect(plan.notices).toContain(
      '2 uses name registry 333333333333/eu-west-1, which ECR Lens does not inventory: add that account or region to see and protect those images',
    );
  });

  it.each([
    ['lambda', 'ListFunctions', 'blocked: in-use source unreadable: Lambda: ListFunctions (111111111111/us-east-1) failed'],
    ['kubernetes', 'query', 'blocked: in-use source unreadable: Kubernetes (Prometheus): query on http://prometheus:9090 failed'],
    ['keep-list', 'read', 'blocked: in-use source unreadable: keep list: read on /etc/keep.txt failed'],
    ['ledger', 'record/recall', 'blocked: in-use source unreadable: the usage ledger: record/recall failed'],
  ] as const)('blocks every repository when the %s source fails', (scope, operation, text) => {
    const global = scope === 'kubernetes' || scope === 'keep-list' || scope === 'ledger';
    const target = scope === 'kubernetes' ? 'http://prometheus:9090' : scope === 'keep-list' ? '/etc/keep.txt' : undefined;
    const incomplete = [makeIncomplete({ scope, operation, error: 'boom', ...(global ? { accountId: '', region: '' } : {}), ...(target ? { target } : {}) })];
    const other = makeRepository({ name: 'web', accountId: '222222222222' });
    const plan = planCleanup(
      makeSnapshot({ repositories: [repo, other], images: [...images, makeImage({ repository: other, tags: ['w'], pushedAt: NOW - 100 * DAY })], incomplete, sources: [ecs] }),
      config({ inUse: { nothingRunsFrom: ['222222222222'] } }),
      NOW,
    );
    expect(plan.repositories.map((r) => r.status)).toEqual(['blocked', 'blocked']);
    expect(plan.repositories[0]!.blockedReasons[0]!.code).toBe('blocked-source');
    expect(plan.repositories[0]!.blockedReasons[0]!.text.startsWith(text)).toBe(true);
    expect(plan.summary.delete).toBe(0);
  });
});
