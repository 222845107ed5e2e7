import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runQuery } from '../../src/query/engine.js';
import { hasImageFilters, repositoryPredicate } from '../../src/query/filters.js';
import { imageIndex, rowsWithDigest } from '../../src/query/columnar/image-index.js';
import type { QueryRequest } from '../../src/query/request.js';
import { selectPage, tableFrame } from '../../src/query/table.js';
import { imageColumns } from '../../src/query/types/images.js';
import { warmQueryIndexes } from '../../src/query/warm.js';
import type { Snapshot } from '../../src/snapshot/model.js';
import { filterInputArb, snapshotArb } from '../support/arbitraries.js';
import { ACCOUNT, DAY, makeSnapshot, NOW } from '../support/builders.js';
import { request, testContext } from '../support/frames.js';
import { referenceImageFilter } from '../support/image-filters.js';
import { sampleSnapshot } from '../support/sample.js';

const ctx = testContext();

const COLUMNS = imageColumns(makeSnapshot(), NOW).map((c) => c.name);

const requestArb = fc
  .record({
    // At most two filters, so that rows remain to sort.
    filters: filterInputArb(2),
    sort: fc.option(fc.record({ field: fc.constantFrom(...COLUMNS), order: fc.constantFrom('asc', 'desc') }), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 12 }),
    offset: fc.integer({ min: 0, max: 12 }),
    range: fc.option(fc.record({ from: fc.constant(NOW - 4 * DAY), to: fc.constant(NOW - DAY) }), { nil: undefined }),
  })
  .map((r) => request({ queryType: 'images', ...r }));

/** The images query the plain way: the reference filter per image, cells compared by tableFrame. */
function naiveImages(snapshot: Snapshot, req: QueryRequest) {
  const index = imageIndex(snapshot);
  const keep = referenceImageFilter(req.filters, NOW, snapshot, { scoped: true, ...(req.range ? { range: req.range } : {}) });
  const rows: number[] = [];
  for (let i = 0; i < index.images.length; i++) if (keep(index.images[i]!)) rows.push(i);
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
        const filtered = hasImageFilters(images.filters);
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
