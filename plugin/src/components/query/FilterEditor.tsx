import React from 'react';
import { Stack } from '@grafana/ui';

import type { EcrFilters, QueryType } from '../../types';
import { FilterField } from './FilterField';
import { FILTER_SPECS, QUERY_TYPE_INFO } from './filterSpecs';

interface Props {
  queryType: QueryType;
  filters: EcrFilters;
  onChange: (filters: EcrFilters, run: boolean) => void;
  onBlur: () => void;
}

/** The filters the chosen query type supports, and only those. */
export function FilterEditor({ queryType, filters, onChange, onBlur }: Props) {
  return (
    <Stack direction="column" gap={0}>
      {QUERY_TYPE_INFO[queryType].filters.map((key) => (
        <FilterField key={key} spec={FILTER_SPECS[key]} filters={filters} onChange={onChange} onBlur={onBlur} />
      ))}
    </Stack>
  );
}
