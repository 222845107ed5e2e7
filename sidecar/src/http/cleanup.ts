/**
 * Cleanup routes, mounted through AppDeps.routes: the plan (cleanup-plan.ts) and its execution
 * (cleanup-execute.ts), both answering only once the inventory is ready.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { cleanupExecuteRoutes } from './cleanup-execute.js';
import { cleanupPlanRoutes } from './cleanup-plan.js';
import type { CleanupRouteDeps } from './cleanup-deps.js';
import type { AppEnv } from './deps.js';
import { requireReady } from './middleware.js';

export type { CleanupRouteDeps };

export function cleanupRoutes(deps: CleanupRouteDeps): (app: OpenAPIHono<AppEnv>) => void {
  const plan = cleanupPlanRoutes(deps);
  const execute = cleanupExecuteRoutes(deps);
  return (app) => {
    app.use('/api/v1/cleanup/*', requireReady(deps.inventory));
    plan(app);
    execute(app);
  };
}
