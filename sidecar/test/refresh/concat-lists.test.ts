import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatLists } from '../../src/concat-lists.js';

describe('concatLists', () => {
  it('joins the lists in order, as flat() does', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(), { maxLength: 4 }), { maxLength: 20 }), (lists) => {
        expect(concatLists(lists)).toEqual(lists.flat());
      }),
    );
  });

  it('takes more lists than a call takes arguments, and lists longer than that', () => {
    // 300,000 lists: spread into one call, they overflow the stack.
    const many = Array.from({ length: 300_000 }, (_, i) => (i % 3 === 0 ? [] : [i]));
    const joined = concatLists(many);
    expect(joined).toHaveLength(200_000);
    expect(joined.slice(0, 4)).toEqual([1, 2, 4, 5]);
    expect(joined.at(-1)).toBe(299_999);
    const long = Array.from({ length: 500_000 }, (_, i) => i);
    expect(concatLists([[-1], long, [-2]])).toHaveLength(500_002);
  });
});
