/**
 * An in-use source: something that reads which images a runtime uses (ECS, Lambda, Kubernetes through
 * Prometheus, keep lists). Sources do I/O only and never throw: a failure is an Incomplete entry, which
 * blocks every cleanup plan (fail closed).
 */
import type { ImageUse, Incomplete, UseSource } from '../snapshot/model.js';

export interface SourceRead {
  readonly uses: readonly ImageUse[];
  /** What could not be read. Non-empty means the uses may be missing some: plans are blocked. */
  readonly incomplete: readonly Incomplete[];
  /** What was read but ignored, e.g. keep-list lines that are not ECR references. Informational: plans are not blocked. */
  readonly notices?: readonly string[];
}

/** A source read once per refresh for every registry (Kubernetes, keep lists). Per-registry sources (ECS, Lambda) are read by the refresher per target. */
export interface GlobalUseSource {
  readonly source: UseSource;
  /** A short description for status pages and reasons, without credentials (e.g. the Prometheus URL without its password). */
  readonly description: string;
  read(now: number): Promise<SourceRead>;
}
