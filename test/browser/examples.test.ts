import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runQuery } from '../../sidecar/src/query/engine.js';
import { QueryRequest } from '../../sidecar/src/query/request.js';
import { testContext } from '../../sidecar/test/support/frames.js';
import { sampleSnapshot } from '../../sidecar/test/support/sample.js';

interface Example {
  title: string;
  query: { queryType: string; filters?: Record<string, unknown>; sort?: unknown; limit?: number };
}

// Imported at run time: the plugin is its own TypeScript project (Grafana types, JSX).
const examplesPath = fileURLToPath(new URL('../../plugin/src/datasource/components/query/examples.ts', import.meta.url));
const { EXAMPLES } = (await import(/* @vite-ignore */ examplesPath)) as { EXAMPLES: Example[] };

describe('query editor help examples', () => {
  it('offers examples', () => {
    expect(EXAMPLES.length).toBeGreaterThan(2);
  });

  it.each(EXAMPLES.map((e) => [e.title, e.query] as const))('%s runs on the sidecar', (_title, query) => {
    // The plugin interpolates template variables before the request; use a sample value.
    const filters = JSON.parse(JSON.stringify(query.filters ?? {}).replaceAll('$repository', 'team/api'));
    const request = QueryRequest.parse({ queryType: query.queryType, filters, sort: query.sort, limit: query.limit });
    // The engine also checks what the schema cannot: filters per query type and sort columns.
    const { frame } = runQuery(sampleSnapshot(), request, testContext());
    expect(frame.fields.length).toBeGreaterThan(0);
  });
});
