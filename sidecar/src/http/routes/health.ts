import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.js';

const Health = z.object({ status: z.literal('ok') }).openapi('Health');
const Readiness = z
  .object({
    ready: z.boolean(),
    stale: z.boolean(),
    snapshotVersion: z.number(),
    lastSuccessAt: z.number().nullable().openapi({ description: 'Epoch ms of the last successful refresh.' }),
    refreshing: z.boolean(),
    incomplete: z.boolean().openapi({ description: 'True when the snapshot could not read something.' }),
    incompleteCount: z.number(),
  })
  .openapi('Readiness');

/** /healthz: the process is up. /readyz: 503 until the first snapshot is loaded; says whether it is stale. */
export function registerHealthRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['health'],
      summary: 'Liveness: always 200 while the process runs.',
      responses: { 200: { description: 'Up.', content: { 'application/json': { schema: Health } } } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['health'],
      summary: 'Readiness: 503 until the first snapshot is loaded.',
      responses: {
        200: { description: 'A snapshot is loaded (maybe stale).', content: { 'application/json': { schema: Readiness } } },
        503: { description: 'No snapshot yet.', content: { 'application/json': { schema: Readiness } } },
      },
    }),
    (c) => {
      const s = deps.inventory.status();
      const body = {
        ready: s.ready,
        stale: s.stale,
        snapshotVersion: s.snapshotVersion,
        lastSuccessAt: s.lastSuccessAt ?? null,
        refreshing: s.refreshing,
        incomplete: s.incomplete.length > 0,
        incompleteCount: s.incomplete.length,
      };
      return s.ready ? c.json(body, 200) : c.json(body, 503);
    },
  );
}
