/**
 * A plan that takes repository plans from an earlier snapshot's plan (a push's snapshot, planned at the earlier
 * plan's time) is the plan made afresh: the same id, decisions, reasons, reclaimable bytes and summaries, whatever
 * changed between the two snapshots (images, uses seen or remembered, incomplete entries, blob sizes, sources,
 * repository settings, the time). And it does take them, when nothing a repository's plan reads changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { planCleanup } from '../../src/cleanup/plan/planner.js';
import type { CleanupPlan, RepositoryPlan } from '../../src/cleanup/plan/planner.js';
import { LayeredBlobSizes } from '../../src/snapshot/blob-sizes.js';
import type { BlobKey } from '../../src/snapshot/blob-key.js';
import { buildSnapshot, buildSnapshotSteps } from '../../src/snapshot/build.js';
import { runNow } from '../../src/cooperative.js';
import type { Image, ImageUse, Incomplete, Repository, Snapshot, SourceCoverage } from '../../src/snapshot/model.js';
import { ACCOUNT, DAY, NOW, OTHER_ACCOUNT, REGION, blobList, layer, makeImage, makeRepository, snapshotInput } from '../support/builders.js';

const HOUR = 3_600_000;
const TAGS = ['latest', 'v1', 'v2', 'prod-1', 'dev', 'x'];
const NAMES = ['api', 'team/web', 'batch'];
const LAYERS = ['l1', 'l2', 'l3', 'l4', 'l5', 'l6'];

const imageSpec = fc.record({
  tags: fc.subarray(TAGS, { maxLength: 2 }),
  ageHours: fc.integer({ min: 0, max: 40 * 24 }),
  kind: fc.constantFrom('image', 'image', 'image', 'index', 'attestation'),
  layers: fc.subarray(LAYERS, { minLength: 1, maxLength: 3 }),
  child: fc.nat(20),
});
const listSpec = fc.array(imageSpec, { maxLength: 10 });

const useSpec = fc.record({
  repo: fc.nat(NAMES.length - 1),
  target: fc.nat(20),
  byTag: fc.boolean(),
  kind: fc.constantFrom<ImageUse['kind']>('running-task', 'stopped-task', 'service', 'task-definition'),
  revision: fc.integer({ min: 1, max: 6 }),
  atHours: fc.integer({ min: 0, max: 96 }),
  rememberedHours: fc.option(fc.integer({ min: 0, max: 20 * 24 }), { nil: undefined }),
});

const baseSpec = fc.record({
  lists: fc.tuple(listSpec, listSpec, listSpec),
  uses: fc.array(useSpec, { maxLength: 8 }),
  /** Per repository, the blobs whose size is known. */
  sized: fc.tuple(...[0, 1, 2].map(() => fc.oneof({ arbitrary: fc.constant(LAYERS), weight: 3 }, { arbitrary: fc.subarray(LAYERS), weight: 1 }))),
  imagesIncomplete: fc.option(fc.nat(NAMES.length - 1), { nil: undefined }),
  pullAccount: fc.boolean(),
  rule: fc.record({
    keepMinImageCount: fc.integer({ min: 0, max: 3 }),
    keepImagesNewerThanDays: fc.integer({ min: 0, max: 20 }),
    untagged: fc.record({ keepMinImageCount: fc.integer({ min: 0, max: 2 }), keepImagesNewerThanDays: fc.integer({ min: 0, max: 5 }) }),
    keepTagPatterns: fc.subarray(['latest', 'prod*']),
    keepIfUsedWithinDays: fc.integer({ min: 0, max: 10 }),
  }),
  taskDefinitionRevisions: fc.integer({ min: 0, max: 3 }),
});

/** What differs in the next snapshot. */
const changeSpec = fc.record({
  /** Repositories read again, each with its new list (the same content, read again, when `same`). */
  reread: fc.array(fc.record({ repo: fc.nat(NAMES.length - 1), list: listSpec, same: fc.boolean() }), { maxLength: 2 }),
  /** A repository object made again: with the same settings, or another puller. */
  repositoryObject: fc.option(fc.record({ repo: fc.nat(NAMES.length - 1), samePolicy: fc.boolean() }), { nil: undefined }),
  uses: fc.constantFrom('same', 'same', 'copied', 'one-less', 'one-more'),
  newUse: useSpec,
  remembered: fc.constantFrom('same', 'copied', 'one-seen-later'),
  incomplete: fc.constantFrom('same', 'same', 'same', 'repository', 'use-source'),
  sizes: fc.constantFrom('same', 'same', 'newly-known', 'changed', 'new-blob'),
  sizesRepo: fc.nat(NAMES.length - 1),
  sources: fc.constantFrom('same', 'same', 'copied', 'read-again', 'no-ecs'),
  laterHours: fc.constantFrom(0, 0, 0, 0, 1, 24 * 3),
});

type Base = typeof baseSpec extends fc.Arbitrary<infer T> ? T : never;
type Change = typeof changeSpec extends fc.Arbitrary<infer T> ? T : never;
type ListSpec = Base['lists'][number];

const repositories = (pullAccount: boolean): Repository[] =>
  NAMES.map((name, k) =>
    makeRepository({ name, policy: { present: pullAccount && k === 1, pullAccounts: pullAccount && k === 1 ? [OTHER_ACCOUNT] : [], pushAccounts: [], crossAccount: pullAccount && k === 1 } }),
  );

function images(repository: Repository, spec: ListSpec, variant: string): Image[] {
  const seen = new Set<string>();
  const out: Image[] = [];
  spec.forEach((s, i) => {
    const tags = s.tags.filter((t) => !seen.has(t));
    for (const t of tags) seen.add(t);
    const other = spec.length > 1 ? (i + 1 + (s.child % (spec.length - 1))) % spec.length : undefined;
    const otherDigest = other === undefined ? undefined : makeImage({ repository, seed: `${repository.name}-${other}-${variant}` }).digest;
    out.push(
      makeImage({
        repository,
        seed: `${repository.name}-${i}-${variant}`,
        tags,
        kind: s.kind as Image['kind'],
        pushedAt: NOW - s.ageHours * HOUR,
        children: s.kind === 'index' && otherDigest ? [otherDigest] : [],
        ...(s.kind === 'attestation' && otherDigest ? { subjectDigest: otherDigest } : {}),
        layers: blobList(s.layers.map((l) => layer(`${repository.name}-${l}`))),
      }),
    );
  });
  return out;
}

function use(spec: Base['uses'][number], repos: readonly Repository[], lists: readonly (readonly Image[])[]): { use: ImageUse; remembered: boolean } | undefined {
  const repo = repos[spec.repo]!;
  const image = lists[spec.repo]![spec.target % Math.max(1, lists[spec.repo]!.length)];
  if (!image) return undefined;
  const tag = image.tags[0];
  const reference = spec.byTag && tag ? `${repo.uri}:${tag}` : `${repo.uri}@${image.digest}`;
  const u: ImageUse = {
    kind: spec.kind,
    accountId: ACCOUNT,
    region: REGION,
    cluster: 'prod',
    reference,
    ...(spec.kind === 'stopped-task' ? { at: NOW - spec.atHours * HOUR, task: `t${spec.atHours}` } : {}),
    ...(spec.kind === 'task-definition' || spec.kind === 'service' ? { taskDefinition: `fam:${spec.revision}` } : {}),
  };
  if (spec.rememberedHours === undefined) return { use: u, remembered: false };
  return { use: { ...u, digest: image.digest, lastSeenAt: NOW - spec.rememberedHours * HOUR, firstSeenAt: NOW - spec.rememberedHours * HOUR - DAY }, remembered: true };
}

const ECS_SOURCE: SourceCoverage = { source: 'ecs', accountId: ACCOUNT, region: REGION, description: 'ECS', readAt: NOW };

function sizesOf(sized: Base['sized']): Map<BlobKey, number> {
  return new Map(NAMES.flatMap((name, k) => sized[k]!.map((l) => [layer(`${name}-${l}`), (LAYERS.indexOf(l) + 1) * 1000] as const)));
}

function baseSnapshot(base: Base): { snapshot: Snapshot; config: CleanupConfig; lists: Image[][] } {
  const repos = repositories(base.pullAccount);
  const lists = repos.map((r, k) => images(r, base.lists[k]!, 'a'));
  const uses: ImageUse[] = [];
  const remembered: ImageUse[] = [];
  for (const spec of base.uses) {
    const made = use(spec, repos, lists);
    if (made) (made.remembered ? remembered : uses).push(made.use);
  }
  const incomplete: Incomplete[] =
    base.imagesIncomplete === undefined
      ? []
      : [{ scope: 'images', accountId: ACCOUNT, region: REGION, target: NAMES[base.imagesIncomplete]!, operation: 'DescribeImages', error: 'Throttling' }];
  const snapshot = buildSnapshot(
    snapshotInput({ repositories: repos, images: lists.flat(), uses, remembered, incomplete, layerSizes: sizesOf(base.sized), sources: [ECS_SOURCE] }),
  );
  const config = CleanupConfig.parse({
    defaultRule: { ...base.rule, untagged: base.rule.untagged },
    inUse: { taskDefinitionRevisions: base.taskDefinitionRevisions },
  });
  return { snapshot, config, lists };
}

/** The next snapshot as a refresh makes it: unchanged lists are the same arrays, the rest as described. */
function nextSnapshot(base: Base, change: Change, before: Snapshot, lists: readonly (readonly Image[])[], registries = before.registries): Snapshot {
  const repos = [...before.repositories];
  if (change.repositoryObject) {
    const { repo, samePolicy } = change.repositoryObject;
    const r = repos[repo]!;
    repos[repo] = makeRepository({
      name: r.name,
      policy: samePolicy ? { ...r.policy, pullAccounts: [...r.policy.pullAccounts] } : { present: true, pullAccounts: ['333333333333'], pushAccounts: [], crossAccount: true },
    });
  }
  const reread = new Map(change.reread.map((r) => [r.repo, r]));
  const nextLists = lists.map((list, k) => {
    const again = reread.get(k);
    if (!again) return list;
    return images(repos[k]!, again.same ? base.lists[k]! : again.list, again.same ? 'a' : 'b');
  });
  const changed = new Set([...reread.keys()].map((k) => repos[k]!.id));

  let uses = before.uses;
  if (change.uses === 'copied') uses = before.uses.map((u) => ({ ...u }));
  else if (change.uses === 'one-less') uses = before.uses.slice(1);
  else if (change.uses === 'one-more') {
    const made = use({ ...change.newUse, rememberedHours: undefined }, repos, nextLists);
    if (made) uses = [...before.uses, made.use];
  }
  let remembered = before.remembered ?? [];
  if (change.remembered === 'copied') remembered = remembered.map((u) => ({ ...u }));
  else if (change.remembered === 'one-seen-later' && remembered.length) remembered = [{ ...remembered[0]!, lastSeenAt: NOW }, ...remembered.slice(1)];

  let incomplete = before.incomplete;
  if (change.incomplete === 'repository')
    incomplete = [...incomplete, { scope: 'manifests', accountId: ACCOUNT, region: REGION, target: NAMES[change.sizesRepo]!, operation: 'BatchGetImage', error: 'Throttling' }];
  else if (change.incomplete === 'use-source')
    incomplete = [...incomplete, { scope: 'cluster', accountId: ACCOUNT, region: REGION, target: 'prod', operation: 'ListTasks', error: 'Throttling' }];

  let layerSizes = before.layerSizes;
  const name = NAMES[change.sizesRepo]!;
  const unknown = LAYERS.find((l) => !base.sized[change.sizesRepo]!.includes(l));
  const known = base.sized[change.sizesRepo]![0];
  if (change.sizes === 'newly-known' && unknown) layerSizes = new LayeredBlobSizes(before.layerSizes, new Map([[layer(`${name}-${unknown}`), 777]]));
  else if (change.sizes === 'changed' && known) layerSizes = new LayeredBlobSizes(before.layerSizes, new Map([[layer(`${name}-${known}`), 999_999]]));
  else if (change.sizes === 'new-blob') layerSizes = new LayeredBlobSizes(before.layerSizes, new Map([[layer('elsewhere'), 5]]));

  const sources =
    change.sources === 'same'
      ? before.sources
      : change.sources === 'copied'
        ? before.sources!.map((s) => ({ ...s }))
        : change.sources === 'read-again'
          ? before.sources!.map((s) => ({ ...s, readAt: s.readAt + HOUR }))
          : [];
  const input = snapshotInput({
    version: before.version + 1,
    repositories: repos,
    registries,
    images: nextLists.flat(),
    uses,
    remembered,
    incomplete,
    layerSizes,
    sources,
  });
  return runNow(buildSnapshotSteps(input, { base: before, changed, images: nextLists.filter((_, k) => reread.has(k)).flat() }));
}

/** A registry written out: every blob sized, no incomplete entry, a rule that deletes what is a week old (a day untagged). */
const fixed = (lists: Base['lists'], patch: Partial<Base> = {}): Base => ({
  lists,
  uses: [],
  sized: [LAYERS, LAYERS, LAYERS],
  imagesIncomplete: undefined,
  pullAccount: false,
  rule: { keepMinImageCount: 0, keepImagesNewerThanDays: 7, untagged: { keepMinImageCount: 0, keepImagesNewerThanDays: 1 }, keepTagPatterns: [], keepIfUsedWithinDays: 0 },
  taskDefinitionRevisions: 1,
  ...patch,
});

/** Everything a repository's plan says, image by image. */
const repositoryView = (r: RepositoryPlan) => ({
  repository: r.repository,
  rule: r.rule,
  status: r.status,
  blockedReasons: r.blockedReasons,
  summary: r.summary,
  hash: r.hash,
  images: r.images.map((p) => ({
    digest: p.image.digest,
    decision: p.decision,
    reasons: p.reasons,
    inUse: p.inUse,
    clusters: p.clusters,
    reclaimableBytes: p.reclaimableBytes,
    monthlyUsd: p.monthlyUsd,
  })),
});

const view = (plan: CleanupPlan) => ({ id: plan.id, generatedAt: plan.generatedAt, summary: plan.summary, repositories: plan.repositories.map(repositoryView) });

const taken = (plan: CleanupPlan, from: CleanupPlan): number => plan.repositories.filter((r) => from.repositories.includes(r)).length;

describe('a plan taking repository plans from an earlier one', () => {
  it('is the plan made afresh, whatever changed', () => {
    let reused = 0;
    let planned = 0;
    fc.assert(
      fc.property(baseSpec, changeSpec, (base, change) => {
        const { snapshot, config, lists } = baseSnapshot(base);
        const at = NOW;
        const earlier = planCleanup(snapshot, config, at);
        const next = nextSnapshot(base, change, snapshot, lists);
        const later = at + change.laterHours * HOUR;
        const plan = planCleanup(next, config, later, { reuse: { plan: earlier } });
        expect(view(plan)).toEqual(view(planCleanup(next, config, later)));
        reused += taken(plan, earlier);
        planned += plan.repositories.length;
        if (later !== at) expect(taken(plan, earlier)).toBe(0);
      }),
      { numRuns: 400 },
    );
    // Not vacuous: many repository plans were taken, and many were made again.
    // (About one in ten here: most changes drawn touch what every repository's plan reads.)
    expect(reused).toBeGreaterThan(planned / 20);
    expect(reused).toBeLessThan(planned);
  });

  it('takes every repository plan when nothing changed, and only the changed repository is planned again after a push', () => {
    const base = fixed([
      [{ tags: ['latest'], ageHours: 24 * 30, kind: 'image', layers: ['l1', 'l2'], child: 0 }, { tags: [], ageHours: 24 * 30, kind: 'image', layers: ['l2', 'l3'], child: 0 }],
      [{ tags: ['v1'], ageHours: 24 * 30, kind: 'image', layers: ['l1'], child: 0 }],
      [{ tags: [], ageHours: 24 * 30, kind: 'image', layers: ['l4'], child: 0 }],
    ]);
    const { snapshot, config, lists } = baseSnapshot(base);
    const earlier = planCleanup(snapshot, config, NOW);
    expect(earlier.summary.delete).toBeGreaterThan(0);

    const same: Change = {
      reread: [], repositoryObject: undefined, uses: 'copied', newUse: { repo: 0, target: 0, byTag: true, kind: 'running-task', revision: 1, atHours: 0, rememberedHours: undefined },
      remembered: 'copied', incomplete: 'same', sizes: 'new-blob', sizesRepo: 0, sources: 'read-again', laterHours: 0,
    };
    const quiet = planCleanup(nextSnapshot(base, same, snapshot, lists), config, NOW, { reuse: { plan: earlier } });
    expect(taken(quiet, earlier)).toBe(3);
    expect(quiet.id).toBe(earlier.id);

    // A push to team/web (a new image in it): api and batch are taken, team/web is planned again.
    const push: Change = { ...same, reread: [{ repo: 1, list: [...base.lists[1], { tags: ['v2'], ageHours: 1, kind: 'image', layers: ['l5'], child: 0 }], same: false }] };
    const pushed = nextSnapshot(base, push, snapshot, lists);
    const plan = planCleanup(pushed, config, NOW, { reuse: { plan: earlier } });
    expect(plan.repositories.map((r) => [r.repository.name, earlier.repositories.includes(r)])).toEqual([
      ['api', true],
      ['batch', true],
      ['team/web', false],
    ]);
    expect(view(plan)).toEqual(view(planCleanup(pushed, config, NOW)));

    // A size an image of api did not have before: api is planned again (its reclaimable bytes may change).
    const unsizedBase: Base = { ...base, sized: [['l1'], LAYERS, LAYERS] };
    const unsized = baseSnapshot(unsizedBase);
    const before = planCleanup(unsized.snapshot, config, NOW);
    const sized = nextSnapshot(unsizedBase, { ...same, sizes: 'newly-known', sizesRepo: 0 }, unsized.snapshot, unsized.lists);
    const after = planCleanup(sized, config, NOW, { reuse: { plan: before } });
    expect(after.repositories.map((r) => [r.repository.name, before.repositories.includes(r)])).toEqual([
      ['api', false],
      ['batch', true],
      ['team/web', true],
    ]);
    expect(after.summary.reclaimableBytes).not.toBe(before.summary.reclaimableBytes);
    expect(view(after)).toEqual(view(planCleanup(sized, config, NOW)));
  });

  it('plans a repository again when what changed elsewhere changes its plan', () => {
    const old = 24 * 30;
    const base = fixed(
      [
        [{ tags: ['a'], ageHours: old, kind: 'image', layers: ['l1', 'l2'], child: 0 }],
        [{ tags: ['b'], ageHours: old, kind: 'image', layers: ['l3'], child: 0 }],
        [{ tags: [], ageHours: old, kind: 'image', layers: ['l4'], child: 0 }],
      ],
      { uses: [{ repo: 0, target: 0, byTag: false, kind: 'task-definition', revision: 1, atHours: 0, rememberedHours: undefined }], pullAccount: true },
    );
    const { snapshot, config, lists } = baseSnapshot(base);
    const earlier = planCleanup(snapshot, config, NOW);
    const byName = (plan: CleanupPlan, name: string) => plan.repositories.find((r) => r.repository.name === name)!;
    // api's image is kept by the newest revision of its family; team/web is blocked by a puller nobody watches.
    expect(byName(earlier, 'api').summary.keep).toBe(1);
    expect(byName(earlier, 'team/web').status).toBe('blocked');
    const same: Change = {
      reread: [], repositoryObject: undefined, uses: 'same', newUse: base.uses[0]!, remembered: 'same', incomplete: 'same',
      sizes: 'same', sizesRepo: 0, sources: 'same', laterHours: 0,
    };
    const check = (next: Snapshot, name: string) => {
      const plan = planCleanup(next, config, NOW, { reuse: { plan: earlier } });
      expect(view(plan)).toEqual(view(planCleanup(next, config, NOW)));
      expect(repositoryView(byName(plan, name))).not.toEqual(repositoryView(byName(earlier, name)));
      expect(earlier.repositories.includes(byName(plan, name))).toBe(false);
    };
    // A newer revision of the family runs from batch: api's image is no longer in use, and is deleted.
    check(nextSnapshot(base, { ...same, uses: 'one-more', newUse: { ...base.uses[0]!, repo: 2, revision: 2 } }, snapshot, lists), 'api');
    // A blob of api reads another size: what deleting its image frees changes.
    const gone: Base = { ...base, uses: [] };
    const unused = baseSnapshot(gone);
    const before = planCleanup(unused.snapshot, config, NOW);
    const resized = nextSnapshot(gone, { ...same, sizes: 'changed', sizesRepo: 0 }, unused.snapshot, unused.lists);
    const plan = planCleanup(resized, config, NOW, { reuse: { plan: before } });
    expect(view(plan)).toEqual(view(planCleanup(resized, config, NOW)));
    expect(byName(plan, 'api').summary.reclaimableBytes).not.toBe(byName(before, 'api').summary.reclaimableBytes);
    expect(taken(plan, before)).toBe(0); // a size known before changed: no blob size is taken for granted
    // The puller's account is read now: team/web is no longer blocked.
    check(nextSnapshot(base, same, snapshot, lists, [...snapshot.registries, { ...snapshot.registries[0]!, accountId: OTHER_ACCOUNT }]), 'team/web');
  });

  it('tells a use listed twice from two equal uses (matching drops the same object listed twice)', () => {
    const base = fixed([[{ tags: ['a'], ageHours: 24 * 30, kind: 'image', layers: ['l1'], child: 0 }], [], []]);
    const { snapshot, config } = baseSnapshot(base);
    const [api] = snapshot.repositories;
    const image = snapshot.imagesByRepository.get(api!.id)![0]!;
    const use: ImageUse = { kind: 'running-task', accountId: ACCOUNT, region: REGION, cluster: 'prod', task: 't1', reference: `${api!.uri}@${image.digest}` };
    const once = runNow(buildSnapshotSteps(snapshotInput({ ...snapshot, uses: [use, use] }), { base: snapshot, changed: new Set(), images: [] }));
    const earlier = planCleanup(once, config, NOW);
    const twice = runNow(buildSnapshotSteps(snapshotInput({ ...once, version: 3, uses: [use, { ...use }] }), { base: once, changed: new Set(), images: [] }));
    const plan = planCleanup(twice, config, NOW, { reuse: { plan: earlier } });
    expect(view(plan)).toEqual(view(planCleanup(twice, config, NOW)));
    expect(plan.id).not.toBe(earlier.id);
    expect(taken(plan, earlier)).toBe(0);
  });

  it('takes nothing from a plan made with other rules or prices', () => {
    const { snapshot, config } = baseSnapshot(fixed([[{ tags: [], ageHours: 24 * 30, kind: 'image', layers: ['l1'], child: 0 }], [], []]));
    const earlier = planCleanup(snapshot, config, NOW);
    expect(earlier.summary.delete).toBe(1);
    const { repository: _glob, ...rule } = config.defaultRule!;
    const stricter = CleanupConfig.parse({ defaultRule: { ...rule, untagged: { keepMinImageCount: 5, keepImagesNewerThanDays: 0 } }, inUse: config.inUse });
    const ruled = planCleanup(snapshot, stricter, NOW, { reuse: { plan: earlier } });
    expect(taken(ruled, earlier)).toBe(0);
    expect(ruled.summary.delete).toBe(0);
    const prices = { defaultUsdPerGbMonth: 1 };
    const priced = planCleanup(snapshot, config, NOW, { prices, reuse: { plan: earlier } });
    expect(taken(priced, earlier)).toBe(0);
    expect(view(priced)).toEqual(view(planCleanup(snapshot, config, NOW, { prices })));
    expect(priced.summary.monthlyUsd).toBeGreaterThan(earlier.summary.monthlyUsd);
  });

  it('takes nothing from a plan of some repositories only', () => {
    const base = fc.sample(baseSpec, { numRuns: 1, seed: 7 })[0]!;
    const { snapshot, config } = baseSnapshot(base);
    const some = planCleanup(snapshot, config, NOW, { only: new Set([snapshot.repositories[0]!.id]) });
    const plan = planCleanup(snapshot, config, NOW, { reuse: { plan: some } });
    expect(taken(plan, some)).toBe(0);
  });
});
