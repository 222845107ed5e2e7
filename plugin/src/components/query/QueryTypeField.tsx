import React from 'react';
import { InlineField, RadioButtonGroup } from '@grafana/ui';

import { QUERY_TYPES, type QueryType } from '../../types';
import { selectors } from '../selectors';
import { QUERY_TYPE_INFO } from './filterSpecs';

interface Props {
  value: QueryType;
  onChange: (queryType: QueryType) => void;
}

const OPTIONS = QUERY_TYPES.map((t) => ({
  label: QUERY_TYPE_INFO[t].label,
  value: t,
  description: QUERY_TYPE_INFO[t].description,
}));

export function QueryTypeField({ value, onChange }: Props) {
  return (
    <InlineField label="Query type" labelWidth={22} tooltip="What to list. Each type has its own filters." interactive>
      <RadioButtonGroup<QueryType>
        aria-label={selectors.QueryEditor.queryType}
        value={value}
        options={OPTIONS}
        onChange={onChange}
      />
    </InlineField>
  );
}
