import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Readable } from 'node:stream';
import { RepositoryScopeQuery } from '../scope.js';
import { csvStream, toCsv } from '../../reports/csv.js';
import {
  IMAGE_REPORT_COLUMNS,
  imageReportRows,
  iterateImageReportRows,
  REPOSITORY_REPORT_COLUMNS,
  repositoryReportRows,
} from '../../reports/rows.js';
import type { ReportOptions } from '../../reports/rows.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { ERROR_RESPONSES } from '../errors.js';

const ReportQuery = z
  .object({
    decimalSeparator: z
      .enum(['.', ','])
      .default('.')
      .openapi({ description: "CSV only. With ',' numbers use a decimal comma and fields are separated by ';'." }),
    // The scope every GET route takes. Globs are checked here, not while rows stream: a refused glob found
    // mid-stream would cut a 200 short instead of a 400.
    ...RepositoryScopeQuery,
  })
  .strict();

type ReportName = 'repositories' | 'images';
const REPORTS: Record<
  ReportName,
  { columns: readonly string[]; rows: (...a: Parameters<typeof repositoryReportRows>) => Record<string, unknown>[] }
> = {
  repositories: { columns: REPOSITORY_REPORT_COLUMNS, rows: repositoryReportRows },
  images: { columns: IMAGE_REPORT_COLUMNS, rows: imageReportRows },
};

/** GET /api/v1/reports/{repositories,images}.{csv,json}: the report tool's columns. */
export function registerReportRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  for (const name of Object.keys(REPORTS) as ReportName[]) {
    for (const format of ['csv', 'json'] as const) {
      const report = REPORTS[name];
      app.openapi(
        createRoute({
          method: 'get',
          path: `/api/v1/reports/${name}.${format}`,
          tags: ['reports'],
          summary: `${name} report (${format}); columns: ${report.columns.join(', ')}.`,
          security: [{ bearer: [] }],
          request: { query: ReportQuery },
          responses: {
            200: {
              description: 'The report.',
              content:
                format === 'csv'
                  ? { 'text/csv': { schema: z.string() } }
                  : { 'application/json': { schema: z.array(z.record(z.string(), z.unknown())) } },
            },
            ...ERROR_RESPONSES,
          },
        }),
        (c) => {
          const q = c.req.valid('query');
          const options: ReportOptions = {
            now: deps.query.now(),
            prices: deps.query.prices,
            scope: {
              ...(q.registry ? { registry: q.registry } : {}),
              ...(q.region ? { region: q.region } : {}),
              ...(q.repository ? { repository: q.repository } : {}),
            },
          };
          const snapshot = deps.inventory.snapshot();
          if (format === 'json') return c.json(report.rows(snapshot, options), 200);
          c.header('Content-Disposition', `attachment; filename="${name}.csv"`);
          // The images CSV is streamed row by row: a million images never become one string.
          const body =
            name === 'images'
              ? (Readable.toWeb(
                  csvStream(report.columns, iterateImageReportRows(snapshot, options), q.decimalSeparator),
                ) as ReadableStream<Uint8Array>)
              : toCsv(report.columns, report.rows(snapshot, options), q.decimalSeparator);
          return c.body(body, 200, { 'Content-Type': 'text/csv; charset=UTF-8' });
        },
      );
    }
  }
}
