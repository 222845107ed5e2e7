import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanupBuilder, lifecycleBuilder } from '../../sidecar/src/cleanup/plan/frames.js';
import type { CleanupService } from '../../sidecar/src/cleanup/service.js';
import { BUILT_IN_BUILDERS } from '../../sidecar/src/query/engine.js';
import { QUERY_TYPES } from '../../sidecar/src/query/request.js';

interface QueryTypeInfo {
  filters: string[];
}

// Imported at run time: the plugin is its own TypeScript project (Grafana types, JSX).
const specsPath = fileURLToPath(new URL('../../plugin/src/components/query/filterSpecs.ts', import.meta.url));
const { QUERY_TYPE_INFO } = (await import(/* @vite-ignore */ specsPath)) as {
  QUERY_TYPE_INFO: Record<string, QueryTypeInfo>;
};

// The cleanup builders' filter lists do not depend on the service.
const service = {} as CleanupService;
const sidecarFilters: Record<string, readonly string[]> = {
  ...Object.fromEntries(Object.entries(BUILT_IN_BUILDERS).map(([type, builder]) => [type, builder.filters])),
  cleanup: cleanupBuilder(service).filters,
  lifecycle: lifecycleBuilder(service).filters,
};

describe("the plugin's query editor and the sidecar agree", () => {
  it('on the query types', () => {
    expect(Object.keys(QUERY_TYPE_INFO).sort()).toEqual([...QUERY_TYPES].sort());
    expect(Object.keys(sidecarFilters).sort()).toEqual([...QUERY_TYPES].sort());
  });

  it.each([...QUERY_TYPES])('on the filters of %s', (type) => {
    // The editor offers exactly the filters the sidecar accepts for the type (others are a 400).
    expect([...QUERY_TYPE_INFO[type]!.filters].sort()).toEqual([...sidecarFilters[type]!].sort());
  });
});
