import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { timeout } from 'hono/timeout';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BUILT_IN_ANNOTATIONS } from '../query/annotations.js';
import { createQueryRunner } from '../query/cache.js';
import { BUILT_IN_BUILDERS } from '../query/engine.js';
import { redactText } from '../log.js';
import { QueryError } from '../query/errors.js';
import { requireBearer } from './auth.js';
import type { AppDeps, AppEnv, Logger } from './deps.js';
import { silentLogger } from './deps.js';
import { badRequest, errorJson, zodIssues } from './errors.js';
import { refusePrototypeKeys, requestLogger, requestShape, requireReady } from './middleware.js';
import { takeTurns } from './request-turns.js';
import { registerAnnotationRoutes } from './routes/annotations.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerQueryRoutes } from './routes/query.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerStatusRoutes } from './routes/status.js';
import { registerVariableRoutes } from './routes/variables.js';

export const DEFAULT_BODY_LIMIT = 64 * 1024;
/**
 * Routes whose bodies may be larger: an execution approving MAX_SELECTED_IMAGES images of 256-character repository
 * names is about 4.2 MB. Its body is read only after the admin token is checked.
 */
export const ROUTE_BODY_LIMITS: Readonly<Record<string, number>> = { '/api/v1/cleanup/execute': 5 * 1024 * 1024 };
export const DEFAULT_TIMEOUT_MS = 30_000;

const ERROR_NAMES: Partial<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
  504: 'timeout',
};

/** Errors as JSON: a refused query or body names its fields; anything unexpected is logged and answered 500. */
function answerErrors(app: OpenAPIHono<AppEnv>, deps: AppDeps, logger: Logger): void {
  app.onError((error, c) => {
    if (error instanceof QueryError) return badRequest(c, error.issues);
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      if (status === 400) return badRequest(c, [{ path: 'body', message: error.message }]);
      return errorJson(c, status, ERROR_NAMES[status] ?? 'error', error.message || 'request failed');
    }
    logger.error('unhandled error', { method: c.req.method, path: c.req.path, error: error instanceof Error ? error.message : String(error) });
    return errorJson(c, 500, 'internal', 'internal error');
  });
  // A token sent in a path (/metrics/<token>) is not echoed back: proxies and Grafana may log error bodies.
  app.notFound((c) => errorJson(c, 404, 'not_found', `no route ${c.req.method} ${redactText(c.req.path, deps.secrets)}`));
}

/** What every request passes before its route: logging, headers, shape, limits, the token, readiness. */
function guardRequests(app: OpenAPIHono<AppEnv>, deps: AppDeps, logger: Logger): void {
  app.use('*', requestLogger(logger, () => !deps.inventory.status().ready));
  app.use('*', secureHeaders());
  app.use('*', requestShape());
  app.use('*', refusePrototypeKeys());
  if (deps.corsOrigins && deps.corsOrigins.length > 0) {
    app.use('*', cors({ origin: [...deps.corsOrigins], allowHeaders: ['Authorization', 'Content-Type'], allowMethods: ['GET', 'POST', 'OPTIONS'], maxAge: 600 }));
  }
  app.use('*', timeout(deps.limits?.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => new HTTPException(503, { message: 'request timed out' })));
  // Within the request's time budget: a wait for a turn counts towards it.
  if (deps.turns) app.use('*', takeTurns(deps.turns));
  app.use('*', compress());
  const limitOf = (maxSize: number) => bodyLimit({ maxSize, onError: (c) => errorJson(c, 413, 'payload_too_large', `request body larger than ${maxSize} bytes`) });
  const general = limitOf(deps.limits?.bodyBytes ?? DEFAULT_BODY_LIMIT);
  const byRoute = new Map(Object.entries(ROUTE_BODY_LIMITS).map(([path, bytes]) => [path, limitOf(bytes)]));
  app.use('*', (c, next) => (byRoute.get(c.req.path) ?? general)(c, next));
  if (deps.apiToken) app.use('/api/*', requireBearer(deps.apiToken));
  const ready = requireReady(deps.inventory);
  for (const path of ['/api/v1/query', '/api/v1/variables/*', '/api/v1/annotations', '/api/v1/reports/*']) app.use(path, ready);
}

/** The sidecar's HTTP app: no business logic here, only validation, auth, limits and wiring. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const logger = deps.logger ?? silentLogger;
  const app = new OpenAPIHono<AppEnv>({
    // Every validation failure answers 400 JSON naming the fields.
    defaultHook: (result, c) => {
      if (!result.success) return badRequest(c, zodIssues(result.error, result.target === 'json' ? '' : ''));
      return undefined;
    },
  });
  const builders = { ...BUILT_IN_BUILDERS, ...deps.queryTypes };
  const runner = createQueryRunner({ ctx: deps.query, builders, ...(deps.limits?.cacheBytes ? { maxCacheBytes: deps.limits.cacheBytes } : {}) });
  answerErrors(app, deps, logger);
  guardRequests(app, deps, logger);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'SIDECAR_API_TOKEN, when set.',
  });
  registerHealthRoutes(app, deps);
  registerQueryRoutes(app, deps, runner);
  registerVariableRoutes(app, deps);
  registerAnnotationRoutes(app, deps, { ...BUILT_IN_ANNOTATIONS, ...deps.annotationKinds });
  registerReportRoutes(app, deps);
  registerStatusRoutes(app, deps);
  for (const register of deps.routes ?? []) register(app);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'ECR Lens sidecar',
      version: deps.version ?? '0.1.0',
      description: 'Cached ECR/ECS inventory: queries as Grafana data frames, variables, annotations, reports.',
    },
  });
  return app;
}
