import type { ScopedVars, TimeRange } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

import type { EcrFilters, EcrQuery, QueryType } from './types';

/** The body of POST /api/v1/query (sidecar/src/query/request.ts). */
export interface SidecarQueryRequest {
  queryType: QueryType;
  filters: Record<string, unknown>;
  sort?: { field: string; order: 'asc' | 'desc' };
  limit?: number;
  range?: { from: number; to: number };
}

/** Filters whose values are lists on the wire; a multi-value variable expands into several entries. */
const LIST_FILTERS = ['registry', 'region', 'repository', 'tag', 'cluster'] as const;
const TIME_FILTERS = ['pushedBefore', 'pushedAfter', 'pulledBefore', 'pulledAfter'] as const;

// Multi-value variables become a comma list, which splitList then takes apart.
const joinMulti = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value ?? ''));

/**
 * Splits "a, b,{x,y}-*" into ["a", "b", "{x,y}-*"]: commas inside glob braces belong to the glob.
 */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '{') {
      depth++;
    } else if (ch === '}') {
      depth = Math.max(0, depth - 1);
    }
    if (ch === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  items.push(current);
  return [...new Set(items.map((s) => s.trim()).filter((s) => s.length > 0))];
}

export function interpolateList(
  templateSrv: TemplateSrv,
  text: string | undefined,
  scopedVars?: ScopedVars
): string[] | undefined {
  if (text === undefined || text.trim() === '') {
    return undefined;
  }
  const values = splitList(templateSrv.replace(text, scopedVars, joinMulti));
  return values.length > 0 ? values : undefined;
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
  return value === '' ? undefined : value;
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
): Record<string, unknown> {
  const f = filters ?? {};
  const out: Record<string, unknown> = {};
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
  for (const key of ['scanState', 'kind', 'decision', 'useKind'] as const) {
    const values = f[key];
    if (values && values.length > 0) {
      out[key] = [...values];
    }
  }
  for (const key of ['olderThanDays', 'notPulledForDays', 'notUsedForDays'] as const) {
    const n = f[key];
    if (typeof n === 'number' && Number.isFinite(n)) {
      out[key] = n;
    }
  }
  for (const key of ['inUse', 'untagged'] as const) {
    if (typeof f[key] === 'boolean') {
      out[key] = f[key];
    }
  }
  return out;
}

/** Turns one panel target into the sidecar's query request, variables and dashboard time range applied. */
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
  if (range) {
    body.range = { from: range.from.valueOf(), to: range.to.valueOf() };
  }
  return body;
}
