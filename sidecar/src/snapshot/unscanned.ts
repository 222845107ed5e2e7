/**
 * What "unscanned" means, in one place: the severity query's unscannedImages and the metric
 * ecrlens_repository_images_unscanned both count with it, so the two always agree.
 *
 * ECR scans single-platform images. An index is not scanned (its children are); attestations (signatures,
 * SBOMs, SOCI indexes) and other artifacts (Helm charts, ...) are not scannable. Their unknown counts are
 * no gap in scanning, so they never count as unscanned.
 */
import type { ImageKind } from './model.js';

/** Whether ECR scans images of this kind. */
export const isScannableKind = (kind: ImageKind): boolean => kind === 'image';

/** An image of this kind counts as unscanned when its finding counts are unknown (not scanned, pending, failed, unsupported, ...). */
export const isUnscanned = (kind: ImageKind, countsKnown: boolean): boolean => !countsKnown && isScannableKind(kind);
