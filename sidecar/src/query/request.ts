import type { z } from 'zod';
import * as wire from '@ecr-lens/contract';
import { GLOB_FILTERS } from '@ecr-lens/contract';
import { globListIssue } from './glob.js';

export { DEFAULT_LIMIT, MAX_LIMIT, QUERY_TYPES, TimeInput } from '@ecr-lens/contract';
export type { FilterName, QueryType } from '@ecr-lens/contract';

/** The contract's filters, with each glob filter's syntax checked by the glob engine (a 400 naming the filter). */
export const Filters = wire.Filters.superRefine((filters, ctx) => {
  for (const name of GLOB_FILTERS) {
    const issue = filters[name] && globListIssue(filters[name]);
    if (issue) ctx.addIssue({ code: 'custom', path: [name], message: issue });
  }
});
export type Filters = wire.Filters;

/** POST /api/v1/query's body: the contract's request, with the filters checked as above. */
export const QueryRequest = wire.QueryRequest.extend({ filters: Filters.default({}) });
export type QueryRequest = z.output<typeof QueryRequest>;
