import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';

/** Query types the sidecar serves at POST /api/v1/query (mirrors sidecar/src/query/request.ts). */
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

/** Not a sidecar query type: marks a target that reads GET /api/v1/annotations. */
export const ANNOTATIONS_QUERY_TYPE = 'annotations';
export const ANNOTATION_KINDS = ['push', 'cleanup'] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

export const VARIABLE_KINDS = ['registries', 'regions', 'repositories', 'tags', 'clusters'] as const;
export type VariableKind = (typeof VARIABLE_KINDS)[number];

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;
export const SCAN_STATES = ['complete', 'active', 'pending', 'failed', 'unsupported', 'not_scanned'] as const;
export const IMAGE_KINDS = ['image', 'index', 'attestation', 'other'] as const;
export const DECISIONS = ['delete', 'keep', 'blocked'] as const;
export const USE_KINDS = ['running-task', 'stopped-task', 'service', 'task-definition', 'lambda-function', 'pod', 'keep-list'] as const;
export const SEVERITY_LEVELS = ['repository', 'image'] as const;

/**
 * Filters as the editor stores them. List filters are text: comma-separated values and/or
 * template variables (`$repository`), expanded to arrays when the query runs.
 */
export interface EcrFilters {
  registry?: string;
  region?: string;
  repository?: string;
  tag?: string;
  cluster?: string;
  digest?: string;
  minSeverity?: (typeof SEVERITIES)[number];
  scanState?: Array<(typeof SCAN_STATES)[number]>;
  kind?: Array<(typeof IMAGE_KINDS)[number]>;
  decision?: Array<(typeof DECISIONS)[number]>;
  /** Use kinds (ECS, Lambda, pods, keep lists), for usage. */
  useKind?: Array<(typeof USE_KINDS)[number]>;
  /** Severity counts per repository (default) or per image. */
  level?: (typeof SEVERITY_LEVELS)[number];
  /** ISO-8601 date-time, epoch ms, or a template variable. */
  pushedBefore?: string;
  pushedAfter?: string;
  pulledBefore?: string;
  pulledAfter?: string;
  olderThanDays?: number;
  notPulledForDays?: number;
  /** Last used (now or remembered) at least this many days ago, or never. */
  notUsedForDays?: number;
  inUse?: boolean;
  untagged?: boolean;
}
export type FilterKey = keyof EcrFilters;

export interface EcrSort {
  field: string;
  order: 'asc' | 'desc';
}

export interface EcrQuery extends DataQuery {
  queryType?: QueryType | typeof ANNOTATIONS_QUERY_TYPE;
  filters?: EcrFilters;
  sort?: EcrSort;
  limit?: number;
  /** Only for annotation targets. */
  annotationKind?: AnnotationKind;
}

export const DEFAULT_QUERY: Partial<EcrQuery> = {
  queryType: 'repositories',
  filters: {},
};

export interface EcrVariableQuery extends DataQuery {
  kind: VariableKind;
  /** Only for kind `tags`: the repository whose tags to list (may be a variable). */
  repository?: string;
}

export interface EcrDataSourceOptions extends DataSourceJsonData {
  /** Where Grafana's data source proxy sends requests, e.g. http://sidecar:8080. */
  sidecarUrl?: string;
}

/** Stored encrypted by Grafana; only the data source proxy reads it. */
export interface EcrSecureJsonData {
  apiToken?: string;
  /** SIDECAR_ADMIN_TOKEN: added only on the Admin-only execute route (plugin.json). */
  adminToken?: string;
}
