/** The types of a cleanup execution: what it is asked, what it needs, and what it answers. */
import type { SelectedImage, SelectionChange } from '@ecr-lens/contract';
import type { Inventory } from '../../snapshot/inventory.js';
import type { SelectionIssue } from '../plan/selection.js';
import type { AuditCaller } from '../../store/types.js';
import type { AuditWriter } from './audit.js';
import type { ImageDescriber } from './ecr-describer.js';
import type { GrafanaPoster } from './grafana.js';
import type { CleanupService, ExecutionOutcome } from '../service.js';

export interface DeleteFailure {
  readonly digest: string;
  readonly code: string;
  readonly reason: string;
}

export interface DeleteResult {
  readonly deleted: readonly string[];
  readonly failures: readonly DeleteFailure[];
}

/** Deletes images by digest (one BatchDeleteImage call, ≤100 digests). Wired to the real ECR client by the server. */
export type ImageDeleter = (
  registry: { readonly accountId: string; readonly region: string },
  repositoryName: string,
  digests: readonly string[],
) => Promise<DeleteResult>;

export type Caller = AuditCaller;

export interface ExecuteRequest {
  readonly planId: string;
  /** Repository name globs; the plan id must be that of the plan restricted to them (as GET /plan?repository=). */
  readonly repositories?: readonly string[];
  /** Account ids and regions, as GET /plan?registry=&region=. */
  readonly registry?: readonly string[];
  readonly region?: readonly string[];
  /** Only these images, approved by a person from the plan of planId (plan/selection.ts checks them). */
  readonly images?: readonly SelectedImage[];
  readonly dryRun: boolean;
  readonly caller: Caller;
}

export interface ExecutedImage {
  readonly repository: string;
  readonly account: string;
  readonly region: string;
  readonly digest: string;
  readonly tags: readonly string[];
  /** ECR's imageSizeInBytes; null when it did not report it. */
  readonly sizeBytes: number | null;
  readonly reclaimableBytes: number | null;
}

export interface FailedImage extends ExecutedImage {
  readonly code: string;
  readonly reason: string;
}

export interface ExecutionReport {
  readonly runId: string;
  readonly planId: string;
  readonly dryRun: boolean;
  readonly outcome: ExecutionOutcome;
  /** Why the run stopped early (outcome aborted or audit_failed). */
  readonly stoppedBecause?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Images the plan deletes in scope (with approved images, those). */
  readonly candidates: number;
  /** Candidates left for a later run: over maxDeletionsPerRun, not reached because the run stopped, or held back because what they go with stayed. */
  readonly deferred: number;
  readonly maxDeletionsPerRun: number;
  /** Deleted (or, in a dry run, that would be deleted). */
  readonly deleted: readonly ExecutedImage[];
  readonly failures: readonly FailedImage[];
  /** Sum of imageSizeInBytes of the deleted images whose size is known. */
  readonly deletedBytes: number;
  readonly blockedRepositories: readonly string[];
  /** How many times the in-use sources were read during the run (the first read included). */
  readonly usesChecks: number;
  readonly grafana: 'posted' | 'not-configured' | 'skipped-dry-run' | `failed: ${string}`;
  /** The id of the Grafana annotation the run made, when Grafana said it. */
  readonly grafanaAnnotationId?: number;
}

export type ExecuteResult =
  | { readonly kind: 'done'; readonly report: ExecutionReport }
  | {
      readonly kind: 'conflict';
      readonly planId: string;
      readonly currentPlanId: string;
      readonly runId: string;
      /** With approved images: what the current plan decides for them. */
      readonly selection?: { readonly unchanged: number; readonly changed: readonly SelectionChange[] };
    }
  | { readonly kind: 'invalid'; readonly issues: readonly SelectionIssue[]; readonly runId: string }
  | { readonly kind: 'busy'; readonly runningRunId: string; readonly runId: string }
  | { readonly kind: 'unavailable'; readonly message: string; readonly runId: string };

export interface ExecuteDeps {
  readonly service: CleanupService;
  readonly inventory: Inventory;
  readonly deleter: ImageDeleter;
  readonly audit: AuditWriter;
  readonly grafana?: GrafanaPoster;
  readonly logger?: {
    warn(msg: string, fields?: Record<string, unknown>): void;
    info(msg: string, fields?: Record<string, unknown>): void;
  };
  /** Default RECHECK_INTERVAL_MS. */
  readonly recheckIntervalMs?: number;
  /** Reads the candidates' tags from ECR before each batch; without it (tests of other parts) tags are not re-read. */
  readonly describer?: ImageDescriber;
}
