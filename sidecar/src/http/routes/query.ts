import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { QueryRunner } from '../../query/cache.js';
import { QueryRequest } from '../../query/request.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { ERROR_RESPONSES } from '../errors.js';

const FieldSchema = z.object({
  name: z.string(),
  type: z.enum(['string', 'number', 'time', 'boolean', 'other']),
  config: z.object({ unit: z.string().optional(), description: z.string().optional(), decimals: z.number().optional() }),
  values: z.array(z.unknown()).openapi({ description: 'Column values; times are epoch ms; unknown values are null, never 0.' }),
});
export const QueryResponse = z
  .object({
    frame: z.object({
      name: z.string(),
      fields: z.array(FieldSchema),
      meta: z.object({
        preferredVisualisationType: z.literal('table'),
        totalRows: z.number(),
        snapshotVersion: z.number(),
        notices: z.array(z.object({ severity: z.enum(['info', 'warning']), text: z.string() })).optional(),
      }),
    }),
    total: z.number().openapi({ description: 'Rows matching the filters, before limit and offset.' }),
  })
  .openapi('QueryResponse');

/** POST /api/v1/query: one Grafana-shaped frame per request. */
export function registerQueryRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, runner: QueryRunner): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/query',
      tags: ['query'],
      summary: 'Run a query against the cached inventory.',
      description: `queryType: ${Object.keys(runner.builders).join(', ')}. Filters that do not apply to the query type are rejected.`,
      security: [{ bearer: [] }],
      request: { body: { required: true, content: { 'application/json': { schema: QueryRequest } } } },
      responses: { 200: { description: 'A data frame.', content: { 'application/json': { schema: QueryResponse } } }, ...ERROR_RESPONSES },
    }),
    async (c) => {
      const request = c.req.valid('json');
      const { json, cached } = await runner.run(deps.inventory.snapshot(), request);
      c.header('X-Cache', cached ? 'hit' : 'miss');
      // The cached, already serialised frame is sent as is; its shape is QueryResponse.
      return c.body(json, 200, { 'Content-Type': 'application/json; charset=UTF-8' }) as never;
    },
  );
}
