/**
 * The refresher: builds a complete new snapshot from every registry (account x region) and swaps it in
 * atomically. Queries always see the last good snapshot. A refresh in which no registry could be listed
 * fails wholesale: the old snapshot stays and the status says so. Partial failures are isolated and
 * recorded in the snapshot's `incomplete` list (see refresh/ecr.ts and refresh/ecs.ts for what is kept).
 */
import pLimit from 'p-limit';
import type { AccountConfig, AppConfig } from '../config.js';
import type { ClientRegistry } from '../aws/clients.js';
import { EcrFetcher, errorMessage } from '../aws/ecr.js';
import { EcsFetcher } from '../aws/ecs.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { buildSnapshotCooperatively, emptySnapshot } from '../snapshot/build.js';
import type { CachedManifest } from '../snapshot/assemble-image.js';
import { replicationRules } from '../snapshot/assemble-repository.js';
import type { Cluster, Finding, Image, ImageUse, Incomplete, Registry, Repository, Snapshot, SnapshotInput } from '../snapshot/model.js';
import { RefreshCaches } from './caches.js';
import type { BlobSizes, EcrRead, FindingsBudget, Seen } from './ecr.js';
import { readEcr, SNAPSHOT_FINDINGS_MAX, snapshotLayerSizes } from './ecr.js';
import type { EcsRead } from './ecs.js';
import { readEcs } from './ecs.js';
import type { Inventory, InventoryStatus, RefreshOutcome } from './inventory.js';

export interface RegistryTarget {
  readonly account: AccountConfig;
  readonly region: string;
}

export interface RefresherOptions {
  readonly config: AppConfig;
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
}

interface TargetRead {
  readonly ecr?: EcrRead;
  readonly ecs?: EcsRead;
  readonly incomplete: readonly Incomplete[];
  readonly failed: boolean;
}

const settle = <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> =>
  promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );

/** Retry sooner after a failed refresh: 30 s, 60 s, ... up to the regular interval. */
const RETRY_BASE_MS = 30_000;

export class Refresher implements Inventory {
  readonly caches = new RefreshCaches();
  private readonly config: AppConfig;
  private readonly clients: ClientRegistry;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly prepare?: (snapshot: Snapshot) => void | Promise<void>;
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

  constructor(options: RefresherOptions) {
    this.config = options.config;
    this.clients = options.clients;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.prepare = options.prepare;
    this.current = emptySnapshot(this.now());
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
    };
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
      this.running = this.refreshOnce().finally(() => {
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
      const input = await this.build(startedAt);
      const next = await buildSnapshotCooperatively(input);
      try {
        await this.prepare?.(next);
      } catch (error) {
        this.log.warn('preparing the snapshot failed', { error: error instanceof Error ? error.message : String(error) });
      }
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

  private async build(startedAt: number): Promise<SnapshotInput> {
    const previous = this.ready ? this.current : undefined;
    const seen: Seen = { manifests: new Set(), scans: new Set(), taskDefinitions: new Set() };
    const findingsBudget: FindingsBudget = { left: SNAPSHOT_FINDINGS_MAX };
    const layerSizes: BlobSizes = { changed: new Map(), imageGone: false };
    const plainManifests = new Map<string, CachedManifest>();
    const limitRegistries = pLimit(this.config.aws.registryConcurrency);
    const reads = await Promise.all(this.targets().map((target) => limitRegistries(() => this.readTarget(target, previous, startedAt, seen, findingsBudget, layerSizes, plainManifests))));
    if (reads.every((r) => r.failed)) {
      const first = reads.flatMap((r) => [...r.incomplete, ...(r.ecr?.incomplete ?? [])]).find((i) => i.scope === 'repositories' || i.scope === 'registry');
      throw new Error(`no registry could be read${first ? `: ${first.operation}: ${first.error}` : ''}`);
    }

    const registries: Registry[] = [];
    const repositories: Repository[] = [];
    const images: Image[] = [];
    const findings = new Map<string, readonly Finding[]>();
    const clusters: Cluster[] = [];
    const uses: ImageUse[] = [];
    const incomplete: Incomplete[] = [];
    for (const read of reads) {
      incomplete.push(...read.incomplete);
      if (read.ecr) {
        registries.push(read.ecr.registry);
        repositories.push(...read.ecr.repositories);
        for (const image of read.ecr.images) images.push(image);
        for (const [k, v] of read.ecr.findings) findings.set(k, v);
        incomplete.push(...read.ecr.incomplete);
      }
      if (read.ecs) {
        clusters.push(...read.ecs.clusters);
        uses.push(...read.ecs.uses);
        incomplete.push(...read.ecs.incomplete);
      }
    }
    plainManifests.clear();
    this.caches.retain(seen);
    this.version += 1;
    const repositoryIds = new Set(repositories.map((r) => r.id));
    const repositoryGone = previous?.repositories.some((r) => !repositoryIds.has(r.id)) ?? false;
    const sizes = snapshotLayerSizes(images, layerSizes, previous?.layerSizes, repositoryGone);
    return {
      version: this.version,
      refreshStartedAt: startedAt,
      builtAt: this.now(),
      registries,
      repositories,
      images,
      layerSizes: sizes,
      findings,
      clusters,
      uses,
      incomplete,
    };
  }

  private async readTarget(target: RegistryTarget, previous: Snapshot | undefined, now: number, seen: Seen, findingsBudget: FindingsBudget, layerSizes: BlobSizes, plainManifests: Map<string, CachedManifest>): Promise<TargetRead> {
    const { account, region } = target;
    const targetKey = `${account.roleArn ?? 'default'}|${region}`;
    const limit = pLimit(this.config.aws.concurrency);
    // ECR_REGISTRY_ID applies to the default credentials; assumed roles read their own account's registry.
    const ecr = new EcrFetcher(this.clients.ecr(account, region), limit, account.roleArn ? undefined : account.accountId);
    const repositories = ecr.repositories();
    repositories.catch(() => undefined); // awaited (and reported) in readEcr
    const described = await settle(ecr.describeRegistry());

    let accountId = account.accountId ?? (described.status === 'fulfilled' ? described.value.registryId : undefined) ?? this.caches.accountIds.get(targetKey);
    if (!accountId) accountId = await repositories.then((r) => r[0]?.registryId, () => undefined);
    if (!accountId) {
      const reason = described.status === 'rejected' ? errorMessage(described.reason) : 'no registry id';
      return {
        incomplete: [{ scope: 'registry', accountId: account.name, region, operation: 'DescribeRegistry', error: `cannot tell the account id: ${reason}` }],
        failed: true,
      };
    }
    this.caches.accountIds.set(targetKey, accountId);

    // DescribeRegistry describes the caller's registry; with ECR_REGISTRY_ID naming another, its rules are not this registry's.
    const describeRegistry = Promise.resolve(
      described.status === 'fulfilled'
        ? { status: 'fulfilled' as const, value: { replicationRules: described.value.registryId === accountId ? replicationRules(described.value.replicationConfiguration?.rules) : [] } }
        : described,
    );
    const [ecrRead, ecsRead] = await Promise.all([
      readEcr(
        {
          accountId,
          region,
          ecr,
          caches: this.caches,
          ...(previous ? { previous } : {}),
          now,
          scanMaxAgeMs: this.config.scanFindingsMaxAgeSeconds * 1000,
          repositoryLimit: pLimit(this.config.aws.concurrency * 2),
          seen,
          findingsBudget,
          layerSizes,
          plainManifests,
          describeRegistry,
          basicScanner: ecr.basicScanner(),
        },
        repositories,
      ),
      this.config.ecs.enabled
        ? readEcs({
            accountId,
            region,
            ecs: new EcsFetcher(this.clients.ecs(account, region), limit),
            caches: this.caches,
            ...(previous ? { previous } : {}),
            now,
            // Collect at least what the cleanup rules protect: an unseen use would make an image look unused.
            stoppedWindowMs: Math.max(this.config.ecs.stoppedTaskWindowHours, this.config.cleanup.inUse.stoppedTaskWindowHours) * 3_600_000,
            keepRevisions: Math.max(this.config.ecs.taskDefinitionKeepRevisions, this.config.cleanup.inUse.taskDefinitionRevisions),
            seen,
          })
        : Promise.resolve(undefined),
    ]);
    return { ecr: ecrRead, ...(ecsRead ? { ecs: ecsRead } : {}), incomplete: [], failed: ecrRead.failed };
  }
}
