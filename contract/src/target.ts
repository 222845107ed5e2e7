import type { AnnotationKind, QueryType, SortOrder, VariableKind } from './enums.js';
import type { DIGEST_FILTER, Filters, FilterName, LIST_FILTERS, TIME_FILTERS } from './filters.js';

/**
 * A panel target as Grafana stores it in a dashboard: what the plugin's editors write and the generated
 * dashboards hold. List filters are text (comma-separated values and/or template variables such as
 * `$repository`) and times are text (ISO-8601, epoch milliseconds or `$__from`); the plugin expands them
 * into a QueryRequest when the query runs.
 */
export type TargetFilters = {
  [K in FilterName]?: K extends (typeof LIST_FILTERS)[number] | (typeof TIME_FILTERS)[number] | typeof DIGEST_FILTER
    ? string
    : NonNullable<Filters[K]>;
};

export interface TargetSort {
  field: string;
  order: SortOrder;
}

/** The plugin's target, less Grafana's own fields (refId, datasource, hide). */
export interface EcrTarget {
  queryType?: QueryType | typeof ANNOTATIONS_QUERY_TYPE;
  filters?: TargetFilters;
  sort?: TargetSort;
  limit?: number;
  /**
   * "Filter by dashboard time": images by push time, usage by use time (RANGE_QUERY_TYPES). Off by default, so
   * a table of what the registry holds now is not emptied by "Last 6 hours".
   */
  useTimeRange?: boolean;
  /** Only for annotation targets. */
  annotationKind?: AnnotationKind;
}

/** Not a sidecar query type: marks a target that reads GET /api/v1/annotations. */
export const ANNOTATIONS_QUERY_TYPE = 'annotations';

/**
 * The target of the plugin's template variables (GET /api/v1/variables/{kind}). registry, region and repository
 * narrow the list and may hold variables, so variables chain: repositories of the selected registries and
 * regions, tags of the selected repositories.
 */
export interface EcrVariableTarget {
  kind: VariableKind;
  registry?: string;
  region?: string;
  /** Required for kind `tags`: the repositories whose tags to list. */
  repository?: string;
}

/**
 * The dashboards' custom "All" value. PromQL matches every value with it (`=~".*"`), and the plugin sends a
 * filter holding it as no filter, so "All" stays one short value on a registry of any size.
 */
export const ALL_VALUE = '.*';
