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
  tags: 'Tags of the repositories set below (a variable like $repository chains them).',
  clusters: 'ECS cluster names.',
};

const usesRepository = (kind: VariableKind) => kind === 'tags' || kind === 'repositories';

/** Variable query: which list to fetch from the sidecar, narrowed by registry, region and repository. */
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
            onChange({ ...current, kind, repository: usesRepository(kind) ? current.repository : undefined })
          }
        />
      </InlineField>
      <ScopeInput
        label="Registry"
        ariaLabel={selectors.VariableQueryEditor.registry}
        tooltip="Narrow to these account ids (comma list); $registry chains this variable to the registry variable."
        placeholder="optional, e.g. $registry"
        value={current.registry}
        onChange={(registry) => onChange({ ...current, registry })}
      />
      <ScopeInput
        label="Region"
        ariaLabel={selectors.VariableQueryEditor.region}
        tooltip="Narrow to these regions (comma list); $region chains this variable to the region variable."
        placeholder="optional, e.g. $region"
        value={current.region}
        onChange={(region) => onChange({ ...current, region })}
      />
      {usesRepository(current.kind) && (
        <ScopeInput
          label="Repository"
          ariaLabel={selectors.VariableQueryEditor.repository}
          tooltip={
            current.kind === 'tags'
              ? 'The repositories whose tags to list (names or globs, comma list); $repository chains them.'
              : 'Narrow to repositories matching these globs (comma list).'
          }
          placeholder={current.kind === 'tags' ? 'required, e.g. $repository' : 'optional, e.g. team/*'}
          value={current.repository}
          onChange={(repository) => onChange({ ...current, repository })}
        />
      )}
    </Stack>
  );
}

interface ScopeInputProps {
  label: string;
  ariaLabel: string;
  tooltip: string;
  placeholder: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
}

function ScopeInput({ label, ariaLabel, tooltip, placeholder, value, onChange }: ScopeInputProps) {
  return (
    <InlineField label={label} labelWidth={20} tooltip={tooltip} interactive>
      <Input
        aria-label={ariaLabel}
        width={40}
        value={value ?? ''}
        placeholder={placeholder}
        onChange={(e) => onChange(e.currentTarget.value || undefined)}
      />
    </InlineField>
  );
}
