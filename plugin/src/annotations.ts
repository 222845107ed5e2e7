import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';

import type { SidecarFrame } from './sidecar';

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

function rowsFromFrame(frame: SidecarFrame): AnnotationRow[] {
  const col = (name: string) => frame.fields.find((f) => f.name === name)?.values ?? [];
  const time = col('time');
  const text = col('text');
  const tags = col('tags');
  const title = col('title');
  const timeEnd = col('timeEnd');
  return time.map((t, i) => ({
    time: toTime(t),
    text: String(text[i] ?? ''),
    tags: toTags(tags[i]),
    title: title[i] === undefined || title[i] === null ? undefined : String(title[i]),
    timeEnd: timeEnd[i] === undefined || timeEnd[i] === null ? undefined : toTime(timeEnd[i]),
  }));
}

/** Accepts the sidecar's annotation answer as rows, `{rows}`, `{annotations}`, a frame or `{frame}`. */
export function annotationRows(body: unknown): AnnotationRow[] {
  if (Array.isArray(body)) {
    return body.map((r: Record<string, unknown>) => ({
      time: toTime(r.time),
      text: String(r.text ?? ''),
      tags: toTags(r.tags),
      title: typeof r.title === 'string' ? r.title : undefined,
      timeEnd: r.timeEnd === undefined || r.timeEnd === null ? undefined : toTime(r.timeEnd),
    }));
  }
  if (typeof body === 'object' && body !== null) {
    const o = body as Record<string, unknown>;
    if (Array.isArray(o.fields)) {
      return rowsFromFrame(o as unknown as SidecarFrame);
    }
    for (const key of ['rows', 'annotations', 'data', 'frame']) {
      if (o[key] !== undefined) {
        return annotationRows(o[key]);
      }
    }
  }
  return [];
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
