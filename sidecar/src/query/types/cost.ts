import { QUERY_FILTERS, type FieldName } from '@ecr-lens/contract';
import type { Reclaimable, RepositoryCost } from '../../cost/cost.js';
import { repositoryCost } from '../../cost/cost.js';
import type { PriceTable } from '../../cost/pricing.js';
import type { Repository, Snapshot } from '../../snapshot/model.js';
import type { FrameBuilder } from '../builder.js';
import { DESCRIBE } from '../descriptions.js';
import type { RepositoryColumn } from '../columnar/repository-table.js';
import { keptRepositories, repositoryNotices, repositoryPage } from '../columnar/repository-table.js';
import type { Column, Notice } from '../table.js';
import { pagedFrame } from '../table.js';
import { derivedOf, slot } from '../../snapshot/derived.js';

export interface CostRow {
  readonly repository: Repository;
  readonly cost: RepositoryCost;
  readonly reclaimable: Reclaimable | undefined;
}

const RECLAIM = 'What the cleanup plan would free in this repository; null until a cleanup plan is available.';

export const COST_COLUMNS: readonly Column<CostRow, FieldName<'cost'>>[] = [
  { name: 'account', type: 'string', description: DESCRIBE.account, value: (r) => r.repository.accountId },
  { name: 'region', type: 'string', description: DESCRIBE.region, value: (r) => r.repository.region },
  { name: 'repository', type: 'string', description: DESCRIBE.repository, value: (r) => r.repository.name },
  { name: 'imageCount', type: 'number', description: 'All manifests in the repository, archived ones included.', value: (r) => r.cost.imageCount },
  { name: 'summedSizeBytes', type: 'number', unit: 'bytes', description: DESCRIBE.summedSizeBytes, value: (r) => r.cost.summedSizeBytes },
  { name: 'deduplicatedSizeBytes', type: 'number', unit: 'bytes', description: DESCRIBE.deduplicatedSizeBytes, value: (r) => r.cost.deduplicatedSizeBytes },
  { name: 'monthlyCostUsd', type: 'number', unit: 'currencyUSD', decimals: 2, description: DESCRIBE.monthlyCostUsd, value: (r) => r.cost.monthlyCostUsd },
  { name: 'pricePerGbMonth', type: 'number', unit: 'currencyUSD', decimals: 3, description: DESCRIBE.pricePerGbMonth, value: (r) => r.cost.pricePerGbMonth },
  { name: 'archivedImageCount', type: 'number', description: 'Images in the archive storage class (billed too, and included above).', value: (r) => r.cost.archivedImageCount },
  { name: 'archivedSummedSizeBytes', type: 'number', unit: 'bytes', description: 'Sum of imageSizeInBytes of the archived images.', value: (r) => r.cost.archivedSummedSizeBytes },
  { name: 'deduplicatedComplete', type: 'boolean', description: 'False when some images lacked layer data and were counted at their imageSizeInBytes (or not at all, when ECR did not report it).', value: (r) => r.cost.deduplicatedComplete },
  {
    name: 'imagesWithoutSize',
    type: 'number',
    description: 'Images (not indexes) whose imageSizeInBytes ECR did not report: unknown, so left out of summedSizeBytes (and of the deduplicated size when their layers are unknown too). 0 when every size is known.',
    value: (r) => r.cost.imagesWithoutSize,
  },
  { name: 'reclaimableBytes', type: 'number', unit: 'bytes', description: RECLAIM, value: (r) => r.reclaimable?.bytes ?? null },
  { name: 'reclaimableImages', type: 'number', description: RECLAIM, value: (r) => r.reclaimable?.images ?? null },
  { name: 'reclaimableMonthlyUsd', type: 'number', unit: 'currencyUSD', decimals: 2, description: RECLAIM, value: (r) => r.reclaimable?.monthlyUsd ?? null },
];

export const COST_ROWS = slot<readonly CostRow[], PriceTable>('cost rows');

/** Every repository's cost row (without reclaimable figures), once per snapshot and price table. */
export function costRows(snapshot: Snapshot, prices: PriceTable): readonly CostRow[] {
  return derivedOf(snapshot).get(COST_ROWS, prices, () =>
    snapshot.repositories.map((repository) => ({ repository, cost: repositoryCost(snapshot, repository.id, prices), reclaimable: undefined })),
  );
}

const RECLAIM_FIELDS: Readonly<Record<string, keyof Reclaimable>> = { reclaimableBytes: 'bytes', reclaimableImages: 'images', reclaimableMonthlyUsd: 'monthlyUsd' };

export interface CostFacts {
  /** Typed sort keys of the numeric cost columns, per repository. */
  readonly keys: Readonly<Record<string, Float64Array>>;
  readonly withoutLayers: Float64Array;
  readonly withoutSize: Float64Array;
}

const COST_FACTS = slot<CostFacts, PriceTable>('cost sort keys');

/** Built by the warm-up too: at 5,000 repositories the first cost query would otherwise pay for it. */
export function costFacts(snapshot: Snapshot, prices: PriceTable): CostFacts {
  return derivedOf(snapshot).get(COST_FACTS, prices, () => {
    const rows = costRows(snapshot, prices);
    const keys: Record<string, Float64Array> = {};
    for (const c of COST_COLUMNS) {
      if (c.type !== 'number' || RECLAIM_FIELDS[c.name]) continue;
      keys[c.name] = Float64Array.from(rows, (row) => (c.value(row) as number | null) ?? NaN);
    }
    return {
      keys,
      withoutLayers: Float64Array.from(rows, (row) => (row.cost.deduplicatedComplete ? 0 : row.cost.imagesWithoutLayers)),
      withoutSize: Float64Array.from(rows, (row) => row.cost.imagesWithoutSize),
    };
  });
}

/** Warnings for the size figures of the rows that are lower bounds: images without layer data, or without a size. */
function sizeNotices(facts: CostFacts, rows: Iterable<number>): Notice[] {
  let layersPartial = 0;
  let layersImages = 0;
  let sizePartial = 0;
  let sizeImages = 0;
  for (const r of rows) {
    if (facts.withoutLayers[r]! > 0) {
      layersPartial += 1;
      layersImages += facts.withoutLayers[r]!;
    }
    if (facts.withoutSize[r]! > 0) {
      sizePartial += 1;
      sizeImages += facts.withoutSize[r]!;
    }
  }
  const notices: Notice[] = [];
  if (layersPartial > 0) {
    notices.push({
      severity: 'warning',
      text: `Deduplicated size incomplete: ${layersImages} image(s) in ${layersPartial} repository(ies) lack layer data and were counted at their imageSizeInBytes.`,
    });
  }
  if (sizePartial > 0) {
    notices.push({
      severity: 'warning',
      text: `Summed size incomplete: ECR did not report the size of ${sizeImages} image(s) in ${sizePartial} repository(ies); they are left out, not counted as 0.`,
    });
  }
  return notices;
}

/** One row per repository: both sizes, the monthly cost, and what cleanup could reclaim. Filters: registry, region, repository. */
export const costBuilder: FrameBuilder = {
  filters: QUERY_FILTERS.cost,
  usesRange: false,
  answering: (current, ctx) => ctx.plannedSnapshot?.(current) ?? Promise.resolve(current),
  build(snapshot, request, ctx) {
    const all = costRows(snapshot, ctx.prices);
    const facts = costFacts(snapshot, ctx.prices);
    const provider = ctx.reclaimable;
    // Reclaimable figures come from the cleanup plan; asked only for rows that are shown or sorted on.
    const reclaimed = new Map<number, Reclaimable | undefined>();
    const reclaimable = (r: number): Reclaimable | undefined => {
      if (!provider) return undefined;
      if (!reclaimed.has(r)) reclaimed.set(r, provider(snapshot, all[r]!.repository.id));
      return reclaimed.get(r);
    };
    const columns = COST_COLUMNS.map((c): RepositoryColumn => {
      const typed = Object.hasOwn(facts.keys, c.name) ? facts.keys[c.name] : undefined;
      const reclaim = RECLAIM_FIELDS[c.name];
      const value: RepositoryColumn['value'] = reclaim ? (r) => reclaimable(r)?.[reclaim] ?? null : (r) => c.value(all[r]!);
      return Object.assign({}, c, { value }, typed ? { key: (r: number) => typed[r]! } : reclaim ? { key: (r: number) => reclaimable(r)?.[reclaim] ?? NaN } : {});
    });
    const rows = keptRepositories(snapshot, request.filters);
    const page = repositoryPage(snapshot, 'cost', columns, rows, request);
    const notices: Notice[] = [...repositoryNotices(snapshot, rows, request.filters), ...sizeNotices(facts, rows)];
    return pagedFrame({ name: 'cost', columns, page, total: rows.length, snapshotVersion: snapshot.version, notices });
  },
};
