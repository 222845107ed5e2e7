import React from 'react';
import type { AnnotationQuery, QueryEditorProps } from '@grafana/data';
import { InlineField, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import { ANNOTATIONS_QUERY_TYPE, type AnnotationKind, type EcrQuery } from '../types';
import { selectors } from './selectors';

type Props = QueryEditorProps<any, EcrQuery> & {
  annotation?: AnnotationQuery<EcrQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<EcrQuery>) => void;
};

/** Annotation query: image pushes or cleanup candidates in the dashboard's time range. */
export function AnnotationQueryEditor({ query, onChange }: Props) {
  const kind: AnnotationKind = query?.annotationKind === 'cleanup' ? 'cleanup' : 'push';
  const base: EcrQuery = { ...query, refId: query?.refId ?? 'Anno', queryType: ANNOTATIONS_QUERY_TYPE };
  return (
    <Stack direction="column" gap={1}>
      <InlineField
        label="Events"
        labelWidth={20}
        tooltip="Pushes mark when images arrived; cleanup marks the push time of images the cleanup plan would delete."
        interactive
      >
        <RadioButtonGroup<AnnotationKind>
          aria-label={selectors.AnnotationQueryEditor.kind}
          value={kind}
          options={[
            { label: 'Image pushes', value: 'push' },
            { label: 'Cleanup candidates', value: 'cleanup' },
          ]}
          onChange={(annotationKind) => onChange({ ...base, annotationKind })}
        />
      </InlineField>
      <InlineField
        label="Repository"
        labelWidth={20}
        tooltip="Optional repository name glob; $repository works."
        interactive
      >
        <Input
          aria-label={selectors.AnnotationQueryEditor.repository}
          width={40}
          value={query?.filters?.repository ?? ''}
          placeholder="all repositories"
          onChange={(e) =>
            onChange({ ...base, annotationKind: kind, filters: { ...base.filters, repository: e.currentTarget.value } })
          }
        />
      </InlineField>
    </Stack>
  );
}
