/**
 * Executing a cleanup plan: POST /api/v1/cleanup/execute, guarded (CLEANUP_DELETE_ENABLED and the admin token;
 * dry run by default). Validation, auth and caller identity only; the run lives in cleanup/execute/.
 */
import { createHash } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { CleanupConflict, CleanupExecuteReport, CleanupExecuteRequest } from '@ecr-lens/contract';
import { createRoute } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { fileAuditWriter } from '../cleanup/execute/audit.js';
import { executeCleanup } from '../cleanup/execute/execute.js';
import type { Caller } from '../cleanup/execute/execute.js';
import { postGrafanaAnnotation } from '../cleanup/execute/grafana.js';
import type { CleanupService } from '../cleanup/service.js';
import { globListIssue } from '../query/glob.js';
import { bearerToken, tokenMatches } from './auth.js';
import type { CleanupRouteDeps } from './cleanup-deps.js';
import { clientIdentity, type TrustedProxies } from './client-identity.js';
import type { AppEnv, Logger } from './deps.js';
import { badRequest, ERROR_RESPONSES, ErrorSchema, errorJson } from './errors.js';
import { named } from './openapi-names.js';

/** The contract's request, with the repository globs' syntax checked by the glob engine. */
export const ExecuteBody = named(
  CleanupExecuteRequest.superRefine((body, ctx) => {
  const issue = body.repositories && globListIssue(body.repositories);
  if (issue) ctx.addIssue({ code: 'custom', path: ['repositories'], message: issue });
}),
  'CleanupExecuteRequest',
);

const fingerprint = (token: string): string => createHash('sha256').update(token).digest('hex').slice(0, 12);

/** The admin token from `X-Admin-Token` (raw or `Bearer …`), else from `Authorization: Bearer …`. */
function presentedAdminToken(c: Context): string | undefined {
  const header = c.req.header('x-admin-token');
  if (header) return bearerToken(header) ?? header.trim();
  return bearerToken(c.req.header('authorization'));
}

function callerOf(c: Context, token: string, trusted: TrustedProxies | undefined): Caller {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    peer = undefined; // not served by @hono/node-server (tests)
  }
  const identity = clientIdentity(peer, { forwardedFor: c.req.header('x-forwarded-for'), user: c.req.header('x-grafana-user') }, trusted);
  const userAgent = c.req.header('user-agent');
  return {
    tokenFingerprint: fingerprint(token),
    ...identity,
    ...(userAgent ? { userAgent: userAgent.slice(0, 200) } : {}),
  };
}

/** 403 unless execution is enabled and the admin token is presented. Runs before body validation. */
function requireExecutionAllowed(service: CleanupService, logger: Logger | undefined, refused: () => void): MiddlewareHandler {
  return async (c, next) => {
    const { enabled, adminToken } = service.config.execution;
    if (!enabled) {
      refused();
      return errorJson(c, 403, 'forbidden', 'cleanup execution is disabled; set CLEANUP_DELETE_ENABLED=true to enable it');
    }
    if (!adminToken) {
      refused();
      return errorJson(c, 403, 'forbidden', 'cleanup execution needs an admin token; set SIDECAR_ADMIN_TOKEN');
    }
    if (!tokenMatches(presentedAdminToken(c), adminToken)) {
      refused();
      logger?.warn('cleanup execution refused: missing or wrong admin token', { path: c.req.path });
      return errorJson(c, 403, 'forbidden', 'missing or wrong admin token (X-Admin-Token or Authorization: Bearer)');
    }
    await next();
    return undefined;
  };
}

const executeRoute = createRoute({
  method: 'post',
  path: '/api/v1/cleanup/execute',
  tags: ['cleanup'],
  summary: 'Execute a cleanup plan (dry run by default).',
  description:
    'Needs CLEANUP_DELETE_ENABLED=true and the admin token (X-Admin-Token, or Authorization: Bearer when no API token is set). Reads every in-use source afresh (no rate limit), plans again and refuses with 409 when the plan id changed or another run is in progress, and with 503 when a source cannot be read. Between batches the sources are read again; the run stops (outcome aborted) when that fails or an image became used. With images, only those are deleted; 400 names each one the plan does not delete, and an index child or referrer approved without its index or subject.',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: ExecuteBody } } } },
  responses: {
    200: { description: 'The run report.', content: { 'application/json': { schema: named(CleanupExecuteReport, 'CleanupExecuteReport') } } },
    403: { description: 'Execution disabled or admin token missing.', content: { 'application/json': { schema: ErrorSchema } } },
    409: {
      description: 'The plan made from a fresh read of the in-use sources differs from the one fetched (planId, currentPlanId; with images, selection says which approved images it no longer deletes), or another run is in progress (runningRunId). Nothing was deleted.',
      content: { 'application/json': { schema: named(CleanupConflict, 'CleanupConflict') } },
    },
    ...ERROR_RESPONSES,
  },
});

/** Mounts the execute route. */
export function cleanupExecuteRoutes(deps: CleanupRouteDeps): (app: OpenAPIHono<AppEnv>) => void {
  const path = deps.service.config.execution.auditLogPath;
  // No audit, no deletion: every execution is then refused (503) before anything is deleted.
  const audit = deps.audit ?? (path ? fileAuditWriter(path) : () => Promise.reject(new Error('no audit store is configured')));
  const execution = {
    service: deps.service,
    inventory: deps.inventory,
    deleter: deps.deleter,
    audit,
    grafana: deps.grafana ?? postGrafanaAnnotation,
    ...(deps.describer ? { describer: deps.describer } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  };
  return (app) => {
    app.use('/api/v1/cleanup/execute', requireExecutionAllowed(deps.service, deps.logger, () => deps.service.record('refused', 0, 0, 0)));
    app.openapi(executeRoute, async (c) => {
      const body = c.req.valid('json');
      const result = await executeCleanup(execution, {
        planId: body.planId,
        ...(body.repositories ? { repositories: body.repositories } : {}),
        ...(body.registry ? { registry: body.registry } : {}),
        ...(body.region ? { region: body.region } : {}),
        ...(body.images ? { images: body.images } : {}),
        dryRun: body.dryRun,
        caller: callerOf(c, presentedAdminToken(c) ?? '', deps.trustedProxies),
      });
      if (result.kind === 'conflict') {
        const conflict: CleanupConflict = {
          error: 'conflict',
          message: 'the plan changed since it was fetched (or was fetched with another scope); fetch the plan again and review it',
          planId: result.planId,
          currentPlanId: result.currentPlanId,
          ...(result.selection ? { selection: { unchanged: result.selection.unchanged, changed: [...result.selection.changed] } } : {}),
        };
        return c.json(conflict, 409);
      }
      if (result.kind === 'busy') {
        const busy: CleanupConflict = { error: 'conflict', message: `another cleanup run is in progress (run ${result.runningRunId}); nothing was deleted`, runningRunId: result.runningRunId };
        return c.json(busy, 409);
      }
      if (result.kind === 'invalid') return badRequest(c, [...result.issues]);
      if (result.kind === 'unavailable') return errorJson(c, 503, 'unavailable', result.message);
      return c.json(result.report satisfies CleanupExecuteReport, 200);
    });
  };
}
