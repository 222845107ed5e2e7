/**
 * The refresher: builds a complete new snapshot from every registry (account x region) and swaps it in
 * atomically. Queries always see the last good snapshot. A refresh in which no registry could be listed
 * fails wholesale: the old snapshot stays and the status says so. Partial failures are isolated and
 * recorded in the snapshot's `incomplete` list (see refresh/ecr.ts and refresh/ecs.ts for what is kept).
 */
import { concatLists } from '../concat-lists.js';
import pLimit from 'p-limit';
import type { AccountConfig } from '../aws/accounts.js';
import type { RefreshSettings } from './settings.js';
import type { ClientRegistry } from '../aws/clients.js';
import { errorMessage } from '../aws/ecr.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { runCooperatively } from '../cooperative.js';
import { buildSnapshotCooperatively, emptySnapshot, withUsesSteps, type ListReuse } from '../snapshot/build.js';
import type { UsageLedger } from '../store/types.js';
import type { GlobalUseSource } from '../uses/source.js';
import type { Finding, Incomplete, Snapshot, SnapshotInput } from '../snapshot/model.js';
import { USE_SCOPES } from '../snapshot/model.js';
import { RefreshCaches } from './caches.js';
import { startRefreshRun } from './run.js';
import { SNAPSHOT_FINDINGS_MAX, snapshotLayerSizesSteps } from './ecr.js';
import { LambdaVersionCache } from './lambda.js';
import { UseMemory } from './memory.js';
import type { UseRetention } from '../snapshot/use-windows.js';
import type { Inventory, InventoryStatus, RefreshOutcome } from '../snapshot/inventory.js';
import type { RegistryReadContext, RegistryTarget } from './registry-read.js';
import { readTarget, readTargetUses } from './registry-read.js';
import type { UsesRead } from './uses-read.js';
import { combineUses, readGlobalSources } from './uses-read.js';
import type { EventsState } from '@ecr-lens/contract';
import type { EventApplier } from './event-consumer.js';
import type { ParsedEvent } from './event-parse.js';
import type { RegistryTargets } from './targeted.js';
import { readNowIn, readTargeted } from './targeted.js';

export interface RefresherOptions {
  readonly config: RefreshSettings;
  readonly clients: ClientRegistry;
  readonly log?: Logger;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
  /**
   * Runs on each new snapshot before it is swapped in (e.g. building query indexes), so the first query after
   * a refresh does not pay for it. The last good snapshot is served meanwhile. A failure here is logged; the
   * snapshot is still served.
   */
  readonly prepare?: (snapshot: Snapshot) => void | Promise<void>;
  /**
   * Runs on each new snapshot just after it is served (e.g. its cleanup plan and /metrics text, which views answer
   * from the snapshot before meanwhile): a push is visible in queries without waiting for them. The next refresh starts
   * after it, so at most two snapshots' derived data are alive. A failure here is logged.
   */
  readonly finish?: (snapshot: Snapshot) => void | Promise<void>;
  /** Where uses are remembered between refreshes and restarts, and for how long; without it, only the current read counts. */
  readonly memory?: { readonly ledger: UsageLedger; readonly retention: UseRetention };
  /** Sources read once per refresh for every registry: Kubernetes through Prometheus, keep lists. */
  readonly globalSources?: readonly GlobalUseSource[];
}

/**
 * A round naming more repositories than this is read by a full refresh instead (when one may start): one scan
 * settings change can name a thousand repositories, a round a hundred such events, and a targeted read of most
 * of a registry costs a full refresh anyway, without its reconciliation.
 */
export const MAX_TARGETED_REPOSITORIES = 500;

/** Retry sooner after a failed refresh: 30 s, 60 s, ... up to the regular interval. */
const RETRY_BASE_MS = 30_000;

export class Refresher implements Inventory, EventApplier {
  readonly caches = new RefreshCaches();
  /** What each registry's read uses: the settings, clients and caches. */
  private readonly reading: RegistryReadContext;
  private readonly config: RefreshSettings;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly prepare?: (snapshot: Snapshot) => void | Promise<void>;
  private readonly finish?: (snapshot: Snapshot) => void | Promise<void>;
  private readonly memory?: UseMemory;
  private readonly globalSources: readonly GlobalUseSource[];
  private current: Snapshot;
  private ready = false;
  private version = 0;
  private lastSuccessAt?: number;
  private lastAttemptAt?: number;
  private lastDurationMs?: number;
  private consecutiveFailures = 0;
  private refreshErrorsTotal = 0;
  private lastError?: string;
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Full and targeted refreshes run one at a time, each on the snapshot the one before it served. */
  private serialised: Promise<unknown> = Promise.resolve();
  private events?: () => EventsState;

  constructor(options: RefresherOptions) {
    this.config = options.config;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.prepare = options.prepare;
    this.finish = options.finish;
    if (options.memory) this.memory = new UseMemory(options.memory.ledger, options.memory.retention, this.log);
    this.globalSources = options.globalSources ?? [];
    this.current = emptySnapshot(this.now());
    this.reading = { config: this.config, clients: options.clients, caches: this.caches, lambdaVersions: new LambdaVersionCache() };
  }

  /** Every registry this refresher reads: each account in each of its regions. */
  targets(): RegistryTarget[] {
    return this.config.accounts.flatMap((account) => account.regions.map((region) => ({ account, region })));
  }

  snapshot(): Snapshot {
    return this.current;
  }

  /** The configured account that reads a registry (account id as resolved by the refreshes). */
  accountFor(accountId: string, region: string): AccountConfig | undefined {
    return this.targets().find(
      (t) => t.region === region && (t.account.accountId ?? this.caches.accountIds.get(`${t.account.roleArn ?? 'default'}|${t.region}`)) === accountId,
    )?.account;
  }

  status(): InventoryStatus {
    const intervalMs = this.config.refreshIntervalSeconds * 1000;
    const old = this.lastSuccessAt !== undefined && this.now() - this.lastSuccessAt > 2 * intervalMs;
    return {
      ready: this.ready,
      stale: this.consecutiveFailures > 0 || old,
      snapshotVersion: this.current.version,
      ...(this.lastSuccessAt !== undefined ? { lastSuccessAt: this.lastSuccessAt } : {}),
      ...(this.lastAttemptAt !== undefined ? { lastAttemptAt: this.lastAttemptAt } : {}),
      ...(this.lastDurationMs !== undefined ? { lastDurationMs: this.lastDurationMs } : {}),
      refreshing: this.running !== undefined,
      consecutiveFailures: this.consecutiveFailures,
      refreshErrorsTotal: this.refreshErrorsTotal,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      incomplete: this.current.incomplete,
      ...(this.events ? { events: this.events() } : {}),
    };
  }

  /** Each registry's AWS requests allowed in flight now (its adaptive limit), once its account id is known. */
  concurrency(): { accountId: string; region: string; inFlight: number }[] {
    return [...this.caches.limits].flatMap(([key, limit]) => {
      const accountId = this.caches.accountIds.get(key);
      return accountId ? [{ accountId, region: key.slice(key.indexOf('|') + 1), inFlight: limit.concurrency }] : [];
    });
  }

  /** Where status() finds the events consumer's state. */
  reportEvents(state: () => EventsState): void {
    this.events = state;
  }

  /**
   * Reads again the repositories and clusters the events name, and serves the result. Registries this
   * refresher does not read are left alone (those events come back as `unwatched`); a registry-wide change
   * (replication, scanning settings), or more than MAX_TARGETED_REPOSITORIES repositories, is read by a full
   * refresh, at most once per REFRESH_MIN_INTERVAL, and the batch by a targeted one when that does not start.
   * Before the first snapshot there is nothing to update: the first full refresh reads everything.
   */
  async applyEvents(events: readonly ParsedEvent[]): Promise<{ readonly unwatched: readonly ParsedEvent[] }> {
    const groups = new Map<string, RegistryTargets & { repositories: Set<string>; clusters: Set<string> }>();
    const unwatched: ParsedEvent[] = [];
    let registryWide = false;
    for (const event of events) {
      let watched = false;
      for (const t of event.targets) {
        const account = this.accountFor(t.accountId, t.region);
        if (!account) continue;
        watched = true;
        if (t.kind === 'registry') {
          registryWide = true;
          continue;
        }
        const key = `${t.accountId}|${t.region}`;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { target: { account, region: t.region }, accountId: t.accountId, repositories: new Set(), clusters: new Set() }));
        if (t.kind === 'repository') group.repositories.add(t.repositoryName);
        else group.clusters.add(t.clusterArn);
      }
      if (!watched) unwatched.push(event);
    }
    const named = [...groups.values()].reduce((n, g) => n + g.repositories.size, 0);
    // A full refresh reads everything the events name; when the rate limit (or one already running) stands in
    // its way, the named repositories and clusters are still read now.
    if ((registryWide || named > MAX_TARGETED_REPOSITORIES) && (await this.refresh()).started) return { unwatched };
    if (groups.size > 0) await this.serial(() => this.refreshTargets([...groups.values()]));
    return { unwatched };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.serialised.then(work, work);
    this.serialised = next.catch(() => undefined);
    return next;
  }

  private async refreshTargets(groups: readonly RegistryTargets[]): Promise<void> {
    if (!this.ready) return;
    const startedAt = this.now();
    const base = this.current;
    this.version += 1;
    const { input, reuse } = await readTargeted(this.reading, base, groups, startedAt, this.version);
    const built = await buildSnapshotCooperatively(input, undefined, reuse);
    const next = this.memory ? await this.memory.remember(built, startedAt, { readNow: readNowIn(groups) }) : built;
    await this.prepareSafely(next);
    this.current = next;
    this.log.info('targeted refresh done', {
      version: input.version,
      repositories: groups.reduce((n, g) => n + g.repositories.size, 0),
      clusters: groups.reduce((n, g) => n + g.clusters.size, 0),
      duration_ms: this.now() - startedAt,
    });
    await this.stepSafely('finishing', this.finish, next);
  }

  /** A refresh on request: joins one in progress, and is refused within REFRESH_MIN_INTERVAL of the last start. */
  async refresh(): Promise<RefreshOutcome> {
    if (this.running) {
      await this.running;
      return { started: false, reason: 'coalesced', status: this.status() };
    }
    const minMs = this.config.refreshMinIntervalSeconds * 1000;
    if (this.lastAttemptAt !== undefined && this.now() - this.lastAttemptAt < minMs)
      return { started: false, reason: 'rate-limited', status: this.status() };
    await this.run();
    return { started: true, status: this.status() };
  }

  /** Runs a refresh now regardless of the rate limit (joins one in progress). For startup, tests and benchmarks. */
  run(): Promise<void> {
    if (!this.running) {
      this.running = this.serial(() => this.refreshOnce()).finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** The first refresh, then one every CACHE_REFRESH_INTERVAL. Resolves when the first refresh ends (success or not). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.run();
    this.schedule();
  }

  /** Stops the timer and waits for a refresh in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    const intervalMs = this.config.refreshIntervalSeconds * 1000;
    const delay = this.consecutiveFailures > 0 ? Math.min(intervalMs, RETRY_BASE_MS * 2 ** (this.consecutiveFailures - 1)) : intervalMs;
    this.timer = setTimeout(() => {
      void this.run().finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  private async refreshOnce(): Promise<void> {
    const startedAt = this.now();
    this.lastAttemptAt = startedAt;
    try {
      const { input, reuse } = await this.build(startedAt);
      const next = await this.rememberUses(await buildSnapshotCooperatively(input, undefined, reuse), startedAt);
      await this.prepareSafely(next);
      this.current = next;
      this.ready = true;
      this.lastSuccessAt = this.now();
      this.consecutiveFailures = 0;
      this.lastError = undefined;
      this.lastDurationMs = this.now() - startedAt;
      this.log.info('refresh done', {
        version: input.version,
        repositories: input.repositories.length,
        images: input.images.length,
        uses: input.uses.length,
        incomplete: input.incomplete.length,
        duration_ms: this.lastDurationMs,
      });
      for (const entry of input.incomplete)
        this.log.warn('refresh incomplete', { scope: entry.scope, account: entry.accountId, region: entry.region, target: entry.target, operation: entry.operation, error: entry.error });
      await this.stepSafely('finishing', this.finish, next);
    } catch (error) {
      this.consecutiveFailures += 1;
      this.refreshErrorsTotal += 1;
      this.lastError = errorMessage(error);
      this.lastDurationMs = this.now() - startedAt;
      this.log.error('refresh failed; keeping the last good snapshot', {
        error: this.lastError,
        consecutive_failures: this.consecutiveFailures,
        snapshot_version: this.current.version,
      });
    }
  }

  /** The snapshot with the uses the ledger remembers (unchanged without a ledger). */
  private rememberUses(snapshot: Snapshot, now: number): Promise<Snapshot> {
    return this.memory ? this.memory.remember(snapshot, now) : Promise.resolve(snapshot);
  }

  private prepareSafely(snapshot: Snapshot): Promise<void> {
    return this.stepSafely('preparing', this.prepare, snapshot);
  }

  private async stepSafely(what: string, step: ((snapshot: Snapshot) => void | Promise<void>) | undefined, snapshot: Snapshot): Promise<void> {
    try {
      await step?.(snapshot);
    } catch (error) {
      this.log.warn(`${what} the snapshot failed`, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * Reads every in-use source afresh, bypassing the refresh rate limit, and swaps in the current inventory
   * with those uses (cleanup execution re-checks this way just before it deletes). Failures are in the
   * returned snapshot's `incomplete` (scopes in USE_SCOPES), which block its plans.
   */
  async refreshUses(options: { readonly serve?: boolean } = {}): Promise<Snapshot> {
    if (!this.ready) throw new Error('the inventory is not loaded yet');
    const base = this.current;
    const now = this.now();
    // Only the uses are read: the run's ECR parts stay empty.
    const run = startRefreshRun(now, base, 0);
    const targets = this.targets();
    const [reads, global] = await Promise.all([
      Promise.all(
        targets.map((target) => {
          const accountId = target.account.accountId ?? this.caches.accountIds.get(`${target.account.roleArn ?? 'default'}|${target.region}`);
          if (!accountId) {
            const error = 'the account id of this registry is not known yet';
            return Promise.resolve<UsesRead>({ clusters: [], uses: [], sources: [], incomplete: [{ scope: 'ecs', accountId: target.account.name, region: target.region, operation: 'ListClusters', error }] });
          }
          return readTargetUses(this.reading, target, accountId, run);
        }),
      ),
      readGlobalSources(this.globalSources, now),
    ]);
    const uses = combineUses([...reads, global]);
    const inventoryIncomplete = base.incomplete.filter((e) => !USE_SCOPES.has(e.scope));
    this.version += 1;
    const fresh = await runCooperatively(
      withUsesSteps(base, { version: this.version, ...uses, incomplete: [...inventoryIncomplete, ...uses.incomplete], remembered: [] }),
    );
    const next = await this.rememberUses(fresh, now);
    if (options.serve === false) return next;
    await this.prepareSafely(next);
    // A full refresh that finished meanwhile has newer ECR data; the ledger holds these uses for its next one.
    if (this.current === base) {
      this.current = next;
      await this.stepSafely('finishing', this.finish, next);
    }
    return next;
  }

  private async build(startedAt: number): Promise<{ readonly input: SnapshotInput; readonly reuse?: ListReuse }> {
    const run = startRefreshRun(startedAt, this.ready ? this.current : undefined, SNAPSHOT_FINDINGS_MAX);
    const { previous, seen } = run;
    const limitRegistries = pLimit(this.config.aws.registryConcurrency);
    const [reads, global] = await Promise.all([
      Promise.all(this.targets().map((target) => limitRegistries(() => readTarget(this.reading, target, run)))),
      readGlobalSources(this.globalSources, startedAt),
    ]);
    if (reads.every((r) => r.failed)) {
      const first = reads.flatMap((r) => [...r.incomplete, ...(r.ecr?.incomplete ?? [])]).find((i) => i.scope === 'repositories' || i.scope === 'registry');
      throw new Error(`no registry could be read${first ? `: ${first.operation}: ${first.error}` : ''}`);
    }

    const findings = new Map<string, readonly Finding[]>();
    const incomplete: Incomplete[] = [];
    const ecrReads = reads.flatMap((read) => (read.ecr ? [read.ecr] : []));
    for (const read of reads) {
      // Not spreads: a registry of 100,000 repositories can report as many entries, more than a call takes.
      for (const entry of read.incomplete) incomplete.push(entry);
      if (read.ecr) {
        for (const [k, v] of read.ecr.findings) findings.set(k, v);
        for (const entry of read.ecr.incomplete) incomplete.push(entry);
      }
    }
    const registries = ecrReads.map((read) => read.registry);
    const repositories = concatLists(ecrReads.map((read) => read.repositories));
    const images = concatLists(ecrReads.map((read) => read.images));
    const uses = combineUses([...reads.flatMap((r) => (r.uses ? [r.uses] : [])), global]);
    run.plainManifests.clear();
    await runCooperatively(this.caches.retainSteps(seen));
    this.version += 1;
    const repositoryIds = new Set(repositories.map((r) => r.id));
    const repositoryGone = previous?.repositories.some((r) => !repositoryIds.has(r.id)) ?? false;
    const sizes = await runCooperatively(snapshotLayerSizesSteps(images, run.layerSizes, previous?.layerSizes, repositoryGone));
    const input: SnapshotInput = {
      version: this.version,
      refreshStartedAt: startedAt,
      builtAt: this.now(),
      registries,
      repositories,
      images,
      layerSizes: sizes,
      findings,
      clusters: uses.clusters,
      uses: uses.uses,
      incomplete: [...incomplete, ...uses.incomplete],
      sources: uses.sources,
    };
    // The lists of repositories in which nothing changed are the previous snapshot's: the build keeps them as they
    // are (and so do their sizes and image-index rows, which are kept by list), instead of grouping and sorting them.
    if (!previous) return { input };
    const kept = new Set<string>();
    for (const read of ecrReads) for (const id of read.keptLists) kept.add(id);
    const changed = new Set(repositories.filter((r) => !kept.has(r.id)).map((r) => r.id));
    return { input, reuse: { base: previous, changed, images: concatLists(ecrReads.map((read) => read.changedImages)) } };
  }
}
