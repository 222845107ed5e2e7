import React, { useEffect, useState } from 'react';
import { EditorField } from '@grafana/plugin-ui';
import { Combobox, Input, MultiCombobox, RadioButtonGroup, type ComboboxOption } from '@grafana/ui';

import { splitList } from '@ecr-lens/contract';

import type { EcrFilters } from '../../types';
import type { FilterSpec } from './filterSpecs';
import { knownValues, SUGGESTED, variableOptions, type ValueSource } from './suggestions';
import { filterIssue } from './validate';

interface Props {
  spec: FilterSpec;
  filters: EcrFilters;
  /** Where known values come from (the data source); absent, only variables and typed values are offered. */
  source?: ValueSource;
  /** Changes the filters; `run` asks for the query to run now (choices), not on every keystroke. */
  onChange: (filters: EcrFilters, run: boolean) => void;
  onBlur: () => void;
}

const ANY = '__any__';
export const filterId = (key: string) => `ecr-lens-filter-${key}`;

type Set = (value: unknown, run: boolean) => void;
interface ControlProps<K extends FilterSpec['kind']> {
  spec: Extract<FilterSpec, { kind: K }>;
  current: unknown;
  set: Set;
  onBlur: () => void;
  filters: EcrFilters;
  source?: ValueSource;
}

/** One filter in an editor field, rendered by kind, with the sidecar's own check of what is typed. */
export function FilterField({ spec, filters, source, onChange, onBlur }: Props) {
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
  const issue = typeof current === 'string' ? filterIssue(spec.key, current) : undefined;
  return (
    <EditorField
      label={spec.label}
      htmlFor={filterId(spec.key)}
      tooltip={spec.help}
      tooltipInteractive
      invalid={Boolean(issue)}
      error={issue}
    >
      {control(spec, { current, set, onBlur, filters, source })}
    </EditorField>
  );
}

function control(spec: FilterSpec, props: Omit<ControlProps<FilterSpec['kind']>, 'spec'>): React.ReactElement {
  switch (spec.kind) {
    case 'list':
      return <ListControl spec={spec} {...props} />;
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

const option = (value: string): ComboboxOption<string> => ({ label: value, value });

/** Dashboard variables, the sidecar's known values and what is already set, each once. */
function useListOptions(spec: FilterSpec, filters: EcrFilters, source: ValueSource | undefined, selected: string[]) {
  const [known, setKnown] = useState<Array<ComboboxOption<string>>>([]);
  const kind = SUGGESTED[spec.key];
  const repository = spec.key === 'tag' ? filters.repository : undefined;
  useEffect(() => {
    let live = true;
    if (source && kind) {
      knownValues(source, kind, repository).then(
        (values) => live && setKnown(values),
        // Suggestions are a convenience: a failed lookup leaves typing and variables.
        () => live && setKnown([])
      );
    }
    return () => {
      live = false;
    };
  }, [source, kind, repository]);
  const all = [...variableOptions(), ...known, ...selected.map(option)];
  return all.filter((o, i) => all.findIndex((other) => other.value === o.value) === i);
}

function ListControl({ spec, current, set, filters, source }: ControlProps<'list'>) {
  const selected = typeof current === 'string' ? splitList(current) : [];
  const options = useListOptions(spec, filters, source, selected);
  return (
    <MultiCombobox<string>
      id={filterId(spec.key)}
      width={48}
      placeholder={spec.placeholder}
      createCustomValue
      customValueDescription="Use this value (globs such as team/* work where the help says so)"
      options={options}
      value={selected}
      onChange={(chosen) => set(chosen.map((o) => o.value).join(', '), true)}
    />
  );
}

function TextControl({ spec, current, set, onBlur }: ControlProps<'text' | 'date'>) {
  return (
    <Input
      id={filterId(spec.key)}
      width={48}
      value={typeof current === 'string' ? current : ''}
      placeholder={spec.placeholder}
      onChange={(e) => set(e.currentTarget.value, false)}
      onBlur={onBlur}
    />
  );
}

function NumberControl({ spec, current, set, onBlur }: ControlProps<'number'>) {
  return (
    <Input
      id={filterId(spec.key)}
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

function BooleanControl({ spec, current, set }: ControlProps<'boolean'>) {
  return (
    <RadioButtonGroup<string>
      id={filterId(spec.key)}
      aria-label={spec.label}
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

function SingleControl({ spec, current, set }: ControlProps<'single'>) {
  return (
    <Combobox<string>
      id={filterId(spec.key)}
      width={24}
      placeholder="any"
      isClearable
      options={spec.options.map(option)}
      value={typeof current === 'string' ? current : null}
      onChange={(chosen) => set(chosen?.value, true)}
    />
  );
}

function MultiControl({ spec, current, set }: ControlProps<'multi'>) {
  const selected = Array.isArray(current) ? (current as string[]) : [];
  return (
    <MultiCombobox<string>
      id={filterId(spec.key)}
      width={48}
      placeholder="any"
      options={spec.options.map(option)}
      value={selected}
      onChange={(chosen) =>
        set(
          chosen.map((o) => o.value),
          true
        )
      }
    />
  );
}
