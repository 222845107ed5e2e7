import React from 'react';
import type { QueryEditorHelpProps } from '@grafana/data';
import { Button, Stack, Text } from '@grafana/ui';

import { QUERY_TYPES, type EcrQuery } from '../types';
import { QUERY_TYPE_INFO } from './query/filterSpecs';

const EXAMPLES: Array<{ title: string; query: Omit<EcrQuery, 'refId'> }> = [
  {
    title: 'Most expensive repositories',
    query: { queryType: 'cost', filters: {}, sort: { field: 'monthlyCost', order: 'desc' }, limit: 20 },
  },
  {
    title: 'Critical images still in use',
    query: { queryType: 'images', filters: { minSeverity: 'CRITICAL', inUse: true } },
  },
  {
    title: 'Untagged images not pulled for 30 days',
    query: { queryType: 'images', filters: { untagged: true, notPulledForDays: 30 } },
  },
  {
    title: 'Images of the selected repositories',
    query: { queryType: 'images', filters: { repository: '$repository' } },
  },
];

/** Cheat sheet in Explore: what each query type returns, plus examples to click. */
export function QueryEditorHelp({ onClickExample }: QueryEditorHelpProps<EcrQuery>) {
  return (
    <Stack direction="column" gap={1}>
      <Text element="h4">Query types</Text>
      {QUERY_TYPES.map((t) => (
        <Text key={t} element="p">
          <strong>{QUERY_TYPE_INFO[t].label}</strong>: {QUERY_TYPE_INFO[t].description}
        </Text>
      ))}
      <Text element="h4">Examples</Text>
      {EXAMPLES.map((e) => (
        <Button
          key={e.title}
          variant="secondary"
          size="sm"
          fill="text"
          onClick={() => onClickExample({ refId: 'A', ...e.query })}
        >
          {e.title}
        </Button>
      ))}
    </Stack>
  );
}
