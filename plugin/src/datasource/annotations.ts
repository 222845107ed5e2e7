import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { Annotation } from '@ecr-lens/contract';

export interface AnnotationRow {
  time: number;
  timeEnd?: number;
  title?: string;
  text: string;
  tags: string[];
}

/** The events of GET /api/v1/annotations (checked against the contract by the client) as rows. */
export function annotationRows(events: readonly Annotation[]): AnnotationRow[] {
  return events.map((e) => ({ time: e.time, timeEnd: e.timeEnd, text: e.text, tags: [...e.tags], title: e.title }));
}

/** Rows -> a frame with `time`, `text` and `tags` fields, the names Grafana's standard annotation mapper looks for. */
export function annotationFrame(rows: AnnotationRow[], refId: string): DataFrame {
  const fields = [
    { name: 'time', type: FieldType.time, values: rows.map((r) => r.time) },
    { name: 'text', type: FieldType.string, values: rows.map((r) => r.text) },
    { name: 'tags', type: FieldType.other, values: rows.map((r) => r.tags) },
  ];
  if (rows.some((r) => r.title !== undefined)) {
    fields.push({ name: 'title', type: FieldType.string, values: rows.map((r) => r.title ?? '') });
  }
  if (rows.some((r) => r.timeEnd !== undefined)) {
    fields.push({ name: 'timeEnd', type: FieldType.time, values: rows.map((r) => r.timeEnd ?? r.time) });
  }
  return createDataFrame({ refId, name: 'annotations', fields });
}
