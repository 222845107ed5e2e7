import { FIELD_TITLES, type AnyFieldName } from '@ecr-lens/contract';
import type { Field, FieldType, Frame } from './frame.js';
import type { QueryRequest } from './request.js';
import { queryError } from './errors.js';

export type Cell = string | number | boolean | null;

/**
 * Grafana's unit for a count of days: "343 days". Grafana's `d` is a duration, which it shows as "49.1 weeks".
 */
export const DAYS = 'suffix:days';

/** One column of a table frame: how to read it from a row, and how to describe it. `N`: the frame's field names (the contract's FRAME_FIELDS). */
export interface Column<R, N extends string = string> {
  readonly name: N;
  readonly type: FieldType;
  readonly description: string;
  readonly unit?: string;
  readonly decimals?: number;
  readonly value: (row: R) => Cell;
}

export type Notice = { readonly severity: 'info' | 'warning'; readonly text: string };

export interface TableFrameInput<R> {
  readonly name: string;
  readonly columns: readonly Column<R>[];
  readonly rows: readonly R[];
  readonly request: QueryRequest;
  readonly snapshotVersion: number;
  readonly notices?: readonly Notice[];
  /** Order applied when the request has no sort, as a column name. Rows are otherwise kept as given. */
  readonly defaultSort?: { readonly field: string; readonly order: 'asc' | 'desc' };
}

/** Nulls sort last in both orders; numbers numerically, strings by code point, false before true. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Indices of the rows on the requested page, in order. Uses a bounded heap when the page is near the top. */
export function selectPage(keys: readonly Cell[], order: 'asc' | 'desc', offset: number, limit: number): number[] {
  const n = keys.length;
  const sign = order === 'asc' ? 1 : -1;
  const cmp = (i: number, j: number): number => {
    const a = keys[i]!;
    const b = keys[j]!;
    if (a === null || b === null) return compareCells(a, b) || i - j;
    return sign * compareCells(a, b) || i - j;
  };
  const k = Math.min(n, offset + limit);
  if (k === 0) return [];
  if (k * 4 >= n) {
    const all = Array.from({ length: n }, (_, i) => i);
    all.sort(cmp);
    return all.slice(offset, k);
  }
  // Max-heap of the k best rows: the root is the worst kept row.
  const heap: number[] = [];
  const siftUp = (pos: number): void => {
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (cmp(heap[pos]!, heap[parent]!) <= 0) break;
      [heap[pos], heap[parent]] = [heap[parent]!, heap[pos]!];
      pos = parent;
    }
  };
  const siftDown = (pos: number): void => {
    for (;;) {
      const l = 2 * pos + 1;
      const r = l + 1;
      let worst = pos;
      if (l < heap.length && cmp(heap[l]!, heap[worst]!) > 0) worst = l;
      if (r < heap.length && cmp(heap[r]!, heap[worst]!) > 0) worst = r;
      if (worst === pos) return;
      [heap[pos], heap[worst]] = [heap[worst]!, heap[pos]!];
      pos = worst;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i);
      siftUp(heap.length - 1);
    } else if (cmp(i, heap[0]!) < 0) {
      heap[0] = i;
      siftDown(0);
    }
  }
  heap.sort(cmp);
  return heap.slice(offset);
}

/** The sort a request asks for (or the default), with its column; a 400 naming sort.field when the column is unknown. */
export function resolveSort<R>(
  columns: readonly Column<R>[],
  request: QueryRequest,
  defaultSort?: { readonly field: string; readonly order: 'asc' | 'desc' },
): { readonly column: Column<R>; readonly order: 'asc' | 'desc' } | undefined {
  const sort = request.sort ?? defaultSort;
  if (!sort) return undefined;
  const column = columns.find((c) => c.name === sort.field);
  if (!column) {
    throw queryError('sort.field', `unknown column "${sort.field}"; one of: ${columns.map((c) => c.name).join(', ')}`);
  }
  return { column, order: sort.order };
}

export interface PagedFrameInput<R> {
  readonly name: string;
  readonly columns: readonly Column<R>[];
  /** The rows of the page only, in order. */
  readonly page: readonly R[];
  /** Rows matching the filters, before limit and offset. */
  readonly total: number;
  readonly snapshotVersion: number;
  readonly notices?: readonly Notice[];
}

/** A column-oriented frame of an already chosen page: only the page's cells are built. */
export function pagedFrame<R>(input: PagedFrameInput<R>): Frame {
  const { page } = input;
  const fields: Field[] = input.columns.map((c) => ({
    name: c.name,
    type: c.type,
    config: Object.assign(
      c.name in FIELD_TITLES ? { displayName: FIELD_TITLES[c.name as AnyFieldName], description: c.description } : { description: c.description },
      c.unit ? { unit: c.unit } : {},
      c.decimals !== undefined ? { decimals: c.decimals } : {},
    ),
    values: page.map(c.value),
  }));
  return {
    name: input.name,
    fields,
    meta: {
      preferredVisualisationType: 'table',
      totalRows: input.total,
      snapshotVersion: input.snapshotVersion,
      ...(input.notices && input.notices.length > 0 ? { notices: input.notices } : {}),
    },
  };
}

/** Filters done, this sorts, pages and turns rows into a column-oriented frame. */
export function tableFrame<R>(input: TableFrameInput<R>): Frame {
  const { columns, rows, request } = input;
  const sort = resolveSort(columns, request, input.defaultSort);
  let page: readonly R[];
  if (sort) {
    const keys = rows.map(sort.column.value);
    page = selectPage(keys, sort.order, request.offset, request.limit).map((i) => rows[i]!);
  } else {
    page = rows.slice(request.offset, request.offset + request.limit);
  }
  return pagedFrame({ name: input.name, columns, page, total: rows.length, snapshotVersion: input.snapshotVersion, ...(input.notices ? { notices: input.notices } : {}) });
}
