import React from 'react';
import { EditorFieldGroup } from '@grafana/plugin-ui';

import type { EcrFilters, QueryType } from '../../types';
import { FilterField } from './FilterField';
import { FILTER_SPECS, QUERY_TYPE_INFO } from './filterSpecs';
import type { ValueSource } from './suggestions';

interface Props {
  queryType: QueryType;
  filters: EcrFilters;
  source?: ValueSource;
  onChange: (filters: EcrFilters, run: boolean) => void;
  onBlur: () => void;
}

/** The filters the chosen query type supports, and only those. */
export function FilterEditor({ queryType, filters, source, onChange, onBlur }: Props) {
  return (
    <EditorFieldGroup>
      {QUERY_TYPE_INFO[queryType].filters.map((key) => (
        <FilterField
          key={key}
          spec={FILTER_SPECS[key]}
          filters={filters}
          source={source}
          onChange={onChange}
          onBlur={onBlur}
        />
      ))}
    </EditorFieldGroup>
  );
}

/** The filters that are set, for the collapsed "Filters" group: "repository: team/*". */
export function filterSummary(queryType: QueryType, filters: EcrFilters): string[] {
  return QUERY_TYPE_INFO[queryType].filters.flatMap((key) => {
    const value = (filters as Record<string, unknown>)[key];
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
      return [];
    }
    return [`${FILTER_SPECS[key].label}: ${Array.isArray(value) ? value.join(', ') : String(value)}`];
  });
}
