import { AccountId, Region, splitList } from '@ecr-lens/contract';
import { z } from '@hono/zod-openapi';
import { globListIssue, MAX_GLOB_LENGTH } from '../query/glob.js';

/** A query-string parameter holding a comma-separated list whose items must satisfy `item`. */
const listParam = (item: z.ZodString, description: string, check?: (items: string[]) => string | undefined) =>
  z
    .string()
    .max(8192)
    .transform((text, ctx) => {
      const items = splitList(text);
      for (const value of items) {
        const parsed = item.safeParse(value);
        if (!parsed.success) ctx.addIssue({ code: 'custom', message: `"${value}": ${parsed.error.issues[0]?.message}` });
      }
      const issue = check?.(items);
      if (issue) ctx.addIssue({ code: 'custom', message: issue });
      return items;
    })
    .openapi({ type: 'string', description });

/** The repository scope of a GET route: registry, region and repository lists. */
export const RepositoryScopeQuery = {
  registry: listParam(AccountId, 'Account ids, comma-separated.').optional(),
  region: listParam(Region, 'Regions, comma-separated.').optional(),
  repository: listParam(z.string().min(1).max(MAX_GLOB_LENGTH), 'Repository name globs, comma-separated.', globListIssue).optional(),
};
