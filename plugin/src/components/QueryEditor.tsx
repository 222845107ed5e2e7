import React from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Stack, Text } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { QUERY_TYPES, type EcrDataSourceOptions, type EcrFilters, type EcrQuery, type QueryType } from '../types';
import { FilterEditor } from './query/FilterEditor';
import { QUERY_TYPE_INFO } from './query/filterSpecs';
import { OptionsEditor } from './query/OptionsEditor';
import { QueryTypeField } from './query/QueryTypeField';
import { selectors } from './selectors';

type Props = QueryEditorProps<DataSource, EcrQuery, EcrDataSourceOptions>;

const asQueryType = (v: unknown): QueryType =>
  (QUERY_TYPES as readonly unknown[]).includes(v) ? (v as QueryType) : 'repositories';

/** Picks a query type, then shows that type's filters with help text, then sorting and the row limit. */
export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const queryType = asQueryType(query.queryType);
  const filters = query.filters ?? {};

  const update = (next: EcrQuery, run: boolean) => {
    onChange(next);
    if (run) {
      onRunQuery();
    }
  };

  return (
    <div data-testid={selectors.QueryEditor.container}>
      <Stack direction="column" gap={1}>
        <QueryTypeField value={queryType} onChange={(t) => update({ ...query, queryType: t }, true)} />
        <div data-testid={selectors.QueryEditor.description}>
          <Text color="secondary" variant="bodySmall">
            {QUERY_TYPE_INFO[queryType].description}
          </Text>
        </div>
        <FilterEditor
          queryType={queryType}
          filters={filters}
          onChange={(f: EcrFilters, run) => update({ ...query, queryType, filters: f }, run)}
          onBlur={onRunQuery}
        />
        <OptionsEditor query={{ ...query, queryType }} onChange={update} onBlur={onRunQuery} />
      </Stack>
    </div>
  );
}
