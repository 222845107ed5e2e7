/**
 * Property tests over generated registries: whatever the images, uses and rules, no image planned for
 * deletion is protected by any keep rule, and the same inputs give the same plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CleanupConfig } from '../../src/cleanup/config.js';
import { planCleanup } from '../../src/cleanup/planner.js';
import type { CleanupPlan } from '../../src/cleanup/planner.js';
import { buildSnapshot } from '../../src/snapshot/build.js';
import type { Image, ImageUse, Incomplete, Snapshot } from '../../src/snapshot/model.js';
import { parseEcrReference } from '../../src/snapshot/reference.js';
import { ACCOUNT, DAY, NOW, REGION, digest, makeImage, makeRepository, snapshotInput } from '../support/builders.js';

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
  kind: fc.constantFrom<ImageUse['kind']>('running-task', 'stopped-task', 'service', 'task-definition'),
  atHours: fc.integer({ min: 0, max: 96 }),
  revision: fc.integer({ min: 1, max: 8 }),
});

const configSpec = fc.record({
  keepMinImageCount: fc.integer({ min: 0, max: 4 }),
  keepImagesNewerThanDays: fc.integer({ min: 0, max: 30 }),
  untagged: fc.record({ keepMinImageCount: fc.integer({ min: 0, max: 3 }), keepImagesNewerThanDays: fc.integer({ min: 0, max: 10 }) }),
  keepTagPatterns: fc.subarray(['latest', 'prod*']),
  keepTagPrefixes: fc.subarray(['v', 'release']),
});

const registrySpec = fc.record({
  images: fc.array(imageSpec, { maxLength: 40 }),
  uses: fc.array(useSpec, { maxLength: 12 }),
  rule: configSpec,
  inUse: fc.record({ stoppedTaskWindowHours: fc.integer({ min: 0, max: 72 }), taskDefinitionRevisions: fc.integer({ min: 0, max: 5 }) }),
  ecsIncomplete: fc.boolean(),
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
        layers: s.layers.map((l) => digest(`${repo.name}-${l}`)),
      }),
    );
  });
  const uses: ImageUse[] = spec.uses.flatMap((u) => {
    const image = images[u.target % Math.max(1, images.length)];
    if (!image) return [];
    const repo = REPOS.find((r) => r.id === image.repositoryId)!;
    const tag = image.tags[0];
    const reference = u.byTag && tag ? `${repo.uri}:${tag}` : `${repo.uri}@${image.digest}`;
    return [
      {
        kind: u.kind,
        accountId: ACCOUNT,
        region: REGION,
        cluster: 'prod',
        reference,
        ...(u.kind === 'stopped-task' ? { at: NOW - u.atHours * HOUR, task: `t${u.atHours}` } : {}),
        ...(u.kind === 'task-definition' || u.kind === 'service' ? { taskDefinition: `fam:${u.revision}` } : {}),
      },
    ];
  });
  const incomplete: Incomplete[] = [];
  if (spec.ecsIncomplete) incomplete.push({ scope: 'cluster', accountId: ACCOUNT, region: REGION, target: 'prod', operation: 'ListTasks', error: 'Throttling' });
  if (spec.imagesIncomplete) incomplete.push({ scope: 'images', accountId: ACCOUNT, region: REGION, target: 'api', operation: 'DescribeImages', error: 'Throttling' });
  const layerSizes = new Map(REPOS.flatMap((r) => ['l1', 'l2', 'l3', 'l4', 'l5'].map((l, k) => [digest(`${r.name}-${l}`), (k + 1) * 1000] as const)));
  const snapshot = buildSnapshot(snapshotInput({ repositories: REPOS, images, uses, incomplete, layerSizes }));
  const config = CleanupConfig.parse({ defaultRule: spec.rule, inUse: spec.inUse });
  return { snapshot, config };
}

/** An independent statement of "in use": the uses that count, matched by digest or tag in the same repository. */
function inUseOracle(snapshot: Snapshot, config: CleanupConfig): (image: Image) => boolean {
  const revisions = snapshot.uses.filter((u) => u.kind === 'task-definition').map((u) => Number(u.taskDefinition!.split(':')[1]));
  const keptRevisions = new Set([...new Set(revisions)].sort((a, b) => b - a).slice(0, config.inUse.taskDefinitionRevisions));
  const counting = snapshot.uses.filter(
    (u) =>
      u.kind === 'running-task' ||
      u.kind === 'service' ||
      (u.kind === 'stopped-task' && u.at! >= NOW - config.inUse.stoppedTaskWindowHours * HOUR) ||
      (u.kind === 'task-definition' && keptRevisions.has(Number(u.taskDefinition!.split(':')[1]))),
  );
  return (image) =>
    counting.some((u) => {
      const ref = parseEcrReference(u.reference)!;
      const repoId = `${ref.accountId}/${ref.region}/${ref.repository}`;
      if (repoId !== image.repositoryId) return false;
      return ref.digest === image.digest || u.digest === image.digest || (ref.tag !== undefined && image.tags.includes(ref.tag));
    });
}

function checkInvariants(snapshot: Snapshot, config: CleanupConfig, plan: CleanupPlan): void {
  const rule = config.defaultRule!;
  const inUse = inUseOracle(snapshot, config);
  const ecsBlocked = snapshot.incomplete.some((e) => e.scope === 'cluster' || e.scope === 'ecs');
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
    for (const code of ['expired-tagged', 'expired-untagged', 'with-index', 'with-subject', 'in-use', 'index-child', 'attestation-subject', 'subject-missing', 'newest', 'recent', 'blocked-images', 'blocked-index']) {
      expect(seen.get(code) ?? 0, code).toBeGreaterThan(0);
    }
  });

  it('gives the same plan and id for the same inputs, in any order', () => {
    fc.assert(
      fc.property(registrySpec, fc.integer(), (spec, seed) => {
        const { snapshot, config } = build(spec);
        const a = planCleanup(snapshot, config, NOW);
        const shuffled = [...snapshot.images].sort((x, y) => ((x.digest.charCodeAt(10 + (Math.abs(seed) % 50)) - y.digest.charCodeAt(10 + (Math.abs(seed) % 50))) || 0));
        const b = planCleanup(buildSnapshot({ ...snapshotInput({ repositories: REPOS, images: shuffled, uses: [...snapshot.uses].reverse(), incomplete: snapshot.incomplete, layerSizes: snapshot.layerSizes }), version: 99 }), config, NOW);
        expect(b.id).toBe(a.id);
        const decisions = (p: CleanupPlan) => p.repositories.flatMap((r) => r.images.map((i) => `${i.image.digest}:${i.decision}:${i.reasons.map((x) => x.code).join(',')}`)).sort();
        expect(decisions(b)).toEqual(decisions(a));
      }),
      { numRuns: 150 },
    );
  });

  it('blocks every repository under an ECS fault, and nothing is deletable', () => {
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const { snapshot, config } = build({ ...spec, ecsIncomplete: true });
        const plan = planCleanup(snapshot, config, NOW);
        expect(plan.summary.delete).toBe(0);
        expect(plan.repositories.every((r) => r.status === 'blocked' && r.blockedReasons[0]!.code === 'blocked-ecs')).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
