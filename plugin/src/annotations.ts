import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';

export interface AnnotationRow {
  time: number;
  timeEnd?: number;
  title?: string;
  text: string;
  tags: string[];
}

const toTags = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? v.split(',').map((t) => t.trim()) : [];

const toTime = (v: unknown): number => (typeof v === 'number' ? v : Date.parse(String(v)));

/** The sidecar answers GET /api/v1/annotations with an array of events: {time, title, text, tags, timeEnd?}. */
export function annotationRows(body: unknown): AnnotationRow[] {
  if (!Array.isArray(body)) {
    throw new Error('The sidecar answered the annotation query without a list of events.');
  }
  return body.map((r: Record<string, unknown>) => ({
    time: toTime(r.time),
    text: String(r.text ?? ''),
    tags: toTags(r.tags),
    title: typeof r.title === 'string' ? r.title : undefined,
    timeEnd: r.timeEnd === undefined || r.timeEnd === null ? undefined : toTime(r.timeEnd),
  }));
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
