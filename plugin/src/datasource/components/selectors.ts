import type { FilterKey } from '../types';
import { FILTER_SPECS } from './query/filterSpecs';

/**
 * Accessible names of the editors' controls, shared by the unit tests (Testing Library) and the
 * end-to-end specs (Playwright), so both find controls the way a user does: by label.
 */
export const selectors = {
  ConfigEditor: {
    sidecarUrl: 'Sidecar URL',
    apiToken: 'API token',
  },
  QueryEditor: {
    container: 'ecr-lens-query-editor',
    queryType: 'Query type',
    description: 'ecr-lens-query-type-description',
    /** A filter's field label, e.g. "Repository". */
    filter: (key: FilterKey) => FILTER_SPECS[key].label,
    filtersGroup: 'Filters',
    optionsGroup: 'Options',
    sortField: 'Sort by',
    limit: 'Limit',
    useTimeRange: 'Filter by dashboard time',
  },
  VariableQueryEditor: {
    kind: 'Variable kind',
    repository: 'Variable repository',
    registry: 'Variable registry',
    region: 'Variable region',
  },
  AnnotationQueryEditor: {
    kind: 'Annotation kind',
    repository: 'Annotation repository',
  },
} as const;
