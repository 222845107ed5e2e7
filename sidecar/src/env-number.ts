/**
 * Numbers from environment variables: decimal digits only. `z.coerce.number()` would also read `0x10`,
 * `1e3`, `0b1` and whitespace (as 0); a setting must mean what it says.
 */
import { z } from 'zod';

const DECIMAL = /^\d{1,15}(?:\.\d{1,15})?$/;

/** A non-negative decimal setting as a number (surrounding blanks ignored); NaN for anything else. */
export const parseDecimal = (text: string): number => (DECIMAL.test(text.trim()) ? Number(text.trim()) : Number.NaN);

/** A non-negative decimal string as a number; pipe it into the bounds: `envDecimal().pipe(z.number().int())`. */
export const envDecimal = () =>
  z
    .string()
    .trim()
    .regex(DECIMAL, 'must be a decimal number')
    .transform((text) => Number(text));
