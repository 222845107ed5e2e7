import * as wire from '@ecr-lens/contract';
import { createRoute } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { QueryRunner } from '../../query/cache.js';
import { QueryRequest } from '../../query/request.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { ERROR_RESPONSES } from '../errors.js';
import { named } from '../openapi-names.js';

export const QueryResponse = named(wire.QueryResponse, 'QueryResponse');

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
      request: { body: { required: true, content: { 'application/json': { schema: named(QueryRequest, 'QueryRequest') } } } },
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
