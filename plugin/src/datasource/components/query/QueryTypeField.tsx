import React from 'react';
import { EditorField } from '@grafana/plugin-ui';
import { Combobox } from '@grafana/ui';

import { QUERY_TYPES, type QueryType } from '../../types';
import { QUERY_TYPE_INFO } from './filterSpecs';

interface Props {
  value: QueryType;
  onChange: (queryType: QueryType) => void;
}

export const QUERY_TYPE_ID = 'ecr-lens-query-type';

const OPTIONS = QUERY_TYPES.map((t) => ({
  label: QUERY_TYPE_INFO[t].label,
  value: t,
  description: QUERY_TYPE_INFO[t].description,
}));

export function QueryTypeField({ value, onChange }: Props) {
  return (
    <EditorField label="Query type" tooltip="What to list. Each type has its own filters." width={30}>
      <Combobox<QueryType>
        id={QUERY_TYPE_ID}
        width={30}
        value={value}
        options={OPTIONS}
        onChange={(chosen) => onChange(chosen.value)}
      />
    </EditorField>
  );
}
