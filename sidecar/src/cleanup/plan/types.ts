/** What a cleanup plan is made of: per image, per repository, and the whole plan with its id. */
import type { Image, Repository } from '../../snapshot/model.js';
import type { Decision, Reason } from './reasons.js';

export interface ImagePlan {
  readonly image: Image;
  readonly decision: Decision;
  readonly reasons: readonly Reason[];
  readonly inUse: boolean;
  /** Clusters whose tasks or services use the image. */
  readonly clusters: readonly string[];
  /** Bytes freed by deleting it: its layers that no kept image of the repository shares. 0 unless deleted; null when unknown. */
  readonly reclaimableBytes: number | null;
  readonly monthlyUsd: number | null;
}

export interface PlanSummary {
  readonly images: number;
  readonly delete: number;
  readonly keep: number;
  readonly blocked: number;
  readonly inUse: number;
  /** Sum of imageSizeInBytes of the images to delete (over-counts shared layers); images without a reported size add nothing. */
  readonly deleteSizeBytes: number;
  /** Deduplicated bytes freed: the union of reclaimable layers. */
  readonly reclaimableBytes: number;
  readonly monthlyUsd: number;
  /** Images to delete whose layers are unknown: their bytes are not in reclaimableBytes. */
  readonly reclaimableUnknown: number;
}

export type RepositoryStatus = 'ok' | 'blocked' | 'no-rule';

export interface RepositoryPlan {
  readonly repository: Repository;
  /** The matching rule's repository glob; `**` for the default rule; null when none matches. */
  readonly rule: string | null;
  readonly status: RepositoryStatus;
  readonly blockedReasons: readonly Reason[];
  /** Newest push first. A fresh list of views on each read. */
  readonly images: readonly ImagePlan[];
  /** The image plan at a position of `images`. */
  imageAt(i: number): ImagePlan;
  /** Positions of the images `keep` accepts; the row it is given is reused, so it must not be kept. */
  positionsWhere(keep: (row: ImagePlan, position: number) => boolean): number[];
  readonly summary: PlanSummary;
  /** sha256 of this repository's inputs and decisions. */
  readonly hash: string;
}

export interface CleanupPlan {
  /** sha256 of the configuration and every repository's hash. */
  readonly id: string;
  readonly generatedAt: number;
  readonly snapshotVersion: number;
  readonly configHash: string;
  readonly repositories: readonly RepositoryPlan[];
  readonly summary: PlanSummary;
  /** What the plan cannot see (sources not read, foreign registries); not part of the id. */
  readonly notices: readonly string[];
}
