import fc from 'fast-check';
import { describe, it } from 'vitest';
import { runNow } from '../../src/cooperative.js';
import { ascendingOrderSteps } from '../../src/query/columnar/image-select.js';
import { expectDeepEqual } from '../support/deep-equal.js';

/** The order by a plain sort: value ascending, NaN last, ties by row. */
function reference(values: Float64Array): Int32Array {
  const order = Int32Array.from(values.keys());
  return order.sort((a, b) => {
    const x = values[a]!;
    const y = values[b]!;
    if (x === y) return a - b;
    if (Number.isNaN(x)) return Number.isNaN(y) ? a - b : 1;
    if (Number.isNaN(y)) return -1;
    return x < y ? -1 : 1;
  });
}

describe('ascendingOrderSteps', () => {
  // Sizes around and across the sorted runs, an odd number of runs included.
  it.each([0, 1, 2, 1000, 32_768, 32_769, 70_000, 140_001])('matches a plain sort of %i rows with ties, infinities and NaN', (n) => {
    let seed = n + 1;
    const random = (): number => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
    const values = Float64Array.from({ length: n }, () => {
      const r = random();
      return r < 0.2 ? NaN : r < 0.22 ? Infinity : r < 0.24 ? -Infinity : r < 0.26 ? -0 : Math.floor(r * 500);
    });
    expectDeepEqual(runNow(ascendingOrderSteps(values)), reference(values));
  });

  it('matches a plain sort for any values: negative, subnormal, -0, infinite, NaN', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), (list) => {
        const values = Float64Array.from(list);
        expectDeepEqual(runNow(ascendingOrderSteps(values)), reference(values));
      }),
      { numRuns: 500 },
    );
  });
});
