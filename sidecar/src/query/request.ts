import { z } from '@hono/zod-openapi';
import { IMAGE_KINDS, SCAN_STATES, SEVERITIES, USE_KINDS } from '../snapshot/model.js';
import { globListIssue, MAX_GLOB_LENGTH } from './glob.js';

/** Query types served by POST /api/v1/query. */
export const QUERY_TYPES = [
  'repositories',
  'images',
  'cost',
  'severity',
  'findings',
  'usage',
  'cleanup',
  'lifecycle',
] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export const MAX_LIMIT = 10_000;
export const DEFAULT_LIMIT = 1_000;

/** A time: epoch milliseconds, or an ISO-8601 string. */
export const TimeInput = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .openapi({ description: 'Epoch milliseconds or an ISO-8601 date-time.' });

const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).max(1000)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const Name = z.string().min(1).max(256);
const Glob = z
  .string()
  .min(1)
  .max(MAX_GLOB_LENGTH)
  .openapi({ description: 'Glob: `*` any run (`/` included), `?` one character, `[a-z]` classes, `{a,b}` alternatives; no extglobs or negation.' });
/** Globs of one filter, refused (a 400 naming the filter) when they use unsupported syntax or are too many. */
const Globs = oneOrMany(Glob).superRefine((globs, ctx) => {
  const issue = globListIssue(globs);
  if (issue) ctx.addIssue({ code: 'custom', message: issue });
});

export const Filters = z
  .object({
    registry: oneOrMany(z.string().regex(/^\d{12}$/, 'must be a 12-digit account id')).optional(),
    region: oneOrMany(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')).optional(),
    repository: Globs.optional(),
    tag: Globs.optional(),
    digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256:<64 hex>').optional(),
    cluster: oneOrMany(Name).optional(),
    minSeverity: z.enum(SEVERITIES).optional(),
    scanState: oneOrMany(z.enum(SCAN_STATES)).optional(),
    kind: oneOrMany(z.enum(IMAGE_KINDS)).optional(),
    pushedBefore: TimeInput.optional(),
    pushedAfter: TimeInput.optional(),
    pulledBefore: TimeInput.optional(),
    pulledAfter: TimeInput.optional(),
    olderThanDays: z.number().nonnegative().max(36_500).optional(),
    notPulledForDays: z.number().nonnegative().max(36_500).optional(),
    /** Images last used (by any in-use source, now or remembered) at least this many days ago, or never. */
    notUsedForDays: z.number().nonnegative().max(36_500).optional(),
    inUse: z.boolean().optional(),
    untagged: z.boolean().optional(),
    decision: oneOrMany(z.enum(['delete', 'keep', 'blocked'])).optional(),
    /** severity only: one row per repository (default) or per image. */
    level: z.enum(['repository', 'image']).optional(),
    /** usage only: the kinds of use to list. */
    useKind: oneOrMany(z.enum(USE_KINDS)).optional(),
  })
  .strict();
export type Filters = z.output<typeof Filters>;
export type FilterName = keyof Filters;

export const QueryRequest = z
  .object({
    queryType: z.enum(QUERY_TYPES),
    filters: Filters.default({}),
    sort: z
      .object({ field: z.string().min(1).max(64), order: z.enum(['asc', 'desc']).default('asc') })
      .strict()
      .optional(),
    limit: z.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
    offset: z.number().int().min(0).max(10_000_000).default(0),
    range: z.object({ from: TimeInput, to: TimeInput }).strict().optional(),
  })
  .strict()
  .openapi('QueryRequest');
export type QueryRequest = z.output<typeof QueryRequest>;
