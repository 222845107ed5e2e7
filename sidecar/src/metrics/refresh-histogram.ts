import { Histogram } from 'prom-client';
import type { InventoryStatus } from '../snapshot/inventory.js';
import { FAMILIES } from './families.js';

export const REFRESH_DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/**
 * The refresh-duration histogram. The inventory keeps no history, only the last refresh, so every status
 * this process sees is compared with the previous one: a refresh has ended when the last success time or
 * the error total changed, and its duration is observed once. Refreshes that end between two
 * observations are missed (all but the last), so scrape (or call `observe`) at least once per refresh interval.
 */
export class RefreshDurationHistogram {
  readonly histogram = new Histogram({
    name: FAMILIES.refreshDuration.name,
    help: FAMILIES.refreshDuration.help,
    buckets: REFRESH_DURATION_BUCKETS,
    registers: [],
  });
  private lastSeen: string | undefined;

  observe(status: InventoryStatus): void {
    if (status.lastDurationMs === undefined || status.lastAttemptAt === undefined) return;
    const key = `${status.lastSuccessAt ?? '-'}|${status.refreshErrorsTotal}`;
    if (key === this.lastSeen) return;
    this.lastSeen = key;
    this.histogram.observe(status.lastDurationMs / 1000);
  }
}
