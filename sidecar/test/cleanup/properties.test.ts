/**
 * Property tests over generated registries: whatever the images, uses (from any source, seen now or
 * remembered) and rules, no image planned for deletion is protected by any keep rule, and the same inputs
 * give the same plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { planCleanup } from '../../src/cleanup/plan/planner.js';
import type { CleanupPlan } from '../../src/cleanup/plan/planner.js';
import { buildSnapshot, withUses } from '../../src/snapshot/build.js';
import type { Image, ImageUse, Incomplete, Snapshot } from '../../src/snapshot/model.js';
import { USE_KINDS, USE_SCOPES } from '../../src/snapshot/model.js';
import { parseEcrReference } from '../../src/snapshot/reference.js';
import { ACCOUNT, DAY, NOW, REGION, digest, blobList, layer, makeImage, makeRepository, snapshotInput } from '../support/builders.js';

const HOUR = 3_600_000;
const TAGS = ['latest', 'v1', 'v2', 'prod-1', 'release-3', 'dev', 'x', 'y', 'z'];
const REPOS = ['api', 'team/web'].map((name) => makeRepository({ name }));

const imageSpec = fc.record({
  repo: fc.integer({ min: 0, max: REPOS.length - 1 }),
  tags: fc.subarray(TAGS, { maxLength: 3 }),
  ageHours: fc.integer({ min: 0, max: 60 * 24 }),
  kind: fc.constantFrom('image', 'image', 'image', 'index', 'attestation', 'other'),
  archived: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  children: fc.array(fc.nat(40), { maxLength: 3 }),
  subject: fc.option(fc.nat(40), { nil: undefined }),
  layers: fc.subarray(['l1', 'l2', 'l3', 'l4', 'l5'], { minLength: 1 }),
});

const useSpec = fc.record({
  target: fc.nat(40),
  byTag: fc.boolean(),
  kind: fc.constantFrom<ImageUse['kind']>(...USE_KINDS),
  atHours: fc.integer({ min: 0, max: 96 }),
  revision: fc.integer({ min: 1, max: 8 }),
  /** Recalled from the ledger, last seen this many hours ago. */
  remembered: fc.option(fc.integer({ min: 0, max: 20 * 24 }), { nil: undefined }),
});

const configSpec = fc.record({
  keepMinImageCount: fc.integer({ min: 0, max: 4 }),
  keepImagesNewerThanDays: fc.integer({ min: 0, max: 30 }),
  untagged: fc.record({ keepMinImageCount: fc.integer({ min: 0, max: 3 }), keepImagesNewerThanDays: fc.integer({ min: 0, max: 10 }) }),
  keepTagPatterns: fc.subarray(['latest', 'prod*']),
  keepTagPrefixes: fc.subarray(['v', 'release']),
  keepIfUsedWithinDays: fc.integer({ min: 0, max: 10 }),
});

const registrySpec = fc.record({
  images: fc.array(imageSpec, { maxLength: 40 }),
  uses: fc.array(useSpec, { maxLength: 12 }),
  rule: configSpec,
  inUse: fc.record({ stoppedTaskWindowHours: fc.integer({ min: 0, max: 72 }), taskDefinitionRevisions: fc.integer({ min: 0, max: 5 }) }),
  sourceFailure: fc.option(fc.constantFrom<Incomplete['scope']>('ecs', 'cluster', 'lambda', 'kubernetes', 'keep-list', 'ledger'), { nil: undefined }),
  imagesIncomplete: fc.boolean(),
});

type Spec = typeof registrySpec extends fc.Arbitrary<infer T> ? T : never;

function build(spec: Spec): { snapshot: Snapshot; config: CleanupConfig } {
  const images: Image[] = [];
  const tagsUsed = REPOS.map(() => new Set<string>());
  spec.images.forEach((s, i) => {
    const repo = REPOS[s.repo]!;
    const tags = s.tags.filter((t) => !tagsUsed[s.repo]!.has(t));
    for (const t of tags) tagsUsed[s.repo]!.add(t);
    const peers = spec.images.flatMap((x, j) => (x.repo === s.repo && j !== i ? [j] : []));
    const pick = (n: number): number | undefined => (peers.length ? peers[n % peers.length] : undefined);
    const children = s.kind === 'index' ? [...new Set(s.children.flatMap((c) => { const j = pick(c); return j === undefined ? [] : [digest(`img-${j}`)]; }))] : [];
    // Now and then a subject that is not in the repository.
    const subjectIndex = s.subject === undefined ? undefined : s.subject % 10 === 9 ? 1000 : pick(s.subject);
    const subject = s.kind === 'attestation' && subjectIndex !== undefined ? digest(`img-${subjectIndex}`) : undefined;
    images.push(
      makeImage({
        repository: repo,
        seed: `img-${i}`,
        tags,
        kind: s.kind as Image['kind'],
        pushedAt: NOW - s.ageHours * HOUR,
        status: s.archived ? 'ARCHIVED' : 'ACTIVE',
        children,
        ...(subject ? { subjectDigest: subject } : {}),
        layers: blobList(s.layers.map((l) => layer(`${repo.name}-${l}`))),
      }),
    );
  });
  const uses: ImageUse[] = [];
  const remembered: ImageUse[] = [];
  for (const u of spec.uses) {
    const image = images[u.target % Math.max(1, images.length)];
    if (!image) continue;
    const repo = REPOS.find((r) => r.id === image.repositoryId)!;
    const tag = image.tags[0];
    // `repo` alone is `repo:latest`.
    const reference = u.byTag && tag ? (tag === 'latest' && u.atHours % 2 ? repo.uri : `${repo.uri}:${tag}`) : `${repo.uri}@${image.digest}`;
    const use: ImageUse = {
      kind: u.kind,
      accountId: ACCOUNT,
      region: REGION,
      cluster: 'prod',
      reference,
      ...(u.kind === 'stopped-task' ? { at: NOW - u.atHours * HOUR, task: `t${u.atHours}` } : {}),
      ...(u.kind === 'task-definition' || u.kind === 'service' ? { taskDefinition: `fam:${u.revision}` } : {}),
      ...(u.kind === 'lambda-function' ? { functionName: 'fn', qualifier: String(u.revision) } : {}),
      ...(u.kind === 'pod' ? { namespace: 'ns', pod: `p${u.revision}` } : {}),
      ...(u.kind === 'keep-list' ? { list: '/keep.txt' } : {}),
    };
    if (u.remembered === undefined) uses.push(use);
    else remembered.push({ ...use, digest: image.digest, lastSeenAt: NOW - u.remembered * HOUR, firstSeenAt: NOW - u.remembered * HOUR - DAY });
  }
  const incomplete: Incomplete[] = [];
  if (spec.sourceFailure) {
    const global = ['kubernetes', 'keep-list', 'ledger'].includes(spec.sourceFailure);
    incomplete.push({ scope: spec.sourceFailure, accountId: global ? '' : ACCOUNT, region: global ? '' : REGION, target: 'prod', operation: 'List', error: 'Throttling' });
  }
  if (spec.imagesIncomplete) incomplete.push({ scope: 'images', accountId: ACCOUNT, region: REGION, target: 'api', operation: 'DescribeImages', error: 'Throttling' });
  const layerSizes = new Map(REPOS.flatMap((r) => ['l1', 'l2', 'l3', 'l4', 'l5'].map((l, k) => [layer(`${r.name}-${l}`), (k + 1) * 1000] as const)));
  const sources = [{ source: 'ecs' as const, accountId: ACCOUNT, region: REGION, description: 'ECS', readAt: NOW }];
  const snapshot = buildSnapshot(snapshotInput({ repositories: REPOS, images, uses, remembered, incomplete, layerSizes, sources }));
  const config = CleanupConfig.parse({ defaultRule: spec.rule, inUse: spec.inUse });
  return { snapshot, config };
}

/**
 * An independent statement of "in use": the current uses that count, and the remembered uses last seen
 * within their window, matched by digest or tag (remembered: digest only) in the same repository.
 */
function inUseOracle(snapshot: Snapshot, config: CleanupConfig): (image: Image) => boolean {
  const keepDays = config.defaultRule!.keepIfUsedWithinDays;
  const revisions = snapshot.uses.filter((u) => u.kind === 'task-definition').map((u) => Number(u.taskDefinition!.split(':')[1]));
  const keptRevisions = new Set([...new Set(revisions)].sort((a, b) => b - a).slice(0, config.inUse.taskDefinitionRevisions));
  const current = snapshot.uses.filter(
    (u) =>
      (u.kind !== 'stopped-task' && u.kind !== 'task-definition') ||
      (u.kind === 'stopped-task' && u.at! >= NOW - config.inUse.stoppedTaskWindowHours * HOUR) ||
      (u.kind === 'task-definition' && keptRevisions.has(Number(u.taskDefinition!.split(':')[1]))),
  );
  const recalled = (snapshot.remembered ?? []).filter((u) => {
    const task = u.kind === 'running-task' || u.kind === 'stopped-task';
    const since = task ? NOW - Math.max(config.inUse.stoppedTaskWindowHours * HOUR, keepDays * DAY) : NOW - keepDays * DAY;
    return Math.max(u.lastSeenAt!, u.kind === 'stopped-task' ? u.at! : -Infinity) >= since;
  });
  const names = (u: ImageUse, image: Image, byTag: boolean): boolean => {
    const ref = parseEcrReference(u.reference)!;
    if (`${ref.accountId}/${ref.region}/${ref.repository}` !== image.repositoryId) return false;
    return ref.digest === image.digest || u.digest === image.digest || (byTag && ref.tag !== undefined && image.tags.includes(ref.tag));
  };
  return (image) => current.some((u) => names(u, image, true)) || recalled.some((u) => names(u, image, false));
}

function checkInvariants(snapshot: Snapshot, config: CleanupConfig, plan: CleanupPlan): void {
  const rule = config.defaultRule!;
  const inUse = inUseOracle(snapshot, config);
  const ecsBlocked = snapshot.incomplete.some((e) => USE_SCOPES.has(e.scope));
  for (const r of plan.repositories) {
    const images = snapshot.imagesByRepository.get(r.repository.id)!;
    const decision = new Map(r.images.map((p) => [p.image.digest, p.decision]));
    const blocked = ecsBlocked || (snapshot.incompleteByRepository.get(r.repository.id) ?? []).length > 0;
    if (blocked) {
      expect(r.status).toBe('blocked');
      expect(r.images.every((p) => p.decision === 'blocked')).toBe(true);
      continue;
    }
    if (r.status === 'blocked') {
      expect(r.blockedReasons.every((b) => b.code === 'blocked-index')).toBe(true);
      continue;
    }
    const children = new Set(images.filter((i) => i.kind === 'index').flatMap((i) => i.children));
    const topLevel = images.filter((i) => i.status === 'ACTIVE' && (i.kind === 'image' || i.kind === 'index') && !children.has(i.digest) && !i.subjectDigest);
    const sorted = [...topLevel].sort((a, b) => b.pushedAt - a.pushedAt || (a.digest < b.digest ? -1 : 1));
    const newestTagged = new Set(sorted.filter((i) => i.tags.length).slice(0, rule.keepMinImageCount).map((i) => i.digest));
    const newestUntagged = new Set(sorted.filter((i) => !i.tags.length).slice(0, rule.untagged.keepMinImageCount).map((i) => i.digest));
    for (const image of images) {
      if (decision.get(image.digest) !== 'delete') continue;
      const tagged = image.tags.length > 0;
      const days = tagged ? rule.keepImagesNewerThanDays : rule.untagged.keepImagesNewerThanDays;
      expect(inUse(image), `in use ${image.digest}`).toBe(false);
      expect(NOW - image.pushedAt, 'younger than the window').toBeGreaterThan(days * DAY);
      expect(newestTagged.has(image.digest) || newestUntagged.has(image.digest), 'among the newest N').toBe(false);
      expect(image.tags.some((t) => t === 'latest' ? rule.keepTagPatterns.includes('latest') : rule.keepTagPatterns.includes('prod*') && t.startsWith('prod')), 'keep pattern').toBe(false);
      expect(image.tags.some((t) => rule.keepTagPrefixes.some((p) => t.startsWith(p))), 'keep prefix').toBe(false);
      expect(image.status).toBe('ACTIVE');
      const keptParent = images.some((i) => i.kind === 'index' && i.children.includes(image.digest) && decision.get(i.digest) === 'keep');
      expect(keptParent, 'child of a kept index').toBe(false);
      if (image.subjectDigest) expect(decision.get(image.subjectDigest), 'attestation of a kept subject').toBe('delete');
    }
    // Every kept index's children are known.
    for (const index of images.filter((i) => i.kind === 'index' && decision.get(i.digest) === 'keep')) {
      expect(index.children.length).toBeGreaterThan(0);
      for (const c of index.children) expect(decision.has(c)).toBe(true);
    }
  }
}

describe('cleanup plan properties', () => {
  it('never plans to delete a protected image', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const { snapshot, config } = build(spec);
        const plan = planCleanup(snapshot, config, NOW);
        checkInvariants(snapshot, config, plan);
        for (const r of plan.repositories) for (const p of r.images) for (const x of p.reasons) seen.set(x.code, (seen.get(x.code) ?? 0) + 1);
      }),
      { numRuns: 400 },
    );
    // The generator reaches every kind of decision, so the invariants were not checked on empty plans.
    for (const code of ['expired-tagged', 'expired-untagged', 'with-index', 'with-subject', 'in-use', 'recently-used', 'index-child', 'attestation-subject', 'subject-missing', 'newest', 'recent', 'blocked-images', 'blocked-index']) {
      expect(seen.get(code) ?? 0, code).toBeGreaterThan(0);
    }
  });

  it('gives the same plan and id for the same inputs, in any order', () => {
    fc.assert(
      fc.property(registrySpec, fc.integer(), (spec, seed) => {
        const { snapshot, config } = build(spec);
        const a = planCleanup(snapshot, config, NOW);
        const shuffled = [...snapshot.images].sort((x, y) => ((x.digest.charCodeAt(10 + (Math.abs(seed) % 50)) - y.digest.charCodeAt(10 + (Math.abs(seed) % 50))) || 0));
        const input = snapshotInput({ repositories: REPOS, images: shuffled, uses: [...snapshot.uses].reverse(), remembered: [...(snapshot.remembered ?? [])].reverse(), incomplete: snapshot.incomplete, layerSizes: snapshot.layerSizes, sources: snapshot.sources! });
        const b = planCleanup(buildSnapshot({ ...input, version: 99 }), config, NOW);
        expect(b.id).toBe(a.id);
        const decisions = (p: CleanupPlan) => p.repositories.flatMap((r) => r.images.map((i) => `${i.image.digest}:${i.decision}:${i.reasons.map((x) => x.code).join(',')}`)).sort();
        expect(decisions(b)).toEqual(decisions(a));
      }),
      { numRuns: 150 },
    );
  });

  it('blocks every repository when any in-use source or the ledger fails, and nothing is deletable', () => {
    fc.assert(
      fc.property(registrySpec, fc.constantFrom<Incomplete['scope']>('ecs', 'cluster', 'lambda', 'kubernetes', 'keep-list', 'ledger'), (spec, scope) => {
        const { snapshot, config } = build({ ...spec, sourceFailure: scope });
        const plan = planCleanup(snapshot, config, NOW);
        expect(plan.summary.delete).toBe(0);
        const code = scope === 'ecs' || scope === 'cluster' ? 'blocked-ecs' : 'blocked-source';
        expect(plan.repositories.every((r) => r.status === 'blocked' && r.blockedReasons[0]!.code === code)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('never deletes an image a use from any source names at any time inside its window', () => {
    fc.assert(
      fc.property(registrySpec, fc.constantFrom(...USE_KINDS), fc.integer({ min: 0, max: 10 }), fc.double({ min: 0, max: 1, noNaN: true }), (spec, kind, keepDays, where) => {
        const rule = { ...spec.rule, keepIfUsedWithinDays: keepDays };
        const { snapshot, config } = build({ ...spec, rule, sourceFailure: undefined, imagesIncomplete: false, uses: [] });
        const image = snapshot.images[0];
        if (!image) return;
        const repo = REPOS.find((r) => r.id === image.repositoryId)!;
        const task = kind === 'running-task' || kind === 'stopped-task';
        const windowMs = task ? Math.max(spec.inUse.stoppedTaskWindowHours * HOUR, keepDays * DAY) : keepDays * DAY;
        const lastSeenAt = NOW - Math.floor(where * windowMs);
        const use: ImageUse = { kind, accountId: ACCOUNT, region: REGION, reference: `${repo.uri}@${image.digest}`, digest: image.digest, lastSeenAt, firstSeenAt: lastSeenAt, ...(kind === 'stopped-task' ? { at: lastSeenAt } : {}) };
        const plan = planCleanup(withUses(snapshot, { ...snapshot, remembered: [use] }), config, NOW);
        const decided = plan.repositories.flatMap((r) => r.images).find((p) => p.image.digest === image.digest)!;
        expect(decided.decision).not.toBe('delete');
        if (decided.decision === 'keep' && image.status === 'ACTIVE') expect(decided.reasons.some((r) => r.code === 'recently-used')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
