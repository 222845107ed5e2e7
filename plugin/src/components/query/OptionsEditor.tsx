import React from 'react';
import { InlineField, InlineFieldRow, InlineSwitch, Input, RadioButtonGroup } from '@grafana/ui';

import { usesTimeRange } from '../../interpolate';

import type { EcrQuery } from '../../types';
import { selectors } from '../selectors';

interface Props {
  query: EcrQuery;
  onChange: (query: EcrQuery, run: boolean) => void;
  onBlur: () => void;
}

/** Sorting, the row limit (the sidecar sorts and pages before it answers) and the dashboard time switch. */
export function OptionsEditor({ query, onChange, onBlur }: Props) {
  const sort = query.sort;
  return (
    <InlineFieldRow>
      <InlineField
        label="Sort by"
        labelWidth={22}
        tooltip="A column name of the result, e.g. monthlyCostUsd or pushedAt."
        interactive
      >
        <Input
          aria-label={selectors.QueryEditor.sortField}
          width={24}
          value={sort?.field ?? ''}
          placeholder="column name"
          onChange={(e) => {
            const field = e.currentTarget.value;
            onChange({ ...query, sort: field ? { field, order: sort?.order ?? 'asc' } : undefined }, false);
          }}
          onBlur={onBlur}
        />
      </InlineField>
      <InlineField label="Order" labelWidth={8} disabled={!sort?.field}>
        <RadioButtonGroup<'asc' | 'desc'>
          aria-label={selectors.QueryEditor.sortOrder}
          value={sort?.order ?? 'asc'}
          disabled={!sort?.field}
          options={[
            { label: 'Ascending', value: 'asc' },
            { label: 'Descending', value: 'desc' },
          ]}
          onChange={(order) => sort?.field && onChange({ ...query, sort: { field: sort.field, order } }, true)}
        />
      </InlineField>
      <InlineField
        label="Limit"
        labelWidth={8}
        tooltip="Most rows to return (1 to 10000; the sidecar's default is 1000)."
        interactive
      >
        <Input
          aria-label={selectors.QueryEditor.limit}
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
      </InlineField>
      {query.queryType && query.queryType !== 'annotations' && usesTimeRange(query.queryType) && (
        <InlineField
          label="Filter by dashboard time"
          labelWidth={24}
          tooltip={
            query.queryType === 'images'
              ? 'Only images pushed within the dashboard time range. Off: every image, whatever the range.'
              : 'Only uses seen within the dashboard time range. Off: every use, whatever the range.'
          }
          interactive
        >
          <InlineSwitch
            aria-label={selectors.QueryEditor.useTimeRange}
            value={query.useTimeRange === true}
            onChange={(e) => onChange({ ...query, useTimeRange: e.currentTarget.checked || undefined }, true)}
          />
        </InlineField>
      )}
    </InlineFieldRow>
  );
}
