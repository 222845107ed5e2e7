import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, createQueryRunner } from '../../src/query/cache.js';
import { selectPage } from '../../src/query/table.js';
import { sampleSnapshot } from '../support/sample.js';
import { request, testContext } from '../support/frames.js';

describe('selectPage', () => {
  it('equals a full stable sort then slice, nulls last, for any keys, order and page', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }), { maxLength: 200 }),
        fc.constantFrom('asc' as const, 'desc' as const),
        fc.nat(50),
        fc.integer({ min: 1, max: 30 }),
        (keys, order, offset, limit) => {
          const expected = keys
            .map((_k, i) => i)
            .sort((i, j) => {
              const a = keys[i]!;
              const b = keys[j]!;
              if (a === null || b === null) return (a === null ? 1 : 0) - (b === null ? 1 : 0) || i - j;
              return (order === 'asc' ? a - b : b - a) || i - j;
            })
            .slice(offset, offset + limit);
          expect(selectPage(keys, order, offset, limit)).toEqual(expected);
        },
      ),
    );
  });
});

describe('query cache', () => {
  it('keys by snapshot version and canonical request', async () => {
    const runner = createQueryRunner({ ctx: testContext() });
    const snapshot = sampleSnapshot(1);
    const first = await runner.run(snapshot, request({ queryType: 'repositories', filters: { region: 'us-east-1', registry: '111111111111' } }));
    const again = await runner.run(snapshot, request({ filters: { registry: '111111111111', region: 'us-east-1' }, queryType: 'repositories' }));
    expect([first.cached, again.cached]).toEqual([false, true]);
    expect(again.json).toBe(first.json);
    expect((await runner.run(sampleSnapshot(2), request({ queryType: 'repositories' }))).cached).toBe(false);
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('answers but does not keep results larger than the byte bound', async () => {
    const runner = createQueryRunner({ ctx: testContext(), maxCacheBytes: 100 });
    const snapshot = sampleSnapshot(1);
    await runner.run(snapshot, request({ queryType: 'images' }));
    expect((await runner.run(snapshot, request({ queryType: 'images' }))).cached).toBe(false);
  });
});
