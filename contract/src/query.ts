import { z } from 'zod';
import { QUERY_TYPES, SORT_ORDERS } from './enums.js';
import { Filters, TimeInput } from './filters.js';

export const MAX_LIMIT = 10_000;
export const DEFAULT_LIMIT = 1_000;

export const Sort = z.object({ field: z.string().min(1).max(64), order: z.enum(SORT_ORDERS).default('asc') }).strict();

/** The body of POST /api/v1/query. */
export const QueryRequest = z
  .object({
    queryType: z.enum(QUERY_TYPES),
    filters: Filters.default({}),
    sort: Sort.optional(),
    limit: z.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
    offset: z.number().int().min(0).max(10_000_000).default(0),
    /** The dashboard's time range; each query type says what it filters (RANGE_SEMANTICS in the sidecar). */
    range: z.object({ from: TimeInput, to: TimeInput }).strict().optional(),
  })
  .strict();
/** A request as the sidecar holds it once parsed: defaults applied, lists as arrays, times epoch milliseconds. */
export type QueryRequest = z.output<typeof QueryRequest>;
/** A request as a client sends it. */
export type QueryRequestInput = z.input<typeof QueryRequest>;
