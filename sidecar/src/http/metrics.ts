import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MetricsDeps } from '../metrics/renderer.js';
import { MetricsRenderer, negotiateFormat } from '../metrics/renderer.js';
import { gzipMember, plainText } from '../metrics/deflated-text.js';
import { bearerToken, tokenMatches } from './auth.js';
import { byteChunks } from './byte-chunks.js';
import { acceptsGzip } from './content-coding.js';
import type { AppEnv } from './deps.js';
import { ErrorSchema, errorJson } from './errors.js';

export interface MetricsRouteDeps extends MetricsDeps {
  /** Reuse a renderer (its caches and histogram); one is made from the deps otherwise. */
  readonly renderer?: MetricsRenderer;
}

/**
 * The `/metrics` route module for `createApp({ routes: [metricsRoute(deps)] })`: Prometheus text, or
 * OpenMetrics when the Accept header asks for it; served from the cached snapshot, never from AWS.
 * METRICS_TOKEN, when set, protects it with its own bearer token (constant-time compare).
 */
export function metricsRoute(deps: MetricsRouteDeps): (app: OpenAPIHono<AppEnv>) => void {
  const renderer = deps.renderer ?? new MetricsRenderer(deps);
  const token = deps.config.METRICS_TOKEN;
  return (app) => {
    app.get('/metrics', async (c) => {
      if (token !== undefined && !tokenMatches(bearerToken(c.req.header('authorization')), token)) {
        c.header('WWW-Authenticate', 'Bearer realm="metrics"');
        return errorJson(c, 401, 'unauthorized', 'missing or invalid bearer token for /metrics');
      }
      const rendered = await renderer.renderParts(negotiateFormat(c.req.header('accept')));
      c.header('Content-Type', rendered.contentType);
      c.header('Cache-Control', 'no-store');
      c.header('Vary', 'Accept, Accept-Encoding');
      if (acceptsGzip(c.req.header('accept-encoding'))) {
        // The cached snapshot part is sent compressed as it is kept, with the live part after it: one gzip member.
        const member = byteChunks(await gzipMember(rendered.snapshotPart, rendered.live));
        c.header('Content-Encoding', 'gzip');
        c.header('Content-Length', String(member.length));
        return c.body(member.body, 200);
      }
      // A client that does not accept gzip gets the text, the kept part inflated as it is sent.
      return c.body(ReadableStream.from(plainText(rendered.snapshotPart, rendered.live)), 200);
    });
    app.openAPIRegistry.registerPath({
      method: 'get',
      path: '/metrics',
      tags: ['metrics'],
      summary: 'Prometheus metrics (text 0.0.4, or OpenMetrics 1.0 on Accept: application/openmetrics-text), gzip-compressed when Accept-Encoding allows it.',
      ...(token !== undefined ? { security: [{ bearer: [] }] } : {}),
      responses: {
        200: {
          description: 'The exposition. See docs/metrics.md for every family.',
          content: { 'text/plain': { schema: z.string() }, 'application/openmetrics-text': { schema: z.string() } },
        },
        401: {
          description: 'METRICS_TOKEN is set and the bearer token is missing or wrong.',
          content: { 'application/json': { schema: ErrorSchema } },
        },
      },
    });
  };
}

