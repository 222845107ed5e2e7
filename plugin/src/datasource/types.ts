import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import type { EcrTarget, EcrVariableTarget, TargetFilters } from '@ecr-lens/contract';

// The wire vocabulary is the contract's (contract/src), shared with the sidecar and the dashboards.
export {
  ANNOTATION_KINDS,
  ANNOTATIONS_QUERY_TYPE,
  DECISIONS,
  IMAGE_KINDS,
  LEVELS as SEVERITY_LEVELS,
  QUERY_TYPES,
  SCAN_STATES,
  SEVERITIES,
  USE_KINDS,
  VARIABLE_KINDS,
} from '@ecr-lens/contract';
export type {
  AnnotationKind,
  FilterName as FilterKey,
  QueryType,
  TargetSort as EcrSort,
  VariableKind,
} from '@ecr-lens/contract';

/** Filters as the editor stores them: the contract's panel-target form (lists and times as text). */
export type EcrFilters = TargetFilters;

/** Grafana's DataQuery types `queryType` as any string; the contract narrows it. */
export interface EcrQuery extends Omit<DataQuery, 'queryType'>, EcrTarget {}

export const DEFAULT_QUERY: Partial<EcrQuery> = {
  queryType: 'repositories',
  filters: {},
};

export interface EcrVariableQuery extends DataQuery, EcrVariableTarget {}

export interface EcrDataSourceOptions extends DataSourceJsonData {
  /** Where Grafana's data source proxy sends requests, e.g. http://sidecar:8080. */
  sidecarUrl?: string;
}

/** Stored encrypted by Grafana; only the data source proxy reads it. */
export interface EcrSecureJsonData {
  apiToken?: string;
}
