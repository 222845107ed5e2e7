import type { Snapshot } from '../snapshot/model.js';
import type { FrameBuilder, FrameBuilders } from './builder.js';
import type { QueryContext } from './context.js';
import type { QueryIssue } from './errors.js';
import { QueryError, queryError } from './errors.js';
import type { Frame } from './frame.js';
import type { FilterName, QueryRequest } from './request.js';
import { costBuilder } from './types/cost.js';
import { findingsBuilder } from './types/findings.js';
import { imagesBuilder } from './types/images.js';
import { repositoriesBuilder } from './types/repositories.js';
import { severityBuilder } from './types/severity.js';
import { usageBuilder } from './types/usage.js';

export interface QueryResult {
  readonly frame: Frame;
  /** Rows matching the filters, before limit and offset (= frame.meta.totalRows). */
  readonly total: number;
}

export const BUILT_IN_BUILDERS: FrameBuilders = {
  repositories: repositoriesBuilder,
  images: imagesBuilder,
  cost: costBuilder,
  severity: severityBuilder,
  findings: findingsBuilder,
  usage: usageBuilder,
};

/** What `range` (the dashboard time range) filters, per query type. */
export const RANGE_SEMANTICS: Readonly<Record<string, string>> = {
  repositories: 'ignored: repositories are state, not events',
  images: 'pushedAt within [from, to]',
  cost: 'ignored',
  severity: 'ignored: counts are the current state',
  findings: 'ignored',
  usage: 'at within [from, to]; uses without a time (task definitions) are kept',
};

/** Checks what zod cannot: the query type is served, every filter applies to it, the range is ordered. */
export function builderFor(request: QueryRequest, builders: FrameBuilders): FrameBuilder {
  const builder = Object.hasOwn(builders, request.queryType) ? builders[request.queryType] : undefined;
  if (!builder) throw queryError('queryType', `queryType "${request.queryType}" is not available in this sidecar`);
  const issues: QueryIssue[] = [];
  for (const [name, value] of Object.entries(request.filters)) {
    if (value === undefined || builder.filters.includes(name as FilterName)) continue;
    issues.push({
      path: `filters.${name}`,
      message: `does not apply to queryType ${request.queryType}; it takes: ${builder.filters.join(', ')}`,
    });
  }
  if (request.range && request.range.from > request.range.to) issues.push({ path: 'range.to', message: 'must not be before range.from' });
  if (issues.length > 0) throw new QueryError(issues);
  return builder;
}

const result = (frame: Frame): QueryResult => ({ frame, total: frame.meta.totalRows });

/** Pure: answers from the snapshot alone (a builder's `load` step is skipped). Throws QueryError on bad requests. */
export function runQuery(snapshot: Snapshot, request: QueryRequest, ctx: QueryContext, builders: FrameBuilders = BUILT_IN_BUILDERS): QueryResult {
  return result(builderFor(request, builders).build(snapshot, request, ctx));
}

/** As runQuery, but first lets the builder name the snapshot that answers and load what it lacks (e.g. findings fetched lazily). */
export async function executeQuery(
  snapshot: Snapshot,
  request: QueryRequest,
  ctx: QueryContext,
  builders: FrameBuilders = BUILT_IN_BUILDERS,
): Promise<QueryResult> {
  const builder = builderFor(request, builders);
  // The snapshot that answers (FrameBuilder.answering); the query runner asks first, for its cache key, and asking
  // again with the answer gives it back.
  const answering = builder.answering ? await builder.answering(snapshot, ctx) : snapshot;
  const loaded = builder.load ? await builder.load(answering, request, ctx) : undefined;
  return result(builder.build(answering, request, ctx, loaded));
}
