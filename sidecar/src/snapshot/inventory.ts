import type { EventsState } from '@ecr-lens/contract';
import type { Incomplete, Snapshot } from './model.js';

/** Freshness and health of the inventory, as /readyz, /metrics and the plugin's health check report it. */
export interface InventoryStatus {
  /** True once the first snapshot is loaded. */
  readonly ready: boolean;
  /** True when the last refresh failed, or the snapshot is older than twice the refresh interval. */
  readonly stale: boolean;
  readonly snapshotVersion: number;
  readonly lastSuccessAt?: number;
  readonly lastAttemptAt?: number;
  readonly lastDurationMs?: number;
  readonly refreshing: boolean;
  readonly consecutiveFailures: number;
  /** Total failed refreshes since start: a monotonic count. */
  readonly refreshErrorsTotal: number;
  readonly lastError?: string;
  /** What the current snapshot could not read. */
  readonly incomplete: readonly Incomplete[];
  /** The events consumer, when ECRLENS_EVENTS_QUEUE_URL is set. */
  readonly events?: EventsState;
}

export interface RefreshOutcome {
  readonly started: boolean;
  /** Why no refresh started: one is running (the caller joins it) or the rate limit applies. */
  readonly reason?: 'coalesced' | 'rate-limited';
  readonly status: InventoryStatus;
}

/** The read side of the refresher: HTTP routes and metrics only ever see this. */
export interface Inventory {
  /** The last good snapshot. Never a half-built one. */
  snapshot(): Snapshot;
  status(): InventoryStatus;
  /** Triggers a refresh; concurrent requests are coalesced and rate-limited. Resolves when it ends. */
  refresh(): Promise<RefreshOutcome>;
  /**
   * Reads every in-use source afresh, with no rate limit, and serves the inventory with those uses; resolves
   * with that snapshot. Source failures are in its `incomplete` list. Cleanup execution calls it before deleting.
   * With `serve: false` the snapshot is only returned (and its uses recorded), not prepared or served: the
   * cheaper check between batches.
   */
  refreshUses(options?: { readonly serve?: boolean }): Promise<Snapshot>;
}
