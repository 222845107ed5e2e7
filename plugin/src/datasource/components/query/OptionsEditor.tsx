import React from 'react';
import { EditorField, EditorFieldGroup, EditorSwitch } from '@grafana/plugin-ui';
import { Combobox, Input, RadioButtonGroup } from '@grafana/ui';

import { FIELD_TITLES, FRAME_FIELDS, frameShape, type AnyFieldName } from '@ecr-lens/contract';

import { usesTimeRange } from '../../interpolate';
import type { EcrQuery, QueryType } from '../../types';

interface Props {
  query: EcrQuery & { queryType: QueryType };
  onChange: (query: EcrQuery, run: boolean) => void;
  onBlur: () => void;
}

export const SORT_FIELD_ID = 'ecr-lens-sort-field';
export const LIMIT_ID = 'ecr-lens-limit';
export const TIME_RANGE_ID = 'ecr-lens-use-time-range';

/** The columns of the frame this query answers with: what it may sort by. */
function sortOptions(query: EcrQuery & { queryType: QueryType }) {
  return FRAME_FIELDS[frameShape(query.queryType, query.filters?.level)].map((name) => ({
    label: FIELD_TITLES[name as AnyFieldName],
    value: name as string,
    description: name,
  }));
}

/** Sorting, the row limit (the sidecar sorts and pages before it answers) and the dashboard time switch. */
export function OptionsEditor({ query, onChange, onBlur }: Props) {
  return (
    <EditorFieldGroup>
      <SortFields query={query} onChange={onChange} />
      <EditorField
        label="Limit"
        htmlFor={LIMIT_ID}
        tooltip="Most rows to return (1 to 10000; the sidecar's default is 1000)."
      >
        <Input
          id={LIMIT_ID}
          type="number"
          min={1}
          max={10000}
          width={12}
          value={query.limit ?? ''}
          placeholder="1000"
          onChange={(e) => {
            const text = e.currentTarget.value;
            onChange({ ...query, limit: text === '' ? undefined : Number(text) }, false);
          }}
          onBlur={onBlur}
        />
      </EditorField>
      {usesTimeRange(query.queryType) && <TimeRangeSwitch query={query} onChange={onChange} />}
    </EditorFieldGroup>
  );
}

/** The column to sort by (one of the result's) and the order. */
function SortFields({ query, onChange }: Omit<Props, 'onBlur'>) {
  const sort = query.sort;
  return (
    <>
      <EditorField
        label="Sort by"
        htmlFor={SORT_FIELD_ID}
        tooltip="A column of the result; the sidecar sorts before it pages."
      >
        <Combobox<string>
          id={SORT_FIELD_ID}
          width={28}
          isClearable
          placeholder="as the sidecar orders"
          options={sortOptions(query)}
          value={sort?.field ?? null}
          onChange={(chosen) =>
            onChange(
              { ...query, sort: chosen ? { field: chosen.value, order: sort?.order ?? 'asc' } : undefined },
              true
            )
          }
        />
      </EditorField>
      <EditorField label="Order">
        <RadioButtonGroup<'asc' | 'desc'>
          value={sort?.order ?? 'asc'}
          disabled={!sort?.field}
          options={[
            { label: 'Ascending', value: 'asc' },
            { label: 'Descending', value: 'desc' },
          ]}
          onChange={(order) => sort?.field && onChange({ ...query, sort: { field: sort.field, order } }, true)}
        />
      </EditorField>
    </>
  );
}

/** "Filter by dashboard time", for the query types a time range can filter. */
function TimeRangeSwitch({ query, onChange }: Omit<Props, 'onBlur'>) {
  return (
    <EditorField
      label="Filter by dashboard time"
      htmlFor={TIME_RANGE_ID}
      tooltip={
        query.queryType === 'images'
          ? 'Only images pushed within the dashboard time range. Off: every image, whatever the range.'
          : 'Only uses seen within the dashboard time range. Off: every use, whatever the range.'
      }
    >
      <EditorSwitch
        id={TIME_RANGE_ID}
        value={query.useTimeRange === true}
        onChange={(e) => onChange({ ...query, useTimeRange: e.currentTarget.checked || undefined }, true)}
      />
    </EditorField>
  );
}

/** The options that are set, for the collapsed "Options" group. */
export function optionsSummary(query: EcrQuery & { queryType: QueryType }): string[] {
  const out: string[] = [];
  if (query.sort?.field) {
    out.push(`Sort: ${query.sort.field} ${query.sort.order}`);
  }
  if (query.limit) {
    out.push(`Limit: ${query.limit}`);
  }
  if (query.useTimeRange && usesTimeRange(query.queryType)) {
    out.push('Dashboard time');
  }
  return out;
}
