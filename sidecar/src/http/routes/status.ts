import * as wire from '@ecr-lens/contract';
import { createRoute } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { InventoryStatus } from '../../snapshot/inventory.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { ERROR_RESPONSES } from '../errors.js';
import { named } from '../openapi-names.js';

const Status = named(wire.InventoryStatus, 'InventoryStatus');
const RefreshOutcome = named(wire.RefreshOutcome, 'RefreshOutcome');

const plain = (s: InventoryStatus) => Object.assign({}, s, { incomplete: [...s.incomplete] });

const sleep = (ms: number) => new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms).unref());

/** GET /api/v1/status (the plugin's health check) and POST /api/v1/refresh. */
export function registerStatusRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const status = () => {
    const snapshot = deps.inventory.snapshot();
    const s: InventoryStatus = deps.inventory.status();
    return Object.assign({}, s, {
      incomplete: [...s.incomplete],
      snapshot: {
        builtAt: snapshot.builtAt,
        registries: snapshot.registries.length,
        repositories: snapshot.repositories.length,
        images: snapshot.images.length,
        clusters: snapshot.clusters.length,
      },
      sources: [...(snapshot.sources ?? [])],
      rememberedUses: snapshot.remembered?.length ?? 0,
    });
  };
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/status',
      tags: ['status'],
      summary: 'Freshness, errors and incompleteness of the inventory.',
      security: [{ bearer: [] }],
      responses: { 200: { description: 'Status.', content: { 'application/json': { schema: Status } } }, 401: ERROR_RESPONSES[401] },
    }),
    (c) => c.json(status(), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/refresh',
      tags: ['status'],
      summary: 'Trigger a refresh (coalesced and rate-limited).',
      description: 'Waits up to a few seconds: 200 with the outcome when the refresh ended, 202 when it is still running, 429 when rate-limited.',
      security: [{ bearer: [] }],
      responses: {
        200: { description: 'The refresh ended (or joined one that ended).', content: { 'application/json': { schema: RefreshOutcome } } },
        202: { description: 'The refresh is still running.', content: { 'application/json': { schema: RefreshOutcome } } },
        429: { description: 'Rate-limited: a refresh ran too recently.', content: { 'application/json': { schema: RefreshOutcome } } },
        401: ERROR_RESPONSES[401],
      },
    }),
    async (c) => {
      const refresh = deps.inventory.refresh();
      refresh.catch((error: unknown) => deps.logger?.error('refresh failed', { error: error instanceof Error ? error.message : String(error) }));
      const outcome = await Promise.race([refresh, sleep(deps.limits?.refreshWaitMs ?? 10_000)]);
      if (outcome === 'waiting') return c.json({ started: true, status: plain(deps.inventory.status()) }, 202);
      const body = Object.assign({}, outcome, { status: plain(outcome.status) });
      return outcome.reason === 'rate-limited' ? c.json(body, 429) : c.json(body, 200);
    },
  );
}
