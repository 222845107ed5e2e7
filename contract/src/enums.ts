/** The closed vocabularies of the wire: every value a filter, a frame cell or a response may hold. */

export const QUERY_TYPES = ['repositories', 'images', 'cost', 'severity', 'findings', 'usage', 'cleanup', 'lifecycle'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

/**
 * Query types a dashboard time range can filter when the target asks for it (`useTimeRange`): images by push
 * time, usage by the time of the use. The others are of current state and ignore the range.
 */
export const RANGE_QUERY_TYPES = ['images', 'usage'] as const satisfies readonly QueryType[];

/** Worst first: `minSeverity` keeps this one and those before it. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** image: one platform; index: a multi-platform list; attestation: signatures, SBOMs, SOCI indexes; other: anything else. */
export const IMAGE_KINDS = ['image', 'index', 'attestation', 'other'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** `not_scanned` is never shown as zero findings. */
export const SCAN_STATES = ['complete', 'active', 'pending', 'failed', 'unsupported', 'not_scanned'] as const;
export type ScanState = (typeof SCAN_STATES)[number];

/** What uses an image: ECS (tasks, services, task-definition revisions), Lambda, Kubernetes pods, keep lists. */
export const USE_KINDS = ['running-task', 'stopped-task', 'service', 'task-definition', 'lambda-function', 'pod', 'keep-list'] as const;
export type UseKind = (typeof USE_KINDS)[number];

/** The cleanup planner's answer per image. `blocked`: it would be deleted, but something forbids it. */
export const DECISIONS = ['delete', 'keep', 'blocked'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Rows per repository (the default) or per image, for the severity and cleanup queries. */
export const LEVELS = ['repository', 'image'] as const;
export type Level = (typeof LEVELS)[number];

export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** GET /api/v1/variables/{kind}. */
export const VARIABLE_KINDS = ['registries', 'regions', 'repositories', 'tags', 'clusters'] as const;
export type VariableKind = (typeof VARIABLE_KINDS)[number];

/** GET /api/v1/annotations?kind=. */
export const ANNOTATION_KINDS = ['push', 'cleanup'] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

/** Why the planner keeps an image. docs/cleanup.md explains each. */
export const KEEP_CODES = [
  'in-use',
  'recently-used',
  'recent',
  'push-time-unknown',
  'newest',
  'keep-tag-pattern',
  'keep-tag-prefix',
  'index-child',
  'attestation-subject',
  'subject-missing',
  'unrecognised-artifact',
  'archived',
  'no-rule',
] as const;
/** Why the planner deletes an image. */
export const DELETE_CODES = ['expired-tagged', 'expired-untagged', 'with-index', 'with-subject'] as const;
/** Why a deletion is blocked: the planner fails closed. */
export const BLOCK_CODES = [
  'blocked-ecs',
  'blocked-source',
  'blocked-no-source',
  'blocked-pullers',
  'blocked-images',
  'blocked-manifests',
  'blocked-inventory',
  'blocked-index',
] as const;
export const REASON_CODES = [...KEEP_CODES, ...DELETE_CODES, ...BLOCK_CODES] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
