import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { VARIABLE_KINDS, variableValues } from '../../query/variables.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { badRequest, ERROR_RESPONSES } from '../errors.js';

const Scope = z
  .object({
    registry: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id').optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1').optional(),
    repository: z.string().min(1).max(256).optional().openapi({ description: 'Repository name; required for kind tags.' }),
  })
  .strict();
const Values = z.array(z.object({ text: z.string(), value: z.string() })).openapi('VariableValues');

/** GET /api/v1/variables/{kind}: template variable values as [{text, value}]. */
export function registerVariableRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/variables/{kind}',
      tags: ['query'],
      summary: 'Template variable values.',
      security: [{ bearer: [] }],
      request: { params: z.object({ kind: z.enum(VARIABLE_KINDS) }), query: Scope },
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
