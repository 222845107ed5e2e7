import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { cleanupAnnotations } from '../../src/cleanup/plan/annotations.js';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { toDeleteCsv } from '../../src/cleanup/plan/csv.js';
import { cleanupBuilder, lifecycleBuilder } from '../../src/cleanup/plan/frames.js';
import { createCleanupService, reclaimableByRepository } from '../../src/cleanup/service.js';
import { selectPlan } from '../../src/cleanup/plan/select.js';
import { parsePlanQuery } from '../../src/http/cleanup-plan.js';
import { QueryRequest } from '../../src/query/request.js';
import { BUILT_IN_BUILDERS, executeQuery } from '../../src/query/engine.js';
import { createQueryRunner } from '../../src/query/cache.js';
import { planCleanup } from '../../src/cleanup/plan/planner.js';
import { runNow } from '../../src/cooperative.js';
import { buildSnapshotSteps } from '../../src/snapshot/build.js';
import { DAY, MIB, NOW, fakeInventory, blobList, layer, makeImage, makeIncomplete, makeRepository, makeSnapshot, makeUse, snapshotInput } from '../support/builders.js';

const api = makeRepository({ name: 'api', lifecyclePolicyText: JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] }) });
const web = makeRepository({ name: 'team/web' });
const L = layer('layer');
const images = [
  makeImage({ repository: api, tags: ['v3'], pushedAt: NOW - DAY, layers: blobList([L]) }),
  makeImage({ repository: api, tags: ['v2', 'beta'], pushedAt: NOW - 20 * DAY, layers: blobList([layer('v2')]) }),
  makeImage({ repository: api, seed: 'untagged-old', pushedAt: NOW - 30 * DAY, layers: blobList([layer('u')]) }),
  makeImage({ repository: web, tags: ['w1'], pushedAt: NOW - 40 * DAY }),
];
const snapshot = makeSnapshot({
  repositories: [api, web],
  images,
  uses: [makeUse({ reference: `${api.uri}:v2`, cluster: 'prod', task: 'task/abc' })],
  layerSizes: new Map([
    [L, MIB],
    [layer('v2'), 2 * MIB],
    [layer('u'), 3 * MIB],
  ]),
  incomplete: [makeIncomplete({ scope: 'images', target: 'team/web', operation: 'DescribeImages' })],
});
const config = CleanupConfig.parse({ defaultRule: { keepMinImageCount: 1, untagged: { keepMinImageCount: 0 } } });
const service = createCleanupService({ config, inventory: fakeInventory(snapshot), prices: { defaultUsdPerGbMonth: 0.1 }, now: () => NOW });
const ctx = { now: () => NOW, prices: { defaultUsdPerGbMonth: 0.1 } };
const column = (frame: { fields: readonly { name: string; values: readonly unknown[] }[] }, name: string) => frame.fields.find((f) => f.name === name)!.values;

describe('plan outputs', () => {
  it('writes the seed to_delete.csv', () => {
    const plan = service.plan();
    const csv = toDeleteCsv(snapshot, selectPlan(plan, {}, NOW, snapshot).rows);
    expect(parse(csv, { columns: true })).toEqual([{ repository: 'api', digest: images[2]!.digest, tags: '' }]);
  });

  it('builds the cleanup frame with filters and a blocked notice', () => {
    const frame = cleanupBuilder(service).build(snapshot, QueryRequest.parse({ queryType: 'cleanup', filters: { repository: 'api' } }), ctx);
    expect(column(frame, 'decision')).toEqual(['keep', 'keep', 'delete']);
    expect(column(frame, 'reasonCodes')).toEqual(['recent,newest', 'in-use', 'expired-untagged']);
    expect(column(frame, 'reclaimableBytes')).toEqual([0, 0, 3 * MIB]);
    const blocked = cleanupBuilder(service).build(snapshot, QueryRequest.parse({ queryType: 'cleanup', filters: { decision: 'blocked' } }), ctx);
    expect(column(blocked, 'repository')).toEqual(['team/web']);
    expect(blocked.meta.notices?.map((n) => n.severity)).toEqual(['info', 'warning']);
    expect(blocked.meta.notices?.[1]?.text).toMatch(/^Cleanup blocked in 1 repositories\. team\/web: blocked: the repository's image list is incomplete/);
  });

  it('builds one row per repository with its status and summary, blocked ones first when sorted', () => {
    const request = QueryRequest.parse({ queryType: 'cleanup', filters: { level: 'repository' }, sort: { field: 'status' } });
    const frame = cleanupBuilder(service).build(snapshot, request, ctx);
    expect(column(frame, 'repository')).toEqual(['team/web', 'api']);
    expect(column(frame, 'status')).toEqual(['blocked', 'ok']);
    expect(column(frame, 'blockedReasons')[0]).toMatch(/^blocked: the repository's image list is incomplete/);
    expect(column(frame, 'blockedReasons')[1]).toBeNull();
    expect(column(frame, 'delete')).toEqual([0, 1]);
    expect(column(frame, 'reclaimableBytes')).toEqual([0, 3 * MIB]);
  });

  it('builds the lifecycle frame, flagging images in use', () => {
    const frame = lifecycleBuilder(service).build(snapshot, QueryRequest.parse({ queryType: 'lifecycle' }), ctx);
    expect(column(frame, 'tags')).toEqual(['v2, beta', null]);
    expect(column(frame, 'inUse')).toEqual([true, false]);
    expect(column(frame, 'appliedRulePriority')).toEqual([1, 1]);
    expect(frame.meta.notices?.map((n) => n.text)).toContain('1 images ECR lifecycle will act on are in use by ECS.');
  });

  it('annotates candidates at their push time and blocked repositories', async () => {
    const events = await cleanupAnnotations(service)(snapshot, { from: NOW - 60 * DAY, to: NOW, limit: 100 });
    expect(events.map((e) => [e.time, e.tags])).toEqual([
      [NOW, ['cleanup', 'blocked', 'team/web']],
      [NOW - 30 * DAY, ['cleanup', 'delete', 'api']],
    ]);
    expect(await cleanupAnnotations(service)(snapshot, { from: NOW - 10 * DAY, to: NOW - DAY, limit: 100 })).toEqual([]);
  });

  it('gives the cost query its reclaimable columns', () => {
    const map = reclaimableByRepository(service.plan());
    expect(map.get(api.id)).toEqual({ bytes: 3 * MIB, images: 1, monthlyUsd: 0.000293 });
    expect(map.get(web.id)).toEqual({ bytes: 0, images: 0, monthlyUsd: 0 });
    expect(service.reclaimableFor(snapshot, api.id)).toEqual(map.get(api.id));
  });
});

describe('plan query string', () => {
  it('parses repeated and typed parameters', () => {
    const parsed = parsePlanQuery({ repository: ['api', 'team/*'], inUse: ['false'], olderThanDays: ['7'], pushedAfter: ['1700000000000'], format: ['csv'] });
    expect(parsed).toEqual({
      ok: true,
      value: {
        filters: { repository: ['api', 'team/*'], inUse: false, olderThanDays: 7, pushedAfter: 1_700_000_000_000 },
        paging: { format: 'csv', limit: 10_000, offset: 0 },
      },
    });
  });

  it('names the bad field', () => {
    const bad = (q: Record<string, string[]>) => {
      const parsed = parsePlanQuery(q);
      return parsed.ok ? [] : parsed.issues.map((i) => i.path);
    };
    expect(bad({ inUse: ['maybe'] })).toEqual(['inUse']);
    expect(bad({ registry: ['123'] })).toEqual(['registry']);
    expect(bad({ useKind: ['service'] })).toEqual(['useKind']);
    expect(bad({ limit: ['0'] })).toEqual(['limit']);
    expect(bad({ nope: ['1'] })).toEqual(['nope']);
  });
});

describe('the plan service', () => {
  it('prepares a snapshot plan cooperatively and serves that same plan afterwards', async () => {
    let clock = NOW;
    const fresh = createCleanupService({ config, inventory: fakeInventory(snapshot), prices: { defaultUsdPerGbMonth: 0.1 }, now: () => clock });
    await fresh.prepare(snapshot);
    clock += 1_000;
    // Planned when prepared, not when first asked for.
    const plan = fresh.plan(snapshot);
    expect(plan.generatedAt).toBe(NOW);
    await fresh.prepare(snapshot);
    expect(fresh.plan(snapshot)).toBe(plan);
    expect(plan.id).toBe(service.plan().id);
    expect(fresh.planKey(snapshot)).toBe(plan.id);
    expect(fresh.reclaimableFor(snapshot, api.id)).toEqual({ bytes: 3 * MIB, images: 1, monthlyUsd: expect.any(Number) });
  });

  it('makes a snapshot’s first plan once: a prepare and a planned() meanwhile join it, and plan() then answers from it', async () => {
    let clock = NOW;
    const fresh = createCleanupService({ config, inventory: fakeInventory(snapshot), prices: { defaultUsdPerGbMonth: 0.1 }, now: () => clock });
    const preparing = fresh.prepare(snapshot);
    expect(fresh.prepare(snapshot)).toBe(preparing);
    const waiting = fresh.planned(snapshot);
    clock += 1_000;
    await waiting;
    // Made when prepared (its time), not at once by the plan() after planned().
    const plan = fresh.plan(snapshot);
    expect(plan.generatedAt).toBe(NOW);
    await preparing;
    expect(fresh.plan(snapshot)).toBe(plan);
    // Nothing in progress, nothing kept: planned() makes it, cooperatively, at its own time.
    const other = createCleanupService({ config, inventory: fakeInventory(snapshot), prices: { defaultUsdPerGbMonth: 0.1 }, now: () => clock });
    await other.planned(snapshot);
    clock += 1_000;
    expect(other.plan(snapshot).generatedAt).toBe(NOW + 1_000);
    expect(other.plan(snapshot).id).toBe(plan.id);
  });

  it('lets the cost and cleanup queries and the cleanup annotations wait for a plan in progress instead of planning at once', async () => {
    const fresh = createCleanupService({ config, inventory: fakeInventory(snapshot), prices: { defaultUsdPerGbMonth: 0.1 }, now: () => NOW });
    const preparing = fresh.prepare(snapshot);
    let made = false;
    void preparing.then(() => (made = true));
    // Whether the plan was made when each reader asked for it.
    const asked: boolean[] = [];
    const source = { plan: (s: typeof snapshot) => (asked.push(made), fresh.plan(s)), plannedSnapshot: fresh.plannedSnapshot, preview: fresh.preview, previewed: fresh.previewed };
    const queryCtx = { ...ctx, reclaimable: (s: typeof snapshot, id: string) => (asked.push(made), fresh.reclaimableFor(s, id)), plannedSnapshot: fresh.plannedSnapshot };
    const runner = createQueryRunner({ ctx: queryCtx, builders: { ...BUILT_IN_BUILDERS, cleanup: cleanupBuilder(source) } });
    const [cost, cleanup, events] = await Promise.all([
      runner.run(snapshot, QueryRequest.parse({ queryType: 'cost' })).then((r) => r.result),
      runner.run(snapshot, QueryRequest.parse({ queryType: 'cleanup' })).then((r) => r.result),
      cleanupAnnotations(source)(snapshot, { from: NOW - 60 * DAY, to: NOW, limit: 100 }),
    ]);
    expect(asked.length).toBeGreaterThanOrEqual(3);
    expect(asked.every((wasMade) => wasMade)).toBe(true);
    expect(column(cost.frame, 'reclaimableBytes')).toContain(3 * MIB);
    expect(cleanup.frame.meta.notices?.[0]?.text).toContain(`Cleanup plan ${fresh.plan(snapshot).id.slice(0, 12)}`);
    expect(events.map((e) => e.tags[1])).toEqual(['blocked', 'delete']);
  });

  it('answers plan readers from the snapshot before, with its own plan, while a new snapshot’s plan is made', async () => {
    const fresh = createCleanupService({ config, inventory: fakeInventory(snapshot), prices: { defaultUsdPerGbMonth: 0.1 }, now: () => NOW });
    // Before any plan: the current snapshot, once its plan is made.
    expect(await fresh.plannedSnapshot(snapshot)).toBe(snapshot);
    const pushed = makeImage({ repository: api, tags: ['v0'], pushedAt: NOW - 50 * DAY });
    const next = makeSnapshot({
      version: snapshot.version + 1,
      repositories: snapshot.repositories,
      images: [...images, pushed],
      uses: snapshot.uses,
      layerSizes: snapshot.layerSizes,
      incomplete: snapshot.incomplete,
    });
    const source = { plan: fresh.plan, plannedSnapshot: fresh.plannedSnapshot, preview: fresh.preview, previewed: fresh.previewed };
    const queryCtx = { ...ctx, reclaimable: fresh.reclaimableFor, plannedSnapshot: fresh.plannedSnapshot };
    const runner = createQueryRunner({ ctx: queryCtx, builders: { ...BUILT_IN_BUILDERS, cleanup: cleanupBuilder(source) } });
    const cost = QueryRequest.parse({ queryType: 'cost' });
    const cleanup = QueryRequest.parse({ queryType: 'cleanup' });
    const range = { from: NOW - 60 * DAY, to: NOW, limit: 100 };

    const making = fresh.prepare(next);
    // Asked while it is made (each reader decides when called, before the plan's first step has run), each reader
    // answers from the earlier snapshot and its plan: never the new images with the old plan.
    const [answering, staleCost, staleCleanup, staleEvents, direct] = await Promise.all([
      fresh.plannedSnapshot(next),
      runner.run(next, cost),
      runner.run(next, cleanup),
      cleanupAnnotations(source)(next, range),
      executeQuery(next, cost, queryCtx),
    ]);
    expect(answering).toBe(snapshot);
    expect(direct.frame.meta.snapshotVersion).toBe(snapshot.version);
    expect(staleCost.result.frame.meta.snapshotVersion).toBe(snapshot.version);
    expect(staleCleanup.result.frame.meta.snapshotVersion).toBe(snapshot.version);
    expect(column(staleCleanup.result.frame, 'digest')).not.toContain(pushed.digest);
    expect(staleEvents.map((e) => e.digest).filter(Boolean)).toEqual([images[2]!.digest]);

    // Once made: the new snapshot, and no answer cached for the earlier one is served for it.
    await making;
    expect(await fresh.plannedSnapshot(next)).toBe(next);
    const [newCost, newCleanup, newEvents] = await Promise.all([runner.run(next, cost), runner.run(next, cleanup), cleanupAnnotations(source)(next, range)]);
    expect(newCost.cached).toBe(false);
    expect(newCost.result.frame.meta.snapshotVersion).toBe(next.version);
    expect(newCleanup.result.frame.meta.snapshotVersion).toBe(next.version);
    expect(column(newCleanup.result.frame, 'digest')).toContain(pushed.digest);
    expect(newEvents.map((e) => e.digest).filter(Boolean)).toContain(pushed.digest);
    // An older snapshot never answers for a newer one's reader once the newer plan is kept, nor the reverse.
    expect(await fresh.plannedSnapshot(snapshot)).toBe(snapshot);
  });

  it('does not make an earlier snapshot’s expired plan again while it answers for the served one', async () => {
    let clock = NOW;
    const inventory = fakeInventory(snapshot);
    const fresh = createCleanupService({ config, inventory, prices: { defaultUsdPerGbMonth: 0.1 }, now: () => clock, planTtlMs: 60_000 });
    await fresh.prepare(snapshot);
    const first = fresh.plan(snapshot);
    clock += 120_000;
    const next = makeSnapshot({ version: snapshot.version + 1, repositories: snapshot.repositories, images, layerSizes: snapshot.layerSizes });
    inventory.set(next);
    const making = fresh.prepare(next);
    expect(await fresh.plannedSnapshot(next)).toBe(snapshot);
    // Expired, and read: served as it is, nothing started (a prepare now makes it at its own time, joining nothing).
    expect(fresh.plan(snapshot)).toBe(first);
    clock += 1_000;
    await fresh.prepare(snapshot);
    expect(fresh.plan(snapshot).generatedAt).toBe(NOW + 121_000);
    await making;
  });

  it('plans a push’s snapshot as of the fresh plan before it, taking the plans of the repositories it did not change', async () => {
    let clock = NOW;
    const inventory = fakeInventory(snapshot);
    const prices = { defaultUsdPerGbMonth: 0.1 };
    const fresh = createCleanupService({ config, inventory, prices, now: () => clock, planTtlMs: 60_000 });
    await fresh.prepare(snapshot);
    const first = fresh.plan(snapshot);
    clock += 10_000;
    // A push to team/web: its list is made again, api's is the same array (as a targeted refresh makes it).
    const pushed = makeImage({ repository: web, tags: ['w2'], pushedAt: clock });
    const next = runNow(
      buildSnapshotSteps(snapshotInput({ version: snapshot.version + 1, repositories: snapshot.repositories, images: [...images, pushed], uses: snapshot.uses, incomplete: snapshot.incomplete, layerSizes: snapshot.layerSizes }), {
        base: snapshot,
        changed: new Set([web.id]),
        images: [images[3]!, pushed],
      }),
    );
    inventory.set(next);
    await fresh.prepare(next);
    const second = fresh.plan(next);
    const of = (plan: typeof first, id: string) => plan.repositories.find((r) => r.repository.id === id);
    expect(second.generatedAt).toBe(NOW);
    expect(of(second, api.id)).toBe(of(first, api.id));
    expect(of(second, web.id)).not.toBe(of(first, web.id));
    expect(of(second, web.id)!.summary.images).toBe(2);
    expect(second.id).toBe(planCleanup(next, config, NOW, { prices }).id);
    // It expires with the plan it was made as of: then it is served while made again, afresh.
    clock = NOW + 60_000;
    expect(fresh.plan(next)).toBe(second);
    await fresh.prepare(next);
    expect(fresh.plan(next).generatedAt).toBe(NOW + 60_000);
    expect(of(fresh.plan(next), api.id)).not.toBe(of(first, api.id));
  });

  it('answers from the snapshot before only while the new plan is on its way: after a failed make, the reader sees the failure', async () => {
    const fresh = createCleanupService({ config, inventory: fakeInventory(snapshot), prices: { defaultUsdPerGbMonth: 0.1 }, now: () => NOW });
    await fresh.prepare(snapshot);
    const next = makeSnapshot({ version: snapshot.version + 1, repositories: snapshot.repositories, images, layerSizes: snapshot.layerSizes });
    // A snapshot the planner cannot read.
    const broken = new Proxy(next, {
      get: (target, key, receiver) => {
        if (key === 'repositories') throw new Error('cannot plan this snapshot');
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const making = fresh.prepare(broken).then(
      () => 'made',
      () => 'failed',
    );
    expect(await fresh.plannedSnapshot(broken)).toBe(snapshot);
    expect(await making).toBe('failed');
    expect(await fresh.plannedSnapshot(broken)).toBe(broken);
    expect(() => fresh.plan(broken)).toThrow('cannot plan this snapshot');
  });

  it('makes the lifecycle preview in steps when first read, and serves an expired one while it is made again', async () => {
    let clock = NOW;
    const fresh = createCleanupService({ config, inventory: fakeInventory(snapshot), prices: { defaultUsdPerGbMonth: 0.1 }, now: () => clock, planTtlMs: 60_000 });
    const [first] = await Promise.all([fresh.previewed(snapshot).then(() => fresh.preview(snapshot)), fresh.previewed(snapshot)]);
    clock += 1_000;
    // Made when first asked for (its time), once: a second reader joined it, and preview() answers from it.
    expect(first.generatedAt).toBe(NOW);
    expect(fresh.preview(snapshot)).toBe(first);
    expect(first.repositories.map((r) => [r.repository.name, r.summary.expiring])).toEqual([['api', 2], ['team/web', 0]]);
    // Expired: served at once (not made again in one piece), and made again in the background.
    clock += 60_000;
    expect(fresh.preview(snapshot)).toBe(first);
    const frame = await createQueryRunner({ ctx, builders: { lifecycle: lifecycleBuilder(fresh) } }).run(snapshot, QueryRequest.parse({ queryType: 'lifecycle' }));
    expect(column(frame.result.frame, 'repository')).toEqual(['api', 'api']);
  });

  it('serves an expired plan while it plans again in the background', async () => {
    let clock = NOW;
    const aging = createCleanupService({ config, inventory: fakeInventory(snapshot), prices: { defaultUsdPerGbMonth: 0.1 }, now: () => clock, planTtlMs: 60_000 });
    const first = aging.plan();
    clock += 30_000;
    expect(aging.plan()).toBe(first);
    clock += 60_000;
    expect(aging.plan()).toBe(first);
    // The expired read started a replan: every prepare meanwhile joins that one promise instead of planning again.
    const replan = aging.prepare(snapshot);
    expect(aging.prepare(snapshot)).toBe(replan);
    await replan;
    const second = aging.plan();
    expect(second).not.toBe(first);
    expect(second.generatedAt).toBe(NOW + 90_000);
    expect(second.id).toBe(first.id);
  });

  it('re-derives each image plan reasons on demand, blocked reasons first', () => {
    const plan = service.plan();
    const webPlan = plan.repositories.find((r) => r.repository.id === web.id)!;
    const [only] = webPlan.images;
    expect(only!.decision).toBe('blocked');
    expect(only!.reasons.map((r) => r.code)).toEqual(['blocked-images', 'newest']);
    // Views are made on each read, yet say the same thing.
    expect(webPlan.images[0]!.reasons.map((r) => r.text)).toEqual(only!.reasons.map((r) => r.text));
    expect(JSON.parse(JSON.stringify(only))).toMatchObject({ decision: 'blocked', inUse: false, reclaimableBytes: 0, image: { digest: images[3]!.digest } });
  });
});

describe('plan selection', () => {
  const digests = (rows: readonly { image: { digest: string } }[]) => rows.map((r) => r.image.digest);

  it('pages without making every row, with and without row filters', () => {
    for (const filters of [{}, { decision: ['keep' as const] }, { untagged: false }]) {
      const selection = selectPlan(service.plan(), filters, NOW, snapshot);
      const all = selection.rows;
      expect(selection.total).toBe(all.length);
      for (const [offset, limit] of [[0, 1], [1, 2], [2, 10], [3, 1], [9, 5]] as const) {
        expect(digests(selection.page(offset, limit))).toEqual(digests(all.slice(offset, offset + limit)));
      }
    }
    expect(selectPlan(service.plan(), {}, NOW, snapshot).total).toBe(4);
    expect(digests(selectPlan(service.plan(), { decision: ['delete'] }, NOW, snapshot).rows)).toEqual([images[2]!.digest]);
  });
});
