/**
 * GET /api/v1/cleanup/audit: the cleanup audit as stored (every run, dry and real, and every batch of a
 * real run), oldest first, page by page; `format=jsonl` streams the whole log as JSON lines (the export
 * users of the old CLEANUP_AUDIT_LOG file had). Read-only: the API token suffices.
 */
import { CleanupAuditPage, CleanupRunsPage } from '@ecr-lens/contract';
import { runSummary } from '../cleanup/execute/runs.js';
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { auditJsonLines } from '../store/audit-export.js';
import type { AuditStore } from '../store/types.js';
import type { AppEnv } from './deps.js';
import { ERROR_RESPONSES } from './errors.js';
import { named } from './openapi-names.js';

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;
/** Entries read per page while streaming JSON lines: bounded memory whatever the log's size. */
const EXPORT_PAGE = 500;

const Integer = (max: number) => z.string().regex(/^\d{1,12}$/, 'must be a decimal integer').transform(Number).pipe(z.number().int().min(0).max(max));

const AuditQuery = z
  .object({
    format: z.enum(['json', 'jsonl']).default('json').openapi({ description: 'jsonl: the whole log as JSON lines (after, limit and runId apply to json pages).' }),
    after: Integer(Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'Only entries after this seq (paging).' }),
    limit: Integer(MAX_AUDIT_LIMIT).optional().openapi({ description: `Entries per page (json), default ${DEFAULT_AUDIT_LIMIT}, at most ${MAX_AUDIT_LIMIT}.` }),
    runId: z.string().uuid().optional().openapi({ description: 'Only this run.' }),
  })
  .strict();

const AuditPage = named(CleanupAuditPage, 'CleanupAuditPage');

export const DEFAULT_RUNS_LIMIT = 50;
export const MAX_RUNS_LIMIT = 500;

const RunsQuery = z
  .object({
    before: Integer(Number.MAX_SAFE_INTEGER).optional().openapi({ description: "Only runs that began before this seq (the previous page's next)." }),
    limit: Integer(MAX_RUNS_LIMIT).optional().openapi({ description: `Runs per page, default ${DEFAULT_RUNS_LIMIT}, at most ${MAX_RUNS_LIMIT}.` }),
  })
  .strict();

const RunsPage = named(CleanupRunsPage, 'CleanupRunsPage');

/** GET /api/v1/cleanup/runs: every run, newest first, one row each (the Runs page). */
export function cleanupRunsRoute(audit: AuditStore): (app: OpenAPIHono<AppEnv>) => void {
  return (app) => {
    app.openapi(
      createRoute({
        method: 'get',
        path: '/api/v1/cleanup/runs',
        tags: ['cleanup'],
        summary: 'Cleanup runs, newest first: who, when, what, the outcome, the bytes freed and the Grafana annotation.',
        security: [{ bearer: [] }],
        request: { query: RunsQuery },
        responses: { 200: { description: 'A page of runs.', content: { 'application/json': { schema: RunsPage } } }, ...ERROR_RESPONSES },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const limit = q.limit ?? DEFAULT_RUNS_LIMIT;
        const runs = await audit.runs({ limit, ...(q.before !== undefined ? { before: q.before } : {}) });
        return c.json({ runs: runs.map(runSummary), next: runs.length === limit ? runs[runs.length - 1]!.head.seq : null }, 200);
      },
    );
  };
}

export function cleanupAuditRoute(audit: AuditStore): (app: OpenAPIHono<AppEnv>) => void {
  return (app) => {
    app.openapi(
      createRoute({
        method: 'get',
        path: '/api/v1/cleanup/audit',
        tags: ['cleanup'],
        summary: 'The cleanup audit: who ran what, when, and what was deleted, batch by batch.',
        security: [{ bearer: [] }],
        request: { query: AuditQuery },
        responses: {
          200: { description: 'A page of entries, or every entry as JSON lines.', content: { 'application/json': { schema: AuditPage }, 'application/x-ndjson': { schema: z.string() } } },
          ...ERROR_RESPONSES,
        },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const runId = q.runId ? { runId: q.runId } : {};
        if (q.format === 'jsonl') {
          c.header('Content-Type', 'application/x-ndjson; charset=utf-8');
          c.header('Content-Disposition', 'attachment; filename="cleanup-audit.jsonl"');
          // A stream is not the typed JSON response the route declares first; its shape is the ndjson one.
          return stream(c, async (out) => {
            await auditJsonLines(audit, (line) => out.write(line).then(() => undefined), EXPORT_PAGE);
          }) as never;
        }
        const limit = q.limit ?? DEFAULT_AUDIT_LIMIT;
        const [entries, unfinishedRuns] = await Promise.all([audit.entries({ after: q.after ?? 0, limit, ...runId }), audit.unfinishedRuns()]);
        return c.json(
          {
            entries: entries.map((e) => ({ seq: e.seq, entry: e.entry as Record<string, unknown> })),
            next: entries.length === limit ? entries[entries.length - 1]!.seq : null,
            unfinishedRuns,
          },
          200,
        );
      },
    );
  };
}
