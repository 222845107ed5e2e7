import { z } from 'zod';
import { DECISIONS, IMAGE_KINDS, LEVELS, SCAN_STATES, SEVERITIES, USE_KINDS, type QueryType } from './enums.js';
import { AccountId, Digest, Glob, Name, Region } from './ids.js';

/** A time: epoch milliseconds, or an ISO-8601 date-time with an offset. Parsed to epoch milliseconds. */
export const TimeInput = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .describe('Epoch milliseconds or an ISO-8601 date-time.');

/** One value or a list of at most 1,000; always a list once parsed. */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).max(1000)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const Days = z.number().nonnegative().max(36_500);

/** The filters of POST /api/v1/query. Each query type accepts the ones QUERY_FILTERS lists; any other is a 400. */
export const Filters = z
  .object({
    registry: oneOrMany(AccountId).optional(),
    region: oneOrMany(Region).optional(),
    /** Repository name globs. */
    repository: oneOrMany(Glob).optional(),
    /** Tag globs. */
    tag: oneOrMany(Glob).optional(),
    digest: Digest.optional(),
    cluster: oneOrMany(Name).optional(),
    minSeverity: z.enum(SEVERITIES).optional(),
    scanState: oneOrMany(z.enum(SCAN_STATES)).optional(),
    kind: oneOrMany(z.enum(IMAGE_KINDS)).optional(),
    pushedBefore: TimeInput.optional(),
    pushedAfter: TimeInput.optional(),
    pulledBefore: TimeInput.optional(),
    pulledAfter: TimeInput.optional(),
    olderThanDays: Days.optional(),
    notPulledForDays: Days.optional(),
    /** Images last used (by any in-use source, now or remembered) at least this many days ago, or never. */
    notUsedForDays: Days.optional(),
    inUse: z.boolean().optional(),
    untagged: z.boolean().optional(),
    decision: oneOrMany(z.enum(DECISIONS)).optional(),
    /** severity and cleanup: one row per repository or per image. */
    level: z.enum(LEVELS).optional(),
    /** usage: the kinds of use to list. */
    useKind: oneOrMany(z.enum(USE_KINDS)).optional(),
  })
  .strict();
/** Filters as the sidecar holds them once parsed: lists are arrays, times epoch milliseconds. */
export type Filters = z.output<typeof Filters>;
/** Filters as a client may send them. */
export type FiltersInput = z.input<typeof Filters>;
export type FilterName = keyof Filters;

/** The filters whose values are name globs (the sidecar refuses unsupported glob syntax in them). */
export const GLOB_FILTERS = ['repository', 'tag'] as const satisfies readonly FilterName[];
/** The filters that take a list: one value or several, a multi-value template variable included. */
export const LIST_FILTERS = ['registry', 'region', 'repository', 'tag', 'cluster'] as const satisfies readonly FilterName[];
/** The filters that take values from a closed vocabulary, several at once. */
export const ENUM_LIST_FILTERS = ['scanState', 'kind', 'decision', 'useKind'] as const satisfies readonly FilterName[];
export const DIGEST_FILTER = 'digest' satisfies FilterName;
export const TIME_FILTERS = ['pushedBefore', 'pushedAfter', 'pulledBefore', 'pulledAfter'] as const satisfies readonly FilterName[];
export const DAY_FILTERS = ['olderThanDays', 'notPulledForDays', 'notUsedForDays'] as const satisfies readonly FilterName[];
export const BOOLEAN_FILTERS = ['inUse', 'untagged'] as const satisfies readonly FilterName[];

/** Which registries and repositories: every query type accepts these. */
export const SCOPE_FILTERS = ['registry', 'region', 'repository'] as const satisfies readonly FilterName[];
/** Push and pull times. */
const AGE_FILTERS = ['pushedBefore', 'pushedAfter', 'pulledBefore', 'pulledAfter', 'olderThanDays', 'notPulledForDays'] as const;
/** The image filters: what images, severity (per image), cleanup and lifecycle select images by. */
export const IMAGE_FILTERS = [
  'tag',
  'digest',
  'kind',
  'untagged',
  'inUse',
  'cluster',
  'scanState',
  'minSeverity',
  ...AGE_FILTERS,
  'notUsedForDays',
] as const satisfies readonly FilterName[];

/** The filters each query type accepts, in the order the query editor shows them. */
export const QUERY_FILTERS = {
  repositories: [...SCOPE_FILTERS, ...AGE_FILTERS],
  images: [...SCOPE_FILTERS, ...IMAGE_FILTERS],
  cost: [...SCOPE_FILTERS],
  severity: [...SCOPE_FILTERS, 'level', ...IMAGE_FILTERS],
  findings: ['digest', ...SCOPE_FILTERS, 'minSeverity'],
  usage: [...SCOPE_FILTERS, 'cluster', 'digest', 'useKind'],
  cleanup: [...SCOPE_FILTERS, 'level', 'decision', ...IMAGE_FILTERS],
  lifecycle: [...SCOPE_FILTERS, ...IMAGE_FILTERS],
} as const satisfies Record<QueryType, readonly FilterName[]>;
