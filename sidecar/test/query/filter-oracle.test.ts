/**
 * One image-filter semantics: every path that filters images selects exactly the images the plain
 * reference filter (test/support/image-filters.ts) selects, over random snapshots and filters.
 * Paths: the images query, severity per image, the cleanup plan (query frame and selection, which the
 * HTTP plan route serves) and the lifecycle preview. The plan and the preview answer inUse and cluster
 * from their own rows (the plan's in-use honours its rules' windows); every other filter is the reference's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { cleanupBuilder, lifecycleBuilder } from '../../src/cleanup/plan/frames.js';
import { selectPlan } from '../../src/cleanup/plan/select.js';
import { createCleanupService } from '../../src/cleanup/service.js';
import { runQuery } from '../../src/query/engine.js';
import type { Frame } from '../../src/query/frame.js';
import { Filters } from '../../src/query/request.js';
import type { Image, Repository, Snapshot } from '../../src/snapshot/model.js';
import { filterInputArb, snapshotArb } from '../support/arbitraries.js';
import { fakeInventory, NOW } from '../support/builders.js';
import { request, testContext, values } from '../support/frames.js';
import { referenceImageFilter } from '../support/image-filters.js';

const ctx = testContext();
const ALL = 10_000;
const config = CleanupConfig.parse({
  defaultRule: { keepMinImageCount: 1, keepIfUsedWithinDays: 2, untagged: { keepMinImageCount: 0 } },
});

const key = (repository: Pick<Repository, 'accountId' | 'region' | 'name'>, digest: string): string =>
  `${repository.accountId}/${repository.region}/${repository.name}@${digest}`;
const imageKey = (snapshot: Snapshot, image: Image): string =>
  key(snapshot.repositoryById.get(image.repositoryId)!, image.digest);

/** The frame's rows as sorted keys. */
function frameKeys(frame: Frame): string[] {
  const [account, region, repository, digest] = ['account', 'region', 'repository', 'digest'].map((name) =>
    values(frame, name),
  );
  return digest!
    .map((d, i) =>
      key(
        { accountId: account![i] as string, region: region![i] as string, name: repository![i] as string },
        d as string,
      ),
    )
    .sort();
}

/** The snapshot's images the reference keeps, as sorted keys; `plain` drops the filters a plan answers itself. */
function expected(snapshot: Snapshot, filters: Filters, extra: (image: Image) => boolean = () => true): string[] {
  const keep = referenceImageFilter(filters, NOW, snapshot, { scoped: true });
  return snapshot.images
    .filter((image) => keep(image) && extra(image))
    .map((image) => imageKey(snapshot, image))
    .sort();
}

/** The filters without those that plan and preview rows answer from their own in-use. */
const withoutInUse = ({ inUse: _inUse, cluster: _cluster, ...rest }: Filters): Filters => rest;

const cases = fc.record({ snapshot: snapshotArb, input: filterInputArb(3) });

/** Checks a path over random cases; `check` returns how many images it selected, so both outcomes are seen. */
function property(
  numRuns: number,
  check: (snapshot: Snapshot, input: Record<string, unknown>, filters: Filters) => number,
): void {
  let selected = 0;
  fc.assert(
    fc.property(cases, ({ snapshot, input }) => {
      selected += check(snapshot, input, Filters.parse(input));
    }),
    { numRuns },
  );
  expect(selected).toBeGreaterThan(0);
}

const serviceFor = (snapshot: Snapshot) =>
  createCleanupService({ config, inventory: fakeInventory(snapshot), prices: ctx.prices, now: () => NOW });

/** inUse and cluster as a plan or preview row answers them (no row: not selected). */
const ownInUse = (
  filters: Filters,
  row: { readonly inUse: boolean; readonly clusters: readonly string[] } | undefined,
): boolean =>
  row !== undefined &&
  (filters.inUse === undefined || row.inUse === filters.inUse) &&
  (!filters.cluster || row.clusters.some((c) => filters.cluster!.includes(c)));

describe('every path that filters images agrees with the reference filter', () => {
  it('images query and severity per image', () => {
    property(400, (snapshot, input, filters) => {
      const want = expected(snapshot, filters);
      expect(
        frameKeys(runQuery(snapshot, request({ queryType: 'images', filters: input, limit: ALL }), ctx).frame),
      ).toEqual(want);
      const severity = runQuery(
        snapshot,
        request({ queryType: 'severity', filters: { ...input, level: 'image' }, limit: ALL }),
        ctx,
      ).frame;
      expect(frameKeys(severity)).toEqual(want);
      return want.length;
    });
  });

  it('the cleanup plan: the query frame and the selection the plan route serves', () => {
    property(300, (snapshot, input, filters) => {
      const service = serviceFor(snapshot);
      const plan = service.plan(snapshot);
      const rows = new Map(
        plan.repositories.flatMap((r) =>
          r.images.map((p) => [imageKey(snapshot, p.image), { inUse: p.inUse, clusters: [...p.clusters] }] as const),
        ),
      );
      const want = expected(snapshot, withoutInUse(filters), (image) =>
        ownInUse(filters, rows.get(imageKey(snapshot, image))),
      );
      const selection = selectPlan(plan, filters, NOW, snapshot);
      expect(selection.rows.map((p) => imageKey(snapshot, p.image)).sort()).toEqual(want);
      expect(selection.total).toBe(want.length);
      const frame = cleanupBuilder(service).build(
        snapshot,
        request({ queryType: 'cleanup', filters: input, limit: ALL }),
        ctx,
      );
      expect(frameKeys(frame)).toEqual(want);
      return want.length;
    });
  });

  it('the lifecycle preview', () => {
    property(300, (snapshot, input, filters) => {
      const service = serviceFor(snapshot);
      const actions = new Map(
        service
          .preview(snapshot)
          .repositories.flatMap((r) => r.actions.map((a) => [imageKey(snapshot, a.image), a] as const)),
      );
      const want = expected(snapshot, withoutInUse(filters), (image) =>
        ownInUse(filters, actions.get(imageKey(snapshot, image))),
      );
      const frame = lifecycleBuilder(service).build(
        snapshot,
        request({ queryType: 'lifecycle', filters: input, limit: ALL }),
        ctx,
      );
      expect(frameKeys(frame)).toEqual(want);
      return want.length;
    });
  });
});
