import { constants, inflateRawSync } from 'node:zlib';
import type { DeflatedText } from '../../src/metrics/deflated-text.js';

/** The text kept deflated, read back with zlib's own inflater (no final block: a sync flush ends it). */
export function keptText(part: DeflatedText): string {
  return inflateRawSync(Buffer.concat(part.blocks), { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
}
