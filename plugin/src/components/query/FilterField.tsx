import React from 'react';
import { Checkbox, InlineField, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import type { EcrFilters } from '../../types';
import { selectors } from '../selectors';
import type { FilterSpec } from './filterSpecs';

interface Props {
  spec: FilterSpec;
  filters: EcrFilters;
  /** Changes the filters; `run` asks for the query to run now (choices), not on every keystroke. */
  onChange: (filters: EcrFilters, run: boolean) => void;
  onBlur: () => void;
}

const LABEL_WIDTH = 22;
const ANY = '__any__';

type Set = (value: unknown, run: boolean) => void;
interface ControlProps<K extends FilterSpec['kind']> {
  spec: Extract<FilterSpec, { kind: K }>;
  label: string;
  current: unknown;
  set: Set;
  onBlur: () => void;
}

/** One filter, rendered by kind: text lists, dates, numbers, tri-state booleans, single and multiple choices. */
export function FilterField({ spec, filters, onChange, onBlur }: Props) {
  const label = selectors.QueryEditor.filter(spec.key);
  const set: Set = (value, run) => {
    const next = { ...filters } as Record<string, unknown>;
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
      delete next[spec.key];
    } else {
      next[spec.key] = value;
    }
    onChange(next as EcrFilters, run);
  };
  const current = (filters as Record<string, unknown>)[spec.key];
  return (
    <InlineField label={spec.label} labelWidth={LABEL_WIDTH} tooltip={spec.help} interactive>
      {control(spec, { label, current, set, onBlur })}
    </InlineField>
  );
}

function control(spec: FilterSpec, props: Omit<ControlProps<FilterSpec['kind']>, 'spec'>): React.ReactElement {
  switch (spec.kind) {
    case 'list':
    case 'text':
    case 'date':
      return <TextControl spec={spec} {...props} />;
    case 'number':
      return <NumberControl spec={spec} {...props} />;
    case 'boolean':
      return <BooleanControl spec={spec} {...props} />;
    case 'single':
      return <SingleControl spec={spec} {...props} />;
    case 'multi':
      return <MultiControl spec={spec} {...props} />;
  }
}

function TextControl({ spec, label, current, set, onBlur }: ControlProps<'list' | 'text' | 'date'>) {
  return (
    <Input
      aria-label={label}
      width={48}
      value={typeof current === 'string' ? current : ''}
      placeholder={spec.placeholder}
      onChange={(e) => set(e.currentTarget.value, false)}
      onBlur={onBlur}
    />
  );
}

function NumberControl({ spec, label, current, set, onBlur }: ControlProps<'number'>) {
  return (
    <Input
      aria-label={label}
      type="number"
      min={0}
      width={16}
      value={typeof current === 'number' ? current : ''}
      placeholder={spec.placeholder}
      onChange={(e) => {
        const text = e.currentTarget.value;
        set(text === '' ? undefined : Number(text), false);
      }}
      onBlur={onBlur}
    />
  );
}

function BooleanControl({ label, current, set }: ControlProps<'boolean'>) {
  return (
    <RadioButtonGroup<string>
      aria-label={label}
      value={current === true ? 'yes' : current === false ? 'no' : ANY}
      options={[
        { label: 'Any', value: ANY },
        { label: 'Yes', value: 'yes' },
        { label: 'No', value: 'no' },
      ]}
      onChange={(v) => set(v === ANY ? undefined : v === 'yes', true)}
    />
  );
}

function SingleControl({ spec, label, current, set }: ControlProps<'single'>) {
  return (
    <RadioButtonGroup<string>
      aria-label={label}
      value={typeof current === 'string' ? current : ANY}
      options={[{ label: 'Any', value: ANY }, ...spec.options.map((o) => ({ label: o, value: o }))]}
      onChange={(v) => set(v === ANY ? undefined : v, true)}
    />
  );
}

function MultiControl({ spec, label, current, set }: ControlProps<'multi'>) {
  const selected = Array.isArray(current) ? (current as string[]) : [];
  return (
    <div role="group" aria-label={label}>
      <Stack direction="row" gap={2} alignItems="center" wrap="wrap">
        {spec.options.map((option) => (
          <Checkbox
            key={option}
            label={option}
            value={selected.includes(option)}
            onChange={(e) =>
              set(
                e.currentTarget.checked
                  ? spec.options.filter((o) => o === option || selected.includes(o))
                  : selected.filter((o) => o !== option),
                true
              )
            }
          />
        ))}
      </Stack>
    </div>
  );
}
