import type { ScopedVars, TimeRange } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

import {
  ALL_VALUE,
  BOOLEAN_FILTERS,
  DAY_FILTERS,
  ENUM_LIST_FILTERS,
  LIST_FILTERS,
  RANGE_QUERY_TYPES,
  splitList as splitWireList,
  TIME_FILTERS,
  type FiltersInput,
  type QueryRequestInput,
} from '@ecr-lens/contract';

import type { EcrFilters, EcrQuery, QueryType } from './types';

/** Whether the dashboard time range can filter this query type (images by push time, usage by use time). */
export const usesTimeRange = (queryType: QueryType): boolean =>
  (RANGE_QUERY_TYPES as readonly string[]).includes(queryType);

/** The body of POST /api/v1/query, as the contract defines it. */
export type SidecarQueryRequest = QueryRequestInput & { filters: FiltersInput };

// Multi-value variables become a comma list, which splitList then takes apart.
const joinMulti = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value ?? ''));

/** The contract's list split (commas inside glob braces belong to the glob), each value once. */
export const splitList = (text: string): string[] => [...new Set(splitWireList(text))];

/** A list filter's values, variables applied; none (no filter) when empty or when a variable is on "All". */
export function interpolateList(
  templateSrv: TemplateSrv,
  text: string | undefined,
  scopedVars?: ScopedVars
): string[] | undefined {
  if (text === undefined || text.trim() === '') {
    return undefined;
  }
  const values = splitList(templateSrv.replace(text, scopedVars, joinMulti));
  return values.length > 0 && !values.includes(ALL_VALUE) ? values : undefined;
}

export function interpolateText(
  templateSrv: TemplateSrv,
  text: string | undefined,
  scopedVars?: ScopedVars
): string | undefined {
  if (text === undefined || text.trim() === '') {
    return undefined;
  }
  const value = templateSrv.replace(text, scopedVars, joinMulti).trim();
  return value === '' || value === ALL_VALUE ? undefined : value;
}

/** As interpolateList, as one comma list: the form of the sidecar's GET parameters. */
export function interpolateParam(
  templateSrv: TemplateSrv,
  text: string | undefined,
  scopedVars?: ScopedVars
): string | undefined {
  return interpolateList(templateSrv, text, scopedVars)?.join(',');
}

/** A date filter: digits are epoch milliseconds, anything else goes as typed (ISO-8601; the sidecar validates). */
function interpolateTime(templateSrv: TemplateSrv, text: string | undefined, scopedVars?: ScopedVars) {
  const value = interpolateText(templateSrv, text, scopedVars);
  if (value === undefined) {
    return undefined;
  }
  return /^\d+$/.test(value) ? Number(value) : value;
}

export function buildFilters(
  templateSrv: TemplateSrv,
  filters: EcrFilters | undefined,
  scopedVars?: ScopedVars
): FiltersInput {
  const f = filters ?? {};
  const out: FiltersInput = {};
  for (const key of LIST_FILTERS) {
    const list = interpolateList(templateSrv, f[key], scopedVars);
    if (list) {
      out[key] = list;
    }
  }
  for (const key of TIME_FILTERS) {
    const time = interpolateTime(templateSrv, f[key], scopedVars);
    if (time !== undefined) {
      out[key] = time;
    }
  }
  const digest = interpolateText(templateSrv, f.digest, scopedVars);
  if (digest) {
    out.digest = digest;
  }
  if (f.minSeverity) {
    out.minSeverity = f.minSeverity;
  }
  if (f.level) {
    out.level = f.level;
  }
  for (const key of ENUM_LIST_FILTERS) {
    const values = f[key];
    if (values && values.length > 0) {
      // Each key keeps its own vocabulary; TypeScript cannot follow that through the loop variable.
      (out as Record<string, unknown>)[key] = [...values];
    }
  }
  for (const key of DAY_FILTERS) {
    const n = f[key];
    if (typeof n === 'number' && Number.isFinite(n)) {
      out[key] = n;
    }
  }
  for (const key of BOOLEAN_FILTERS) {
    if (typeof f[key] === 'boolean') {
      out[key] = f[key];
    }
  }
  return out;
}

/** Turns one panel target into the sidecar's query request: variables applied, and the time range if asked for. */
export function buildQueryRequest(
  templateSrv: TemplateSrv,
  query: EcrQuery & { queryType: QueryType },
  range: TimeRange | undefined,
  scopedVars?: ScopedVars
): SidecarQueryRequest {
  const body: SidecarQueryRequest = {
    queryType: query.queryType,
    filters: buildFilters(templateSrv, query.filters, scopedVars),
  };
  const sortField = interpolateText(templateSrv, query.sort?.field, scopedVars);
  if (sortField) {
    body.sort = { field: sortField, order: query.sort?.order ?? 'asc' };
  }
  if (typeof query.limit === 'number' && query.limit > 0) {
    body.limit = Math.floor(query.limit);
  }
  // Only when the target asks: most queries are of current state, which a short dashboard range would empty.
  if (range && query.useTimeRange && usesTimeRange(query.queryType)) {
    body.range = { from: range.from.valueOf(), to: range.to.valueOf() };
  }
  return body;
}

/**
 * The query with variables applied to its text (list filters, times, digest, sort field), for Explore: a
 * filter on "All" is dropped, as the sidecar would read it.
 */
export function interpolateQuery(templateSrv: TemplateSrv, query: EcrQuery, scopedVars?: ScopedVars): EcrQuery {
  const filters: EcrFilters = { ...query.filters };
  for (const key of [...LIST_FILTERS, ...TIME_FILTERS, 'digest'] as const) {
    const text = filters[key];
    if (text === undefined) {
      continue;
    }
    const value =
      key === 'digest'
        ? interpolateText(templateSrv, text, scopedVars)
        : interpolateParam(templateSrv, text, scopedVars);
    if (value === undefined) {
      delete filters[key];
    } else {
      filters[key] = value;
    }
  }
  const out: EcrQuery = { ...query, filters };
  const sortField = interpolateText(templateSrv, query.sort?.field, scopedVars);
  if (query.sort && sortField) {
    out.sort = { ...query.sort, field: sortField };
  }
  return out;
}
