/**
 * Reads one registry (account x region): tells its account id, then reads its ECR side and its in-use
 * sources (ECS, Lambda) together. The refresher reads every registry this way.
 */
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import type { AccountConfig } from '../aws/accounts.js';
import type { ClientRegistry } from '../aws/clients.js';
import { AdaptiveConcurrency } from '../aws/adaptive-limit.js';
import { processLoopPressure } from '../aws/loop-pressure.js';
import { EcrFetcher, errorMessage } from '../aws/ecr.js';
import { EcsFetcher } from '../aws/ecs.js';
import { LambdaFetcher } from '../aws/lambda.js';
import type { Incomplete, SourceCoverage } from '../snapshot/model.js';
import { replicationRules } from './assemble-repository.js';
import type { RefreshCaches } from './caches.js';
import type { EcrRead } from './ecr.js';
import { readEcr } from './ecr.js';
import type { EcsReadContext } from './ecs.js';
import { readEcs } from './ecs.js';
import type { EcrReadContext } from './ecr-context.js';
import type { LambdaVersionCache } from './lambda.js';
import { readLambda } from './lambda.js';
import type { RefreshRun } from './run.js';
import type { RefreshSettings } from './settings.js';
import type { UsesRead } from './uses-read.js';

export interface RegistryTarget {
  readonly account: AccountConfig;
  readonly region: string;
}

/** The refresher's parts a registry's read uses. */
export interface RegistryReadContext {
  readonly config: RefreshSettings;
  readonly clients: ClientRegistry;
  readonly caches: RefreshCaches;
  /** Published Lambda versions are immutable: their images are read once. */
  readonly lambdaVersions: LambdaVersionCache;
}

export interface TargetRead {
  readonly ecr?: EcrRead;
  readonly uses?: UsesRead;
  readonly incomplete: readonly Incomplete[];
  readonly failed: boolean;
}

const HOUR = 3_600_000;

const settle = <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> =>
  promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );

export async function readTarget(ctx: RegistryReadContext, target: RegistryTarget, run: RefreshRun): Promise<TargetRead> {
  const { account, region } = target;
  const targetKey = `${account.roleArn ?? 'default'}|${region}`;
  const limit = registryLimit(ctx, target);
  // ECR_REGISTRY_ID applies to the default credentials; assumed roles read their own account's registry.
  const ecr = new EcrFetcher(ctx.clients.ecr(account, region), limit, account.roleArn ? undefined : account.accountId);
  const repositories = ecr.repositories();
  repositories.catch(() => undefined); // awaited (and reported) in readEcr
  const described = await settle(ecr.describeRegistry());

  let accountId = account.accountId ?? (described.status === 'fulfilled' ? described.value.registryId : undefined) ?? ctx.caches.accountIds.get(targetKey);
  if (!accountId) accountId = await repositories.then((r) => r[0]?.registryId, () => undefined);
  if (!accountId) {
    const reason = described.status === 'rejected' ? errorMessage(described.reason) : 'no registry id';
    return {
      incomplete: [{ scope: 'registry', accountId: account.name, region, operation: 'DescribeRegistry', error: `cannot tell the account id: ${reason}` }],
      failed: true,
    };
  }
  ctx.caches.accountIds.set(targetKey, accountId);

  // DescribeRegistry describes the caller's registry; with ECR_REGISTRY_ID naming another, its rules are not this registry's.
  const describeRegistry = Promise.resolve(
    described.status === 'fulfilled'
      ? { status: 'fulfilled' as const, value: { replicationRules: described.value.registryId === accountId ? replicationRules(described.value.replicationConfiguration?.rules) : [] } }
      : described,
  );
  const basicScanner = ecr.basicScanner();
  void basicScanner.then((scanner) => ctx.caches.basicScanners.set(`${accountId}|${region}`, scanner));
  const [ecrRead, usesRead] = await Promise.all([
    readEcr(
      ecrReadContext(ctx, ecr, accountId, region, run, {
        settingsMaxAgeMs: ctx.config.policyRefreshIntervalSeconds * 1000,
        repositoryLimit: pLimit(ctx.config.aws.concurrency * 2),
        describeRegistry,
        basicScanner,
      }),
      repositories,
    ),
    readTargetUses(ctx, target, accountId, run, limit),
  ]);
  return { ecr: ecrRead, uses: usesRead, incomplete: [], failed: ecrRead.failed };
}

/** The registry's requests in flight: one limit per registry, kept across refreshes, following AWS's answers. */
export function registryLimit(ctx: RegistryReadContext, target: RegistryTarget): LimitFunction {
  const key = `${target.account.roleArn ?? 'default'}|${target.region}`;
  let limit = ctx.caches.limits.get(key);
  if (!limit) {
    limit = new AdaptiveConcurrency({ initial: ctx.config.aws.concurrency, min: 1, max: ctx.config.aws.concurrencyMax, loop: processLoopPressure() });
    ctx.caches.limits.set(key, limit);
  }
  return limit.run;
}

/** What reading a registry's ECR side needs: the refresher's caches and settings, and the read's own parts. */
export function ecrReadContext(
  ctx: RegistryReadContext,
  ecr: EcrFetcher,
  accountId: string,
  region: string,
  run: RefreshRun,
  parts: Pick<EcrReadContext, 'settingsMaxAgeMs' | 'repositoryLimit' | 'describeRegistry' | 'basicScanner'>,
): EcrReadContext {
  return { accountId, region, ecr, caches: ctx.caches, run, scanMaxAgeMs: ctx.config.scanFindingsMaxAgeSeconds * 1000, ...parts };
}

/** What reading a registry's ECS side needs. */
export function ecsReadContext(ctx: RegistryReadContext, target: RegistryTarget, accountId: string, run: RefreshRun, limit: LimitFunction): EcsReadContext {
  const { ecs } = ctx.config;
  return {
    accountId,
    region: target.region,
    ecs: new EcsFetcher(ctx.clients.ecs(target.account, target.region), limit),
    caches: ctx.caches,
    ...(run.previous ? { previous: run.previous } : {}),
    now: run.startedAt,
    // Collect at least what the cleanup rules protect: an unseen use would make an image look unused.
    stoppedWindowMs: Math.max(ecs.stoppedTaskWindowHours, ctx.config.cleanup.inUse.stoppedTaskWindowHours) * HOUR,
    keepRevisions: Math.max(ecs.taskDefinitionKeepRevisions, ctx.config.cleanup.inUse.taskDefinitionRevisions),
    seen: run.seen,
  };
}

/** The in-use sources read per registry: ECS, and Lambda. */
export async function readTargetUses(
  ctx: RegistryReadContext,
  target: RegistryTarget,
  accountId: string,
  run: RefreshRun,
  limit: LimitFunction = registryLimit(ctx, target),
): Promise<UsesRead> {
  const { startedAt: now } = run;
  const { account, region } = target;
  const { ecs, lambda } = ctx.config;
  const [ecsRead, lambdaRead] = await Promise.all([
    ecs.enabled ? readEcs(ecsReadContext(ctx, target, accountId, run, limit)) : undefined,
    lambda.enabled
      ? readLambda({ accountId, region, fetcher: new LambdaFetcher(ctx.clients.lambda(account, region), limit), keepVersions: lambda.keepVersions, cache: ctx.lambdaVersions })
      : undefined,
  ]);
  const sources: SourceCoverage[] = [];
  if (ecsRead) sources.push({ source: 'ecs', accountId, region, description: 'ECS', readAt: now });
  if (lambdaRead) sources.push({ source: 'lambda', accountId, region, description: 'Lambda', readAt: now });
  return {
    clusters: ecsRead?.clusters ?? [],
    uses: [...(ecsRead?.uses ?? []), ...(lambdaRead?.uses ?? [])],
    incomplete: [...(ecsRead?.incomplete ?? []), ...(lambdaRead?.incomplete ?? [])],
    sources,
  };
}
