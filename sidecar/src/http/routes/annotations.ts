import * as wire from '@ecr-lens/contract';
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AnnotationSource } from '../../query/annotations.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { badRequest, ERROR_RESPONSES } from '../errors.js';
import { RepositoryScopeQuery } from '../scope.js';
import { named } from '../openapi-names.js';

/** A time in a query string: epoch milliseconds or ISO-8601. */
const QueryTime = z
  .string()
  .refine((v) => /^\d{1,15}$/.test(v) || !Number.isNaN(Date.parse(v)), 'must be epoch milliseconds or an ISO-8601 date-time')
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)));

const Annotation = named(wire.Annotation, 'Annotation');

/** GET /api/v1/annotations?from&to&kind: events in the range (push by default; cleanup adds its kind). */
export function registerAnnotationRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, kinds: Readonly<Record<string, AnnotationSource>>): void {
  const names = Object.keys(kinds);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/annotations',
      tags: ['query'],
      summary: 'Annotation events in a time range.',
      security: [{ bearer: [] }],
      request: {
        query: z
          .object({
            from: QueryTime.openapi({ type: 'string', description: 'Start (epoch ms or ISO-8601), inclusive.' }),
            to: QueryTime.openapi({ type: 'string', description: 'End (epoch ms or ISO-8601), inclusive.' }),
            kind: z.string().default('push').openapi({ description: `One of: ${names.join(', ')}.` }),
            limit: z.string().regex(/^\d{1,6}$/, 'must be a decimal integer').transform(Number).pipe(z.number().int().min(1).max(10_000)).optional(),
            ...RepositoryScopeQuery,
          })
          .strict(),
      },
      responses: { 200: { description: 'Events, newest first.', content: { 'application/json': { schema: z.array(Annotation) } } }, ...ERROR_RESPONSES },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const source = Object.hasOwn(kinds, q.kind) ? kinds[q.kind] : undefined;
      if (!source) return badRequest(c, [{ path: 'kind', message: `unknown kind "${q.kind}"; one of: ${names.join(', ')}` }]);
      if (q.from > q.to) return badRequest(c, [{ path: 'to', message: 'must not be before from' }]);
      const limit = Math.min(q.limit ?? deps.limits?.maxAnnotations ?? 1000, 10_000);
      const scope = { registry: q.registry, region: q.region, repository: q.repository };
      return c.json(await source(deps.inventory.snapshot(), { from: q.from, to: q.to, limit, scope }), 200);
    },
  );
}
