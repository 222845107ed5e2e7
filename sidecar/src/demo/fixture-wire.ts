import { z } from 'zod';

/** Times and digests in fixtures are as on the AWS wire. */
export const epochSeconds = z.number().nonnegative().describe('Epoch seconds (fractions allowed), as on the AWS wire');

export const digest = z
  .string()
  .regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/, 'must be an OCI digest such as sha256:<64 hex>');
