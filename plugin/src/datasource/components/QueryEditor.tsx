import React from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { EditorRow, EditorRows, QueryOptionGroup } from '@grafana/plugin-ui';
import { Stack, Text } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { QUERY_TYPES, type EcrDataSourceOptions, type EcrFilters, type EcrQuery, type QueryType } from '../types';
import { FilterEditor, filterSummary } from './query/FilterEditor';
import { QUERY_TYPE_INFO } from './query/filterSpecs';
import { OptionsEditor, optionsSummary } from './query/OptionsEditor';
import { QueryTypeField } from './query/QueryTypeField';
import type { ValueSource } from './query/suggestions';
import { selectors } from './selectors';

type Props = QueryEditorProps<DataSource, EcrQuery, EcrDataSourceOptions>;

const asQueryType = (v: unknown): QueryType =>
  (QUERY_TYPES as readonly unknown[]).includes(v) ? (v as QueryType) : 'repositories';

// The data source suggests known values; a test may pass a bare object.
const valueSource = (ds: DataSource): ValueSource | undefined =>
  typeof ds?.variableValues === 'function' ? ds : undefined;

/** Grafana-style rows: the query type, then its filters and the options, each group collapsible. */
export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType = asQueryType(query.queryType);
  const filters = query.filters ?? {};
  const typed = { ...query, queryType };

  const update = (next: EcrQuery, run: boolean) => {
    onChange(next);
    if (run) {
      onRunQuery();
    }
  };

  return (
    <div data-testid={selectors.QueryEditor.container}>
      <EditorRows>
        <EditorRow>
          <Stack direction="column" gap={0.5}>
            <QueryTypeField value={queryType} onChange={(t) => update({ ...query, queryType: t }, true)} />
            <div data-testid={selectors.QueryEditor.description}>
              <Text color="secondary" variant="bodySmall">
                {QUERY_TYPE_INFO[queryType].description}
              </Text>
            </div>
          </Stack>
        </EditorRow>
        <EditorRow>
          <QueryOptionGroup title="Filters" collapsedInfo={filterSummary(queryType, filters)}>
            <FilterEditor
              queryType={queryType}
              filters={filters}
              source={valueSource(datasource)}
              onChange={(f: EcrFilters, run) => update({ ...query, queryType, filters: f }, run)}
              onBlur={onRunQuery}
            />
          </QueryOptionGroup>
        </EditorRow>
        <EditorRow>
          <QueryOptionGroup title="Options" collapsedInfo={optionsSummary(typed)}>
            <OptionsEditor query={typed} onChange={update} onBlur={onRunQuery} />
          </QueryOptionGroup>
        </EditorRow>
      </EditorRows>
    </div>
  );
}
