import { z } from '@hono/zod-openapi';

/**
 * Names a schema as an OpenAPI component. The contract's schemas may be built before @hono/zod-openapi
 * extends zod, and zod copies methods onto each schema when it is made, so `.openapi` is called from the
 * prototype rather than trusted to be on the schema.
 */
export const named = <T extends z.ZodType>(schema: T, name: string): T => z.ZodType.prototype.openapi.call(schema, name) as T;
