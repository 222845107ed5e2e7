import { describe, expect, it } from 'vitest';
import { CleanupConfig, cleanupConfigFromEnv } from '../../src/cleanup/plan/config.js';
import { planCleanup, scopePlan } from '../../src/cleanup/plan/planner.js';
import * as R from '../../src/cleanup/plan/reasons.js';
import type { CleanupPlan, ImagePlan } from '../../src/cleanup/plan/planner.js';
import type { Image, Snapshot } from '../../src/snapshot/model.js';
import { DAY, MIB, NOW, digest, blobList, layer, makeImage, makeIncomplete, makeRepository, makeSnapshot, makeUse } from '../support/builders.js';

const config = (yaml: unknown = { defaultRule: {} }) => CleanupConfig.parse(yaml);
const repo = makeRepository({ name: 'api' });
const at = (days: number) => NOW - days * DAY;
const tagged = (tag: string, days: number, patch: Partial<Image> = {}) => makeImage({ repository: repo, tags: [tag], pushedAt: at(days), ...patch });

function decisions(plan: CleanupPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of plan.repositories) for (const p of r.images) out[p.image.tags[0] ?? p.image.digest.slice(7, 15)] = p.decision;
  return out;
}
const find = (plan: CleanupPlan, tag: string): ImagePlan => plan.repositories.flatMap((r) => r.images).find((p) => p.image.tags.includes(tag))!;
const texts = (p: ImagePlan) => p.reasons.map((r) => r.text);

describe('keep rules', () => {
  const images = [tagged('a1', 1), tagged('a5', 5), tagged('a10', 10), tagged('a20', 20), tagged('a30', 30), tagged('latest', 40)];
  const snapshot = makeSnapshot({ repositories: [repo], images });

  it('keeps recent, the newest N and keep patterns; deletes the rest', () => {
    const plan = planCleanup(snapshot, config(), NOW);
    expect(decisions(plan)).toEqual({ a1: 'keep', a5: 'keep', a10: 'keep', a20: 'delete', a30: 'delete', latest: 'keep' });
    expect(texts(find(plan, 'a5'))).toEqual(['kept: pushed 5 days ago, within 7 days', 'kept: among the newest 3 tagged images (number 2)']);
    expect(texts(find(plan, 'a10'))).toEqual(['kept: among the newest 3 tagged images (number 3)']);
    expect(texts(find(plan, 'latest'))).toEqual(['kept: tag latest matches keep pattern latest']);
    expect(texts(find(plan, 'a20'))).toEqual([
      'delete: tagged a20, pushed 20 days ago (older than 7 days), not among the newest 3 tagged images, no keep pattern, not in use',
    ]);
    expect(find(plan, 'a20').reasons[0]!.code).toBe('expired-tagged');
  });

  it('keeps tags with a configured prefix', () => {
    const plan = planCleanup(snapshot, config({ defaultRule: { keepTagPrefixes: ['a2'] } }), NOW);
    expect(decisions(plan).a20).toBe('keep');
    expect(texts(find(plan, 'a20'))).toEqual(['kept: tag a20 has keep prefix a2']);
  });

  it('leaves repositories that match no rule alone; the first matching rule wins', () => {
    expect(new Set(Object.values(decisions(planCleanup(snapshot, config({}), NOW))))).toEqual(new Set(['keep']));
    const plan = planCleanup(snapshot, config({}), NOW);
    expect(plan.repositories[0]!.status).toBe('no-rule');
    expect(texts(find(plan, 'a30'))).toEqual(['kept: no cleanup rule matches repository api']);
    const first = planCleanup(snapshot, config({ rules: [{ repository: 'a*', keepMinImageCount: 10 }, { repository: '**', keepMinImageCount: 0 }] }), NOW);
    expect(first.repositories[0]!.rule).toBe('a*');
    expect(Object.values(decisions(first)).every((d) => d === 'keep')).toBe(true);
  });

  it('gives untagged images their own count and age', () => {
    const untagged = [1, 3, 10, 20].map((d) => makeImage({ repository: repo, seed: `u${d}`, pushedAt: at(d) }));
    const snap = makeSnapshot({ repositories: [repo], images: untagged });
    const plan = planCleanup(snap, config({ defaultRule: { untagged: { keepMinImageCount: 1, keepImagesNewerThanDays: 2 } } }), NOW);
    const byDigest = new Map(plan.repositories[0]!.images.map((p) => [p.image.digest, p]));
    expect(untagged.map((u) => byDigest.get(u.digest)!.decision)).toEqual(['keep', 'delete', 'delete', 'delete']);
    expect(byDigest.get(untagged[1]!.digest)!.reasons[0]!.text).toBe(
      'delete: untagged, pushed 3 days ago (older than 2 days), not among the newest 1 untagged images, not in use',
    );
  });

  it('keeps an image whose push time ECR did not report: its age is unknown, never ancient', () => {
    const snap = makeSnapshot({ repositories: [repo], images: [tagged('nodate', 0, { pushedAt: 0, pushedAtUnknown: true }), tagged('dated', 400)] });
    const plan = planCleanup(snap, config({ defaultRule: { keepMinImageCount: 0 } }), NOW);
    expect(decisions(plan)).toEqual({ nodate: 'keep', dated: 'delete' });
    expect(find(plan, 'nodate').reasons.map((r) => r.code)).toEqual(['push-time-unknown']);
    expect(texts(find(plan, 'nodate'))).toEqual(['kept: ECR did not report when it was pushed, so its age is unknown']);
  });

  it('keeps archived images', () => {
    const snap = makeSnapshot({ repositories: [repo], images: [tagged('old', 400, { status: 'ARCHIVED', lastArchivedAt: at(100) })] });
    const plan = planCleanup(snap, config({ defaultRule: { keepMinImageCount: 0 } }), NOW);
    expect(find(plan, 'old').decision).toBe('keep');
    expect(find(plan, 'old').reasons[0]!.code).toBe('archived');
  });
});

describe('in use', () => {
  const old = (tag: string) => tagged(tag, 100);
  const images = [old('t1'), old('t2'), old('t3'), old('t4'), old('t5'), old('t6'), old('t7')];
  const uses = [
    makeUse({ reference: `${repo.uri}@${images[0]!.digest}`, cluster: 'prod', task: 'arn:aws:ecs:us-east-1:111111111111:task/prod/3f2a1b2c9d8e' }),
    makeUse({ kind: 'stopped-task', reference: `${repo.uri}:t2`, cluster: 'prod', task: 'task/aaaa1111bbbb', at: NOW - 3 * 3_600_000 }),
    makeUse({ kind: 'stopped-task', reference: `${repo.uri}:t3`, cluster: 'prod', task: 'task/cccc', at: NOW - 48 * 3_600_000 }),
    makeUse({ kind: 'service', reference: `${repo.uri}:t4`, cluster: 'prod', service: 'web', taskDefinition: 'web:12' }),
    makeUse({ kind: 'task-definition', reference: `${repo.uri}:t5`, taskDefinition: 'web:12' }),
    makeUse({ kind: 'task-definition', reference: `${repo.uri}:t6`, taskDefinition: 'web:11' }),
    makeUse({ kind: 'running-task', reference: `${repo.uri}:latest`, digest: images[6]!.digest, cluster: 'batch', task: 'task/1234' }),
  ];
  const snapshot = makeSnapshot({ repositories: [repo], images, uses });
  const cfg = config({ defaultRule: { keepMinImageCount: 0 }, inUse: { stoppedTaskWindowHours: 24, taskDefinitionRevisions: 1 } });

  it('protects by digest or tag: running tasks, recently stopped tasks, services and the newest task-definition revisions', () => {
    const plan = planCleanup(snapshot, cfg, NOW);
    expect(decisions(plan)).toEqual({ t1: 'keep', t2: 'keep', t3: 'delete', t4: 'keep', t5: 'keep', t6: 'delete', t7: 'keep' });
    expect(texts(find(plan, 't1'))).toEqual(['kept: used by running task 3f2a1b2c… in cluster prod, by digest']);
    expect(texts(find(plan, 't2'))).toEqual(['kept: used by task aaaa1111… in cluster prod, stopped 3 hours ago, by tag t2']);
    expect(texts(find(plan, 't4'))).toEqual(['kept: used by service web in cluster prod (deployment of web:12), by tag t4']);
    expect(texts(find(plan, 't5'))).toEqual(['kept: referenced by task definition web:12, one of the newest revisions of its family, by tag t5']);
    expect(texts(find(plan, 't7'))).toEqual(['kept: used by running task 1234 in cluster batch, by digest']);
    expect(find(plan, 't1').clusters).toEqual(['prod']);
  });

  it('widens with the configuration', () => {
    const wide = config({ defaultRule: { keepMinImageCount: 0 }, inUse: { stoppedTaskWindowHours: 72, taskDefinitionRevisions: 2 } });
    expect(decisions(planCleanup(snapshot, wide, NOW))).toMatchObject({ t3: 'keep', t6: 'keep' });
  });
});

describe('related manifests', () => {
  const child = (seed: string, days: number) => makeImage({ repository: repo, seed, pushedAt: at(days), layers: blobList([layer(`${seed}-layer`)]) });
  const keptChildren = [child('k-amd64', 100), child('k-arm64', 100)];
  const goneChildren = [child('g-amd64', 90), child('g-arm64', 90)];
  const keptIndex = tagged('prod-1', 100, { kind: 'index', children: keptChildren.map((c) => c.digest) });
  const goneIndex = tagged('v0', 90, { kind: 'index', children: goneChildren.map((c) => c.digest) });
  const sigKept = makeImage({ repository: repo, seed: 'sig-kept', kind: 'attestation', subjectDigest: keptIndex.digest, pushedAt: at(99) });
  const sigGone = makeImage({ repository: repo, seed: 'sig-gone', kind: 'attestation', subjectDigest: goneIndex.digest, pushedAt: at(89) });
  const orphan = makeImage({ repository: repo, seed: 'orphan', kind: 'attestation', subjectDigest: digest('nowhere'), pushedAt: at(89) });
  const images = [keptIndex, goneIndex, ...keptChildren, ...goneChildren, sigKept, sigGone, orphan];
  const cfg = config({ defaultRule: { keepMinImageCount: 0, keepTagPrefixes: ['prod'] } });

  it('keeps children and attestations of kept images; deletes them with their subject', () => {
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images }), cfg, NOW);
    const by = new Map(plan.repositories[0]!.images.map((p) => [p.image.digest, p]));
    const d = (image: Image) => by.get(image.digest)!.decision;
    expect(images.map(d)).toEqual(['keep', 'delete', 'keep', 'keep', 'delete', 'delete', 'keep', 'delete', 'keep']);
    expect(by.get(keptChildren[0]!.digest)!.reasons.map((r) => r.code)).toEqual(['index-child']);
    expect(by.get(goneChildren[0]!.digest)!.reasons.map((r) => r.code)).toEqual(['with-index']);
    expect(by.get(sigKept.digest)!.reasons.map((r) => r.code)).toEqual(['attestation-subject']);
    expect(by.get(sigGone.digest)!.reasons.map((r) => r.code)).toEqual(['with-subject']);
    expect(by.get(orphan.digest)!.reasons.map((r) => r.code)).toEqual(['subject-missing']);
    expect(plan.repositories[0]!.status).toBe('ok');
  });

  it('keeps a child pinned by digest even when its index goes', () => {
    const uses = [makeUse({ reference: `${repo.uri}@${goneChildren[1]!.digest}`, cluster: 'prod', task: 'task/x' })];
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images, uses }), cfg, NOW);
    const p = plan.repositories[0]!.images.find((x) => x.image.digest === goneChildren[1]!.digest)!;
    expect(p.decision).toBe('keep');
    expect(p.inUse).toBe(true);
  });

  it('blocks the repository when a kept index has unknown or missing children', () => {
    const unknown = tagged('prod-2', 100, { kind: 'index', children: [] });
    let plan = planCleanup(makeSnapshot({ repositories: [repo], images: [...images, unknown] }), cfg, NOW);
    expect(plan.repositories[0]!.status).toBe('blocked');
    expect(plan.repositories[0]!.blockedReasons.map((r) => r.code)).toEqual(['blocked-index']);
    expect(plan.summary.delete).toBe(0);
    const dangling = tagged('prod-3', 100, { kind: 'index', children: [digest('absent')] });
    plan = planCleanup(makeSnapshot({ repositories: [repo], images: [...images, dangling] }), cfg, NOW);
    expect(plan.repositories[0]!.blockedReasons[0]!.text).toMatch(/^blocked: kept index sha256:\w{12}… \(prod-3\) lists sha256:\w{12}…, which is not in the image list$/);
  });
});

describe('fail closed', () => {
  const other = makeRepository({ name: 'worker', accountId: '222222222222' });
  const images = [tagged('x', 100), tagged('y', 100), makeImage({ repository: other, tags: ['z'], pushedAt: at(100) })];
  const cfg = config({ defaultRule: { keepMinImageCount: 0 } });

  it('blocks every repository when any ECS listing is incomplete', () => {
    const snapshot = makeSnapshot({
      repositories: [repo, other],
      images,
      incomplete: [makeIncomplete({ scope: 'cluster', target: 'prod', operation: 'ListTasks', error: 'ThrottlingException: Rate exceeded' })],
    });
    const plan = planCleanup(snapshot, cfg, NOW);
    expect(plan.repositories.map((r) => r.status)).toEqual(['blocked', 'blocked']);
    expect(plan.summary).toMatchObject({ delete: 0, blocked: 3 });
    expect(plan.repositories[0]!.blockedReasons[0]!.text).toBe(
      'blocked: ECS listing incomplete: ListTasks on prod (111111111111/us-east-1) failed: ThrottlingException: Rate exceeded. Any task there may run images from any registry, so nothing is deleted anywhere',
    );
    expect(find(plan, 'x').reasons.map((r) => r.code)).toEqual(['blocked-ecs', 'expired-tagged']);
  });

  it("blocks only the repository whose image list is incomplete; scan gaps don't block", () => {
    const snapshot = makeSnapshot({
      repositories: [repo, other],
      images,
      incomplete: [
        makeIncomplete({ scope: 'images', target: 'api', operation: 'DescribeImages' }),
        makeIncomplete({ scope: 'scan', target: 'z', accountId: '222222222222', operation: 'DescribeImageScanFindings' }),
      ],
    });
    const plan = planCleanup(snapshot, cfg, NOW);
    expect(plan.repositories.map((r) => [r.repository.name, r.status])).toEqual([
      ['api', 'blocked'],
      ['worker', 'ok'],
    ]);
    expect(plan.repositories[0]!.blockedReasons.map((r) => r.code)).toEqual(['blocked-images']);
  });

  it('blocks on incomplete manifests', () => {
    const snapshot = makeSnapshot({ repositories: [repo], images, incomplete: [makeIncomplete({ scope: 'manifests', target: 'api', operation: 'BatchGetImage' })] });
    expect(planCleanup(snapshot, cfg, NOW).repositories[0]!.blockedReasons.map((r) => r.code)).toEqual(['blocked-manifests']);
  });
});

describe('sizes and cost', () => {
  it('counts layers not shared with kept images, once per repository', () => {
    const L = (n: string) => layer(`layer-${n}`);
    const layerSizes = new Map([
      [L('base'), 100 * MIB],
      [L('a'), 10 * MIB],
      [L('b'), 20 * MIB],
      [L('shared-deleted'), 5 * MIB],
    ]);
    const images = [
      tagged('keep', 1, { layers: blobList([L('base'), L('a')]) }),
      tagged('del1', 100, { layers: blobList([L('base'), L('b'), L('shared-deleted')]), sizeBytes: 125 * MIB }),
      tagged('del2', 100, { layers: blobList([L('base'), L('shared-deleted')]), sizeBytes: 105 * MIB }),
      tagged('del3', 100, { layers: undefined }),
    ];
    const plan = planCleanup(makeSnapshot({ repositories: [repo], images, layerSizes }), config({ defaultRule: { keepMinImageCount: 1 } }), NOW, {
      prices: { defaultUsdPerGbMonth: 0.1, byRegion: { 'us-east-1': 0.2 } },
    });
    expect(find(plan, 'del1').reclaimableBytes).toBe(25 * MIB);
    expect(find(plan, 'del2').reclaimableBytes).toBe(5 * MIB);
    expect(find(plan, 'del3').reclaimableBytes).toBeNull();
    expect(find(plan, 'keep').reclaimableBytes).toBe(0);
    expect(find(plan, 'del1').monthlyUsd).toBe(0.004883); // 25 MiB at $0.20 per GiB-month, to a millionth
    expect(plan.repositories[0]!.summary).toMatchObject({
      delete: 3,
      reclaimableBytes: 25 * MIB,
      reclaimableUnknown: 1,
      deleteSizeBytes: 125 * MIB + 105 * MIB + 10 * MIB,
    });
  });
});

describe('layers across many repositories', () => {
  it('numbers each repository’s layers apart, however many repositories there are (600, marks reused every 255)', () => {
    const L = (n: string) => layer(`layer-${n}`);
    const repositories = Array.from({ length: 600 }, (_, i) => makeRepository({ name: `r${String(i).padStart(3, '0')}` }));
    // In every repository: a kept image and a deleted one, sharing a base layer every repository holds; the deleted
    // one also holds a layer of its own and one the repositories 255 and 510 away hold too.
    const images = repositories.flatMap((repository, i) => [
      makeImage({ repository, tags: ['keep'], pushedAt: at(1), layers: blobList([L('base'), L(`kept-${i}`)]) }),
      makeImage({ repository, tags: ['old'], pushedAt: at(100), layers: blobList([L('base'), L(`old-${i}`), L(`apart-${i % 255}`)]), sizeBytes: 110 * MIB }),
    ]);
    const layerSizes = new Map([
      [L('base'), 100 * MIB],
      ...repositories.flatMap((_, i) => [[L(`kept-${i}`), 2 * MIB], [L(`old-${i}`), 3 * MIB]] as const),
      ...Array.from({ length: 255 }, (_, i) => [L(`apart-${i}`), 7 * MIB] as const),
    ]);
    const plan = planCleanup(makeSnapshot({ repositories, images, layerSizes }), config({ defaultRule: { keepMinImageCount: 1 } }), NOW);
    expect(plan.repositories).toHaveLength(600);
    for (const repository of plan.repositories) {
      const old = repository.images.find((p) => p.image.tags.includes('old'))!;
      expect([old.decision, old.reclaimableBytes]).toEqual(['delete', 10 * MIB]);
      expect(repository.summary.reclaimableBytes).toBe(10 * MIB);
    }
  });
});

describe('plan id', () => {
  const images = [tagged('a', 1), tagged('b', 50), tagged('c', 60), tagged('d', 70), tagged('e', 80)];
  const snapshot: Snapshot = makeSnapshot({ repositories: [repo], images });

  it('is stable for the same inputs and changes with decisions or configuration', () => {
    const cfg = config();
    const a = planCleanup(snapshot, cfg, NOW);
    expect(planCleanup(makeSnapshot({ repositories: [repo], images: [...images].reverse(), version: 7 }), cfg, NOW + 60_000).id).toBe(a.id);
    expect(a.id).toMatch(/^[a-f0-9]{64}$/);
    expect(planCleanup(snapshot, config({ defaultRule: { keepMinImageCount: 4 } }), NOW).id).not.toBe(a.id);
    expect(planCleanup(makeSnapshot({ repositories: [repo], images: images.slice(0, 4) }), cfg, NOW).id).not.toBe(a.id);
    const used = makeSnapshot({ repositories: [repo], images, uses: [makeUse({ reference: `${repo.uri}:e`, cluster: 'prod', task: 't' })] });
    expect(planCleanup(used, cfg, NOW).id).not.toBe(a.id);
  });

  it('scopes to repositories with an id of its own', () => {
    const other = makeRepository({ name: 'other' });
    const both = planCleanup(makeSnapshot({ repositories: [repo, other], images }), config(), NOW);
    const only = planCleanup(snapshot, config(), NOW);
    const scoped = scopePlan(both, (r) => r.name === 'api');
    expect(scoped.id).toBe(only.id);
    expect(scoped.id).not.toBe(both.id);
  });
});

describe('configuration from the environment', () => {
  it('uses the seed defaults and env overrides', () => {
    const c = cleanupConfigFromEnv({}, { defaultRule: {} });
    expect(c.defaultRule).toMatchObject({ keepMinImageCount: 3, keepImagesNewerThanDays: 7, keepTagPatterns: ['latest'], untagged: { keepMinImageCount: 3 } });
    expect(c.execution.enabled).toBe(false);
    const e = cleanupConfigFromEnv(
      { KEEP_MIN_IMAGE_COUNT: '5', KEEP_IMAGES_NEWER_THAN_DAYS: '14', CLEANUP_DELETE_ENABLED: 'true', CLEANUP_DEFAULT_RULE: 'yes', SIDECAR_ADMIN_TOKEN: 'x'.repeat(32) },
      undefined,
    );
    expect(e.defaultRule).toMatchObject({ keepMinImageCount: 5, keepImagesNewerThanDays: 14, repository: '**' });
    expect(e.execution).toMatchObject({ enabled: true, adminToken: 'x'.repeat(32) });
    expect(cleanupConfigFromEnv({ KEEP_MIN_IMAGE_COUNT: '2' }, { rules: [{ repository: 'a', keepMinImageCount: 9 }] }).rules[0]!.keepMinImageCount).toBe(9);
  });

  it('names the bad variable or YAML path', () => {
    expect(() => cleanupConfigFromEnv({ KEEP_MIN_IMAGE_COUNT: 'three' }, {})).toThrow(/^KEEP_MIN_IMAGE_COUNT must be an integer from 0 to 1000000, got 'three'$/);
    // The environment's defaults have the YAML's bounds, and are decimal.
    for (const [name, value] of [
      ['KEEP_MIN_IMAGE_COUNT', '9999999'],
      ['KEEP_MIN_IMAGE_COUNT', '0x10'],
      ['KEEP_IMAGES_NEWER_THAN_DAYS', '99999'],
      ['CLEANUP_KEEP_IF_USED_WITHIN_DAYS', '1e3'],
      ['CLEANUP_STOPPED_TASK_WINDOW_HOURS', '99999999'],
      ['CLEANUP_TASK_DEFINITION_REVISIONS', '2.5'],
      ['CLEANUP_MAX_DELETIONS_PER_RUN', '2000000'],
      ['CLEANUP_MAX_DELETIONS_PER_RUN', '0'],
    ])
      expect(() => cleanupConfigFromEnv({ [name]: value }, {}), `${name}=${value}`).toThrow(new RegExp(`^${name} must be an? (integer|number) from \\d+ to \\d+, got '${value}'$`));
    expect(cleanupConfigFromEnv({ KEEP_IMAGES_NEWER_THAN_DAYS: '1.5', CLEANUP_MAX_DELETIONS_PER_RUN: '1000000' }, {}).execution.maxDeletionsPerRun).toBe(1_000_000);
    expect(() => cleanupConfigFromEnv({ CLEANUP_DELETE_ENABLED: 'maybe' }, {})).toThrow(/^CLEANUP_DELETE_ENABLED must be true or false/);
    expect(() => cleanupConfigFromEnv({ SIDECAR_ADMIN_TOKEN: 'short' }, {})).toThrow(/^SIDECAR_ADMIN_TOKEN /);
    expect(() => cleanupConfigFromEnv({}, { rules: [{ repository: 'a', keepMinImageCount: -1 }] })).toThrow(/^cleanup\.rules\[0\]\.keepMinImageCount: /);
    expect(() => cleanupConfigFromEnv({}, { rules: [{ keepMinImageCount: 1 }] })).toThrow(/^cleanup\.rules\[0\]\.repository: /);
  });
});

describe('deciding with codes only', () => {
  it('gives every reason the code its full form has', () => {
    const image = tagged('v1', 40);
    const untaggedImage = makeImage({ repository: repo, pushedAt: at(40) });
    const use = makeUse({ reference: `${repo.uri}:v1`, cluster: 'prod', task: 'task/abc' });
    const terms = { now: NOW, days: 14, count: 3 };
    const calls: { [K in keyof R.ImageReasonMakers]: Parameters<R.ImageReasonMakers[K]>[] } = {
      inUseReason: [[use, image, NOW]],
      moreUses: [[3]],
      recentReason: [[DAY, 14]],
      pushTimeUnknownReason: [[]],
      newestReason: [[0, 3, true], [1, 3, false]],
      patternReason: [['v1', 'v*']],
      prefixReason: [['v1', 'v']],
      indexChildReason: [[image]],
      subjectReason: [[image]],
      subjectMissingReason: [[image.digest]],
      unrecognisedReason: [['other']],
      archivedReason: [['ARCHIVED']],
      withIndexReason: [[[image]]],
      withSubjectReason: [[image]],
      expiredReason: [[image, terms], [untaggedImage, terms]],
    };
    for (const [name, argsList] of Object.entries(calls) as [keyof R.ImageReasonMakers, unknown[][]][]) {
      for (const args of argsList) {
        const full = (R.IMAGE_REASONS[name] as (...a: unknown[]) => R.Reason)(...args);
        const coded = (R.CODED_IMAGE_REASONS[name] as (...a: unknown[]) => R.Reason)(...args);
        expect(coded.code, name).toBe(full.code);
      }
    }
    expect(Object.keys(R.CODED_IMAGE_REASONS).sort()).toEqual(Object.keys(R.IMAGE_REASONS).sort());
  });
});
