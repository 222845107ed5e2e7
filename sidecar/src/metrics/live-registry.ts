import type { Registry } from 'prom-client';
import type { IncompleteScope } from '../snapshot/model.js';
import type { InventoryStatus } from '../snapshot/inventory.js';
import { FAMILIES as F } from './families.js';
import type { ExpositionFormat } from './prom.js';
import { counterFor, gaugeFor, newRegistry, seconds } from './prom.js';
import type { RefreshDurationHistogram } from './refresh-histogram.js';
import type { AwsCallStatsSource, CleanupMetricsProvider, ConcurrencySource } from './sources.js';

const SCOPES: readonly IncompleteScope[] = [
  'registry',
  'repositories',
  'repository',
  'images',
  'manifests',
  'scan',
  'ecs',
  'cluster',
];

export interface LiveSources {
  readonly awsStats?: AwsCallStatsSource;
  readonly concurrency?: ConcurrencySource;
  readonly cleanup?: CleanupMetricsProvider;
  readonly refreshIntervalSeconds?: number;
}

/**
 * Families that change without a new snapshot: inventory status, monotonic counters (read through
 * collect() from monotonic sources) and the refresh histogram. One long-lived registry per format,
 * because prom-client renames counters in place when it renders OpenMetrics.
 */
export class LiveMetrics {
  private readonly registries = new Map<ExpositionFormat, Registry>();
  private status: InventoryStatus | undefined;

  constructor(
    private readonly sources: LiveSources,
    private readonly refreshHistogram: RefreshDurationHistogram,
  ) {}

  async render(format: ExpositionFormat, status: InventoryStatus): Promise<string> {
    this.refreshHistogram.observe(status);
    this.status = status;
    return this.registryFor(format).metrics();
  }

  private registryFor(format: ExpositionFormat): Registry {
    let registry = this.registries.get(format);
    if (!registry) {
      registry = this.build(format);
      this.registries.set(format, registry);
    }
    return registry;
  }

  // Declares every live family in exposition order, each with the status field it reads: a list, best read whole.
  private build(format: ExpositionFormat): Registry {
    const registry = newRegistry(format);
    const current = (): InventoryStatus => this.status!;
    const value = (spec: (typeof F)[keyof typeof F], read: (status: InventoryStatus) => number | undefined) =>
      gaugeFor(registry, spec, format, function () {
        const v = read(current());
        if (v === undefined) this.remove();
        else this.set(v);
      });
    const flag = (b: boolean): number => (b ? 1 : 0);

    counterFor(registry, F.ecrScrapeErrors, function () {
      this.reset();
      this.inc(current().refreshErrorsTotal);
    });
    value(F.ecrScrapeDuration, (s) => (s.lastDurationMs === undefined ? undefined : s.lastDurationMs / 1000));
    value(F.lastSuccess, (s) => (s.lastSuccessAt === undefined ? undefined : seconds(s.lastSuccessAt)));
    value(F.lastAttempt, (s) => (s.lastAttemptAt === undefined ? undefined : seconds(s.lastAttemptAt)));
    registry.registerMetric(this.refreshHistogram.histogram);
    const interval = this.sources.refreshIntervalSeconds;
    if (interval !== undefined) value(F.refreshInterval, () => interval);
    value(F.stale, (s) => flag(s.stale));
    value(F.ready, (s) => flag(s.ready));
    value(F.refreshing, (s) => flag(s.refreshing));
    value(F.consecutiveFailures, (s) => s.consecutiveFailures);
    value(F.snapshotVersion, (s) => s.snapshotVersion);
    gaugeFor(registry, F.incomplete, format, function () {
      this.reset();
      // Nothing was read yet: no count, rather than zeros that would read as "complete".
      if (!current().ready) return;
      const counts = new Map<string, number>(SCOPES.map((scope) => [scope, 0]));
      for (const entry of current().incomplete) counts.set(entry.scope, (counts.get(entry.scope) ?? 0) + 1);
      for (const [scope, count] of counts) this.set({ scope }, count);
    });

    // The status carries `events` from the first render on when a queue is configured.
    if (current().events) this.buildEvents(registry, format, current);

    const aws = this.sources.awsStats;
    if (aws) {
      const apiCounter = (
        spec: (typeof F)[keyof typeof F],
        pick: (row: ReturnType<AwsCallStatsSource['snapshot']>[number]) => number,
      ) =>
        counterFor(registry, spec, function () {
          this.reset();
          for (const row of aws.snapshot()) this.inc({ service: row.service, operation: row.operation }, pick(row));
        });
      apiCounter(F.apiCalls, (row) => row.calls);
      apiCounter(F.apiErrors, (row) => row.errors);
      apiCounter(F.apiThrottles, (row) => row.throttles);
    }
    const concurrency = this.sources.concurrency;
    if (concurrency)
      gaugeFor(registry, F.awsConcurrency, format, function () {
        this.reset();
        for (const row of concurrency.concurrency()) this.set({ registry_id: row.accountId, region: row.region }, row.inFlight);
      });

    const executions = this.sources.cleanup?.executions?.bind(this.sources.cleanup);
    if (executions) {
      counterFor(registry, F.cleanupExecutions, function () {
        this.reset();
        for (const [outcome, count] of Object.entries(executions().executions)) this.inc({ outcome }, count);
      });
      counterFor(registry, F.cleanupDeletedImages, function () {
        this.reset();
        this.inc(executions().deletedImages);
      });
      counterFor(registry, F.cleanupDeletedBytes, function () {
        this.reset();
        this.inc(executions().deletedBytes);
      });
    }
    return registry;
  }

  /** The events consumer's families, read from the status. */
  private buildEvents(registry: Registry, format: ExpositionFormat, current: () => InventoryStatus): void {
    const events = () => current().events;
    counterFor(registry, F.eventsReceived, function () {
      this.reset();
      this.inc(events()?.received ?? 0);
    });
    const byLabel = (spec: typeof F.eventsApplied | typeof F.eventsIgnored, label: string, pick: (e: NonNullable<InventoryStatus['events']>) => Record<string, number>) =>
      counterFor(registry, spec, function () {
        this.reset();
        const e = events();
        if (e) for (const [key, n] of Object.entries(pick(e))) this.inc({ [label]: key }, n);
      });
    byLabel(F.eventsApplied, 'kind', (e) => e.applied);
    byLabel(F.eventsIgnored, 'reason', (e) => e.ignored);
    counterFor(registry, F.targetedRefreshes, function () {
      this.reset();
      this.inc(events()?.targetedRefreshes ?? 0);
    });
    const gauge = (spec: (typeof F)[keyof typeof F], read: (e: NonNullable<InventoryStatus['events']>) => number | undefined) =>
      gaugeFor(registry, spec, format, function () {
        const e = events();
        const v = e ? read(e) : undefined;
        if (v === undefined) this.remove();
        else this.set(v);
      });
    gauge(F.eventLag, (e) => e.lagSeconds);
    gauge(F.eventsLastApplied, (e) => (e.lastAppliedAt === undefined ? undefined : seconds(e.lastAppliedAt)));
    gauge(F.eventsErrors, (e) => e.consecutiveErrors);
  }
}
