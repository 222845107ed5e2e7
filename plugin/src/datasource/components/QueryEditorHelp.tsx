import React from 'react';
import type { QueryEditorHelpProps } from '@grafana/data';
import { Button, Stack, Text } from '@grafana/ui';

import { QUERY_TYPES, type EcrQuery } from '../types';
import { EXAMPLES } from './query/examples';
import { QUERY_TYPE_INFO } from './query/filterSpecs';

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
