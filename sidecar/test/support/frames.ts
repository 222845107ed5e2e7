import { QueryRequest } from '../../src/query/request.js';
import type { Frame } from '../../src/query/frame.js';
import type { QueryContext } from '../../src/query/context.js';
import { NOW } from './builders.js';

export const testContext = (patch: Partial<QueryContext> = {}): QueryContext => ({
  now: () => NOW,
  prices: { defaultUsdPerGbMonth: 0.1, byRegion: { 'eu-west-1': 0.12 } },
  ...patch,
});

/** Parses a request as the HTTP layer does (defaults applied). */
export const request = (input: Record<string, unknown>): QueryRequest => QueryRequest.parse(input);

export const values = (frame: Frame, name: string): readonly unknown[] => {
  const field = frame.fields.find((f) => f.name === name);
  if (!field) throw new Error(`no field ${name} in ${frame.fields.map((f) => f.name).join(', ')}`);
  return field.values;
};

/** Frame rows as records, for whole-row assertions. */
export function rows(frame: Frame): Record<string, unknown>[] {
  const n = frame.fields[0]?.values.length ?? 0;
  return Array.from({ length: n }, (_, i) => Object.fromEntries(frame.fields.map((f) => [f.name, f.values[i]])));
}
