import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';

/**
 * expect(actual).toStrictEqual(expected) for large typed arrays and indexes: Vitest walks typed arrays
 * element by element (seconds for a few hundred thousand), so Node's check runs first and Vitest's only
 * to report a difference.
 */
export function expectDeepEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
}
