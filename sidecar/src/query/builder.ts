import type { Snapshot } from '../snapshot/model.js';
import type { QueryContext } from './context.js';
import type { Frame } from './frame.js';
import type { FilterName, QueryRequest } from './request.js';

/**
 * Builds the frame of one query type. `build` is pure; `load`, when present, fetches what the snapshot
 * lacks (e.g. findings) and its result is passed to `build`. Other modules (cleanup, lifecycle) plug in
 * by adding a builder to the map given to the engine.
 */
export interface FrameBuilder {
  /** Filters this query type understands. Any other filter is answered with a 400 naming it. */
  readonly filters: readonly FilterName[];
  /** Whether `range` filters this type (documented per type in RANGE_SEMANTICS). */
  readonly usesRange: boolean;
  /**
   * The snapshot this type answers from, when it may not be the current one: types that read the cleanup plan
   * answer from the newest snapshot whose plan is made. Query results are cached under its version.
   */
  answering?(current: Snapshot, ctx: QueryContext): Promise<Snapshot>;
  load?(snapshot: Snapshot, request: QueryRequest, ctx: QueryContext): Promise<unknown>;
  build(snapshot: Snapshot, request: QueryRequest, ctx: QueryContext, loaded?: unknown): Frame;
}

export type FrameBuilders = Readonly<Record<string, FrameBuilder>>;
