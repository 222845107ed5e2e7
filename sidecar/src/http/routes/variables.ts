import { VARIABLE_KINDS, VariableValues } from '@ecr-lens/contract';
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { variableValues } from '../../query/variables.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { badRequest, ERROR_RESPONSES } from '../errors.js';
import { named } from '../openapi-names.js';
import { RepositoryScopeQuery } from '../scope.js';

const Values = named(VariableValues, 'VariableValues');

/** GET /api/v1/variables/{kind}: template variable values as [{text, value}]. */
export function registerVariableRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/variables/{kind}',
      tags: ['query'],
      summary: 'Template variable values, narrowed by registry, region and repository (comma lists; repository globs).',
      security: [{ bearer: [] }],
      request: { params: z.object({ kind: z.enum(VARIABLE_KINDS) }), query: z.object(RepositoryScopeQuery).strict() },
      responses: { 200: { description: 'Values.', content: { 'application/json': { schema: Values } } }, ...ERROR_RESPONSES },
    }),
    (c) => {
      const { kind } = c.req.valid('param');
      const scope = c.req.valid('query');
      if (kind === 'tags' && !scope.repository) return badRequest(c, [{ path: 'repository', message: 'is required for kind tags' }]);
      return c.json(variableValues(deps.inventory.snapshot(), kind, scope), 200);
    },
  );
}
