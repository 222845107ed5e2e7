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

/** One filter, rendered by kind: text lists, dates, numbers, tri-state booleans, single and multiple choices. */
export function FilterField({ spec, filters, onChange, onBlur }: Props) {
  const label = selectors.QueryEditor.filter(spec.key);
  const set = (value: unknown, run: boolean) => {
    const next = { ...filters } as Record<string, unknown>;
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
      delete next[spec.key];
    } else {
      next[spec.key] = value;
    }
    onChange(next as EcrFilters, run);
  };
  const current = (filters as Record<string, unknown>)[spec.key];

  switch (spec.kind) {
    case 'list':
    case 'text':
    case 'date':
      return (
        <InlineField label={spec.label} labelWidth={LABEL_WIDTH} tooltip={spec.help} interactive>
          <Input
            aria-label={label}
            width={48}
            value={typeof current === 'string' ? current : ''}
            placeholder={spec.placeholder}
            onChange={(e) => set(e.currentTarget.value, false)}
            onBlur={onBlur}
          />
        </InlineField>
      );
    case 'number':
      return (
        <InlineField label={spec.label} labelWidth={LABEL_WIDTH} tooltip={spec.help} interactive>
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
        </InlineField>
      );
    case 'boolean':
      return (
        <InlineField label={spec.label} labelWidth={LABEL_WIDTH} tooltip={spec.help} interactive>
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
        </InlineField>
      );
    case 'single':
      return (
        <InlineField label={spec.label} labelWidth={LABEL_WIDTH} tooltip={spec.help} interactive>
          <RadioButtonGroup<string>
            aria-label={label}
            value={typeof current === 'string' ? current : ANY}
            options={[{ label: 'Any', value: ANY }, ...spec.options.map((o) => ({ label: o, value: o }))]}
            onChange={(v) => set(v === ANY ? undefined : v, true)}
          />
        </InlineField>
      );
    case 'multi': {
      const selected = Array.isArray(current) ? (current as string[]) : [];
      return (
        <InlineField label={spec.label} labelWidth={LABEL_WIDTH} tooltip={spec.help} interactive>
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
        </InlineField>
      );
    }
  }
}
