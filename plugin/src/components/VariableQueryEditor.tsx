import React from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { InlineField, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import type { DataSource } from '../datasource';
import {
  VARIABLE_KINDS,
  type EcrDataSourceOptions,
  type EcrQuery,
  type EcrVariableQuery,
  type VariableKind,
} from '../types';
import { selectors } from './selectors';

type Props = QueryEditorProps<DataSource, EcrQuery, EcrDataSourceOptions, EcrVariableQuery>;

const KIND_LABELS: Record<VariableKind, string> = {
  registries: 'Registries',
  regions: 'Regions',
  repositories: 'Repositories',
  tags: 'Tags',
  clusters: 'Clusters',
};

const KIND_HELP: Record<VariableKind, string> = {
  registries: 'AWS account ids of the registries the sidecar reads.',
  regions: 'AWS regions with at least one registry.',
  repositories: 'Repository names.',
  tags: 'Tags of one repository; set the repository below (a variable like $repository chains them).',
  clusters: 'ECS cluster names.',
};

/** Variable query: which list to fetch from the sidecar. */
export function VariableQueryEditor({ query, onChange }: Props) {
  // A new variable starts without a query; older dashboards may hold a string.
  const current: EcrVariableQuery =
    typeof query === 'object' && query !== null && VARIABLE_KINDS.includes(query.kind)
      ? query
      : { refId: 'EcrVariableQuery', kind: 'repositories' };

  return (
    <Stack direction="column" gap={1}>
      <InlineField label="List" labelWidth={20} tooltip={KIND_HELP[current.kind]} interactive>
        <RadioButtonGroup<VariableKind>
          aria-label={selectors.VariableQueryEditor.kind}
          value={current.kind}
          options={VARIABLE_KINDS.map((k) => ({ label: KIND_LABELS[k], value: k, description: KIND_HELP[k] }))}
          onChange={(kind) =>
            onChange({ ...current, kind, repository: kind === 'tags' ? current.repository : undefined })
          }
        />
      </InlineField>
      {current.kind === 'tags' && (
        <InlineField
          label="Repository"
          labelWidth={20}
          tooltip="The repository whose tags to list; $repository works."
          interactive
        >
          <Input
            aria-label={selectors.VariableQueryEditor.repository}
            width={40}
            value={current.repository ?? ''}
            placeholder="team/api or $repository"
            onChange={(e) => onChange({ ...current, repository: e.currentTarget.value })}
          />
        </InlineField>
      )}
    </Stack>
  );
}
