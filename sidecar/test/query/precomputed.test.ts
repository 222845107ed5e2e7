import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runQuery } from '../../src/query/engine.js';
import { imagePredicate, repositoryPredicate } from '../../src/query/filters.js';
import { imageIndex, rowsWithDigest } from '../../src/query/image-index.js';
import type { QueryRequest } from '../../src/query/request.js';
import { selectPage, tableFrame } from '../../src/query/table.js';
import { imageColumns } from '../../src/query/types/images.js';
import { effectiveUses, usesOf } from '../../src/query/uses.js';
import { warmQueryIndexes } from '../../src/query/warm.js';
import { lastUse } from '../../src/snapshot/last-used.js';
import { imageFilter } from '../../src/cleanup/plan/select.js';
import type { Image, ImageUse, Repository, Snapshot } from '../../src/snapshot/model.js';
import { IMAGE_KINDS, SCAN_STATES, SEVERITIES } from '../../src/snapshot/model.js';
import { ACCOUNT, completeScan, DAY, makeImage, makeRepository, makeSnapshot, makeUse, NOT_SCANNED, NOW, OTHER_ACCOUNT } from '../support/builders.js';
import { request, testContext } from '../support/frames.js';
import { sampleSnapshot } from '../support/sample.js';

const ctx = testContext();

/** Few distinct values, so sorts meet many ties and nulls. */
const imageArb = fc.record({
  seed: fc.integer({ min: 0, max: 30 }),
  tags: fc.subarray(['v1', 'v2', 'latest', 'dev-1']),
  kind: fc.constantFrom(...IMAGE_KINDS),
  pushedDay: fc.integer({ min: 0, max: 6 }),
  pulledHours: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  size: fc.integer({ min: 0, max: 4 }),
  counts: fc.option(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }), { nil: undefined }),
  used: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
  // A task stopped this many hours ago, and a use the ledger last saw this many days ago.
  stoppedHours: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
  rememberedDays: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
});

const snapshotArb = fc
  .array(
    fc.record({
      name: fc.constantFrom('api', 'web', 'team/api', 'b'),
      other: fc.boolean(),
      images: fc.uniqueArray(imageArb, { maxLength: 12, selector: (i) => i.seed }),
    }),
    { maxLength: 5 },
  )
  .map((specs): Snapshot => {
    const repositories: Repository[] = [];
    const images: Image[] = [];
    const uses: ImageUse[] = [];
    const remembered: ImageUse[] = [];
    for (const spec of specs) {
      const repository = makeRepository({ name: spec.name, accountId: spec.other ? OTHER_ACCOUNT : ACCOUNT });
      if (repositories.some((r) => r.id === repository.id)) continue;
      repositories.push(repository);
      for (const [k, i] of spec.images.entries()) {
        // An index lists the next two images of its repository, so uses reach children through it.
        const children = i.kind === 'index' ? spec.images.slice(k + 1, k + 3).map((c) => makeImage({ repository, seed: `shared-${c.seed}` }).digest) : [];
        const image = makeImage({
          repository,
          seed: `shared-${i.seed}`,
          tags: i.tags,
          kind: i.kind,
          pushedAt: NOW - i.pushedDay * DAY,
          ...(i.pulledHours !== undefined ? { lastPulledAt: NOW - i.pulledHours * 3_600_000 } : {}),
          sizeBytes: i.size * 1000,
          scan: i.counts ? completeScan(Object.fromEntries(SEVERITIES.map((s, k) => [s, i.counts![k]!]))) : NOT_SCANNED,
          children,
        });
        images.push(image);
        const byDigest = { accountId: repository.accountId, reference: `${repository.uri}@${image.digest}`, digest: image.digest };
        if (i.used) uses.push(makeUse({ cluster: i.used, ...byDigest }));
        if (i.stoppedHours !== undefined) uses.push(makeUse({ kind: 'stopped-task', cluster: 'a', task: `t${i.seed}`, at: NOW - i.stoppedHours * 3_600_000, ...byDigest }));
        if (i.rememberedDays !== undefined) remembered.push(makeUse({ kind: 'pod', namespace: 'ns', pod: `p${i.seed}`, firstSeenAt: NOW - 30 * DAY, lastSeenAt: NOW - i.rememberedDays * DAY, ...byDigest }));
      }
    }
    return makeSnapshot({ repositories, images, uses, remembered });
  });

const COLUMNS = imageColumns(makeSnapshot(), NOW).map((c) => c.name);

const requestArb = fc
  .record({
    filters: fc.record(
      {
        registry: fc.constant(ACCOUNT),
        repository: fc.constantFrom('api', '*api', 'b', '{web,b}'),
        tag: fc.constantFrom('v*', 'latest', 'dev-?'),
        minSeverity: fc.constantFrom(...SEVERITIES),
        scanState: fc.subarray([...SCAN_STATES], { minLength: 1 }),
        kind: fc.subarray([...IMAGE_KINDS], { minLength: 1 }),
        pushedBefore: fc.integer({ min: 0, max: 7 }).map((d) => NOW - d * DAY),
        pushedAfter: fc.integer({ min: 0, max: 7 }).map((d) => NOW - d * DAY),
        pulledBefore: fc.integer({ min: 0, max: 100 }).map((h) => NOW - h * 3_600_000),
        pulledAfter: fc.integer({ min: 0, max: 100 }).map((h) => NOW - h * 3_600_000),
        olderThanDays: fc.integer({ min: 0, max: 7 }),
        notPulledForDays: fc.integer({ min: 0, max: 5 }),
        notUsedForDays: fc.integer({ min: 0, max: 7 }),
        inUse: fc.boolean(),
        untagged: fc.boolean(),
        cluster: fc.constantFrom('a', 'b'),
      },
      { requiredKeys: [] },
    )
    // At most two filters, so that rows remain to sort.
    .chain((all) => fc.subarray(Object.keys(all), { maxLength: 2 }).map((keys) => Object.fromEntries(keys.map((k) => [k, all[k as keyof typeof all]])))),
    sort: fc.option(fc.record({ field: fc.constantFrom(...COLUMNS), order: fc.constantFrom('asc', 'desc') }), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 12 }),
    offset: fc.integer({ min: 0, max: 12 }),
    range: fc.option(fc.record({ from: fc.constant(NOW - 4 * DAY), to: fc.constant(NOW - DAY) }), { nil: undefined }),
  })
  .map((r) => request({ queryType: 'images', ...r }));

/** The images query the plain way: a predicate per row, cells compared by tableFrame. */
function naiveImages(snapshot: Snapshot, req: QueryRequest) {
  const index = imageIndex(snapshot);
  const uses = effectiveUses(snapshot);
  const keepRepository = repositoryPredicate(req.filters);
  const keep = imagePredicate(req.filters, NOW, index, (image) => usesOf(uses, image), (image) => lastUse(snapshot, image)?.at, req.range);
  const rows: number[] = [];
  for (let i = 0; i < index.images.length; i++) if (keepRepository(snapshot.repositories[index.repoOf[i]!]!) && keep(i)) rows.push(i);
  return tableFrame({ name: 'images', columns: imageColumns(snapshot, NOW), rows, request: req, snapshotVersion: snapshot.version });
}

describe('precomputed indexes agree with the plain computation', () => {
  it('images: masks, kept orders, repository walks and heaps page exactly as predicate + tableFrame', () => {
    fc.assert(
      fc.property(snapshotArb, requestArb, (snapshot, req) => {
        const fast = runQuery(snapshot, req, ctx).frame;
        const naive = naiveImages(snapshot, req);
        expect(fast.meta.totalRows).toBe(naive.meta.totalRows);
        expect(fast.fields).toEqual(naive.fields);
      }),
      { numRuns: 400 },
    );
  });

  it('severity per repository: sums kept once per snapshot equal sums over the filtered images', () => {
    fc.assert(
      fc.property(snapshotArb, requestArb, (snapshot, images) => {
        const req = request({ queryType: 'severity', filters: images.filters, limit: 10_000 });
        const frame = runQuery(snapshot, req, ctx).frame;
        const naive = naiveImages(snapshot, { ...images, sort: undefined, range: undefined, limit: 10_000, offset: 0 });
        const names = naive.fields.find((f) => f.name === 'repository')!.values;
        const accounts = naive.fields.find((f) => f.name === 'account')!.values;
        const critical = naive.fields.find((f) => f.name === 'critical')!.values;
        const filtered = Object.values(images.filters).some((v) => v !== undefined && v !== images.filters.registry && v !== images.filters.repository);
        const keep = repositoryPredicate(req.filters);
        const expected = snapshot.repositories
          .filter(keep)
          .map((r) => {
            const mine = names.map((n, k) => (n === r.name && accounts[k] === r.accountId ? k : -1)).filter((k) => k >= 0);
            const known = mine.filter((k) => critical[k] !== null);
            return { repository: r.name, images: mine.length, critical: known.length > 0 ? known.reduce((sum, k) => sum + (critical[k] as number), 0) : null };
          })
          .filter((row) => !filtered || row.images > 0);
        const field = (n: string) => frame.fields.find((f) => f.name === n)!.values;
        expect(field('repository')).toEqual(expected.map((r) => r.repository));
        expect(field('images')).toEqual(expected.map((r) => r.images));
        expect(field('critical')).toEqual(expected.map((r) => r.critical));
      }),
      { numRuns: 200 },
    );
  });

  it('repositories, cost and severity: typed keys and kept ranks sort and page as selectPage over the cells', () => {
    const tables = { repositories: [] as string[], cost: [] as string[], severity: [] as string[] };
    for (const type of Object.keys(tables) as (keyof typeof tables)[]) {
      tables[type] = runQuery(sampleSnapshot(), request({ queryType: type }), ctx).frame.fields.map((f) => f.name);
    }
    const reclaimable = testContext({ reclaimable: (_s, id) => (id.endsWith('/api') ? { bytes: 5, images: 1, monthlyUsd: 0.5 } : id.endsWith('/b') ? { bytes: 5, images: 2, monthlyUsd: 0.1 } : undefined) });
    const arb = fc.record({
      type: fc.constantFrom(...(Object.keys(tables) as (keyof typeof tables)[])),
      order: fc.constantFrom('asc', 'desc'),
      column: fc.nat(),
      limit: fc.integer({ min: 1, max: 6 }),
      offset: fc.integer({ min: 0, max: 6 }),
      filters: fc.constantFrom({}, { registry: ACCOUNT }, { repository: '*a*' }, { notPulledForDays: 1 }, { tag: 'v*' }, { minSeverity: 'LOW' }),
    });
    fc.assert(
      fc.property(snapshotArb, arb, (snapshot, q) => {
        const columns = tables[q.type];
        const field = columns[q.column % columns.length]!;
        const applies = (name: string) => (q.type === 'repositories' ? !['tag', 'minSeverity'].includes(name) : q.type === 'cost' ? ['registry', 'repository'].includes(name) : true);
        const filters = Object.fromEntries(Object.entries(q.filters).filter(([name]) => applies(name)));
        const c = q.type === 'cost' ? reclaimable : ctx;
        const unsorted = runQuery(snapshot, request({ queryType: q.type, filters, limit: 10_000 }), c).frame;
        const sorted = runQuery(snapshot, request({ queryType: q.type, filters, sort: { field, order: q.order }, limit: q.limit, offset: q.offset }), c).frame;
        const keys = unsorted.fields.find((f) => f.name === field)!.values as (string | number | boolean | null)[];
        const picked = selectPage(keys, q.order, q.offset, q.limit);
        expect(sorted.meta.totalRows).toBe(unsorted.meta.totalRows);
        for (const f of sorted.fields) expect(f.values).toEqual(picked.map((k) => unsorted.fields.find((u) => u.name === f.name)!.values[k]));
      }),
      { numRuns: 300 },
    );
  });

  it('notUsedForDays: the mask, the reference predicate and the cleanup filter agree (remembered uses and index children included)', () => {
    // Other filters that the cleanup copy applies itself (inUse and cluster come from the plan rows instead).
    const arb = fc.record({
      days: fc.integer({ min: 0, max: 8 }),
      other: fc.constantFrom({}, { tag: 'v*' }, { kind: ['index', 'image'] }, { notPulledForDays: 2 }, { untagged: true }, { olderThanDays: 3 }),
      sort: fc.option(fc.record({ field: fc.constantFrom('lastUsedAt', 'lastUsedBy', 'digest'), order: fc.constantFrom('asc', 'desc') }), { nil: undefined }),
    });
    let kept = 0;
    let dropped = 0;
    fc.assert(
      fc.property(snapshotArb, arb, (snapshot, q) => {
        const req = request({ queryType: 'images', filters: { notUsedForDays: q.days, ...q.other }, sort: q.sort, limit: 12 });
        const fast = runQuery(snapshot, req, ctx).frame;
        const naive = naiveImages(snapshot, req);
        expect(fast.meta.totalRows).toBe(naive.meta.totalRows);
        expect(fast.fields).toEqual(naive.fields);
        const index = imageIndex(snapshot);
        const uses = effectiveUses(snapshot);
        const reference = imagePredicate(req.filters, NOW, index, (image) => usesOf(uses, image), (image) => lastUse(snapshot, image)?.at);
        const plan = imageFilter(req.filters, NOW, snapshot);
        index.images.forEach((image, row) => {
          const want = reference(row);
          expect(plan(image)).toBe(want);
          if (want) kept++;
          else dropped++;
        });
      }),
      { numRuns: 300 },
    );
    // Both outcomes were exercised.
    expect(kept).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
  });

  it('finds every image of a digest through the lookup, across repositories', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const index = imageIndex(snapshot);
        for (const image of index.images) {
          const expected = index.images.flatMap((other, i) => (other.digest === image.digest ? [i] : []));
          expect(rowsWithDigest(index, image.digest)).toEqual(expected);
        }
        expect(rowsWithDigest(index, 'sha256:none')).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('answers the same after warmQueryIndexes as when built lazily', async () => {
    const requests = [
      { queryType: 'repositories', sort: { field: 'monthlyCostUsd', order: 'desc' } },
      { queryType: 'cost' },
      { queryType: 'severity' },
      { queryType: 'images', sort: { field: 'daysSinceLastPull', order: 'asc' } },
      { queryType: 'usage' },
    ].map((r) => request(r));
    const lazy = sampleSnapshot();
    const warm = sampleSnapshot();
    await warmQueryIndexes(warm, ctx.prices);
    for (const r of requests) expect(runQuery(warm, r, ctx)).toEqual(runQuery(lazy, r, ctx));
  });
});
