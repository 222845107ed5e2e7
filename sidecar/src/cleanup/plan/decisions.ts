import type { ImageUse } from '../../snapshot/model.js';
import type { Reason } from './reasons.js';

/** A decision, as one byte per image. */
export const KEEP = 0;
export const DELETE = 1;

/** Per image (by position in the repository's newest-first list): the decision, its reasons and the uses that count. */
export interface Decisions {
  readonly decision: Uint8Array;
  readonly reasons: Reason[][];
  readonly uses: (readonly ImageUse[])[];
}
