import type { Snapshot } from '../../snapshot/model.js';
import type { Filters } from '../request.js';
import type { QueryRequest } from '../request.js';
import { repositoryPredicate } from '../filters.js';
import { pageBy } from './row-order.js';
import { inventoryNotices } from '../notices.js';
import type { Cell, Column, Notice } from '../table.js';
import { compareCells, resolveSort } from '../table.js';
import { derivedOf, slot } from '../../snapshot/derived.js';

/**
 * Tables with one row per repository (repositories, cost, severity), where a row is the repository's
 * index in snapshot.repositories. In a snapshot of a million images, every object hop is a cache miss,
 * so filters and sorts read typed per-repository arrays and only the page's cells touch objects.
 */
export interface RepositoryColumn<N extends string = string> extends Column<number, N> {
  /** Numeric sort key (NaN = null). Without it, the column is sorted by ranks of its cells, kept per snapshot. */
  readonly key?: (row: number) => number;
}

const ALL_REPOSITORIES = slot<Int32Array>('every repository row');

/** Rows (repository indices, ascending) the registry, region and repository filters keep. */
export function keptRepositories(snapshot: Snapshot, filters: Filters): Int32Array {
  if (!filters.registry && !filters.region && !filters.repository) {
    return derivedOf(snapshot).get(ALL_REPOSITORIES, undefined, () => Int32Array.from(snapshot.repositories.keys()));
  }
  const keep = repositoryPredicate(filters);
  const rows: number[] = [];
  snapshot.repositories.forEach((repository, r) => {
    if (keep(repository)) rows.push(r);
  });
  return Int32Array.from(rows);
}

const INCOMPLETE_REPOSITORIES = slot<Int32Array>('incomplete repository rows');

/** inventoryNotices for the given rows, looking only at the (few) repositories with incomplete data. */
export function repositoryNotices(snapshot: Snapshot, rows: ArrayLike<number>, filters: Filters): Notice[] {
  const incomplete = derivedOf(snapshot).get(INCOMPLETE_REPOSITORIES, undefined, () =>
    Int32Array.from(snapshot.repositories.flatMap((r, k) => ((snapshot.incompleteByRepository.get(r.id)?.length ?? 0) > 0 ? [k] : []))),
  );
  const kept = new Uint8Array(snapshot.repositories.length);
  for (let k = 0; k < rows.length; k++) kept[rows[k]!] = 1;
  const ids: string[] = [];
  for (const r of incomplete) if (kept[r]) ids.push(snapshot.repositories[r]!.id);
  return inventoryNotices(snapshot, ids, filters);
}

/** Ranks of a repository table's column, by `table.column`. */
const CELL_RANKS = slot<Float64Array, string>('repository cell ranks');

/** Ranks of a column's cells over every repository (equal cells share a rank; null is NaN), once per snapshot. */
function cellRanks(snapshot: Snapshot, table: string, column: Column<number>): Float64Array {
  return derivedOf(snapshot).get(CELL_RANKS, `${table}.${column.name}`, () => {
    const cells: Cell[] = snapshot.repositories.map((_, r) => column.value(r));
    const distinct = [...new Set(cells.filter((c) => c !== null))].sort(compareCells);
    const rankOf = new Map<Cell, number>(distinct.map((c, k) => [c, k]));
    return Float64Array.from(cells, (c) => (c === null ? NaN : rankOf.get(c)!));
  });
}

/**
 * The page of `rows` (ascending repository indices) a request asks for. Columns without a numeric
 * key must read only the snapshot (not the clock or the request): their ranks are kept per snapshot.
 */
export function repositoryPage(
  snapshot: Snapshot,
  table: string,
  columns: readonly RepositoryColumn[],
  rows: Int32Array,
  request: QueryRequest,
  defaultSort?: { readonly field: string; readonly order: 'asc' | 'desc' },
): number[] {
  const sort = resolveSort(columns, request, defaultSort);
  const k = Math.min(rows.length, request.offset + request.limit);
  if (k <= request.offset) return [];
  if (!sort) return Array.from(rows.subarray(request.offset, k));
  const column = sort.column as RepositoryColumn;
  let key = column.key;
  if (!key) {
    const ranks = cellRanks(snapshot, table, column);
    key = (r) => ranks[r]!;
  }
  return pageBy(rows.slice(), key, sort.order === 'asc' ? 1 : -1, request.offset, k);
}
