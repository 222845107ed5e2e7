/**
 * The contract's RANGE_QUERY_TYPES (what the plugin's "Filter by dashboard time" switch offers) are exactly
 * the query types whose frame builders filter by `range`.
 */
import { QUERY_TYPES, RANGE_QUERY_TYPES } from '@ecr-lens/contract';
import { describe, expect, it } from 'vitest';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { cleanupBuilder, lifecycleBuilder } from '../../src/cleanup/plan/frames.js';
import { createCleanupService } from '../../src/cleanup/service.js';
import { BUILT_IN_BUILDERS } from '../../src/query/engine.js';
import { fakeInventory, makeSnapshot, NOW } from '../support/builders.js';

describe('range query types', () => {
  it('are the query types whose builders use the range', () => {
    const service = createCleanupService({
      config: CleanupConfig.parse({}),
      inventory: fakeInventory(makeSnapshot()),
      prices: { defaultUsdPerGbMonth: 0.1 },
      now: () => NOW,
    });
    const builders = { ...BUILT_IN_BUILDERS, cleanup: cleanupBuilder(service), lifecycle: lifecycleBuilder(service) };
    expect(Object.keys(builders).sort()).toEqual([...QUERY_TYPES].sort());
    const usingRange = QUERY_TYPES.filter((type) => (builders as Record<string, { usesRange: boolean }>)[type]?.usesRange);
    expect(usingRange).toEqual([...RANGE_QUERY_TYPES]);
  });
});
