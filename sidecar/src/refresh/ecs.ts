/**
 * Reads one account-and-region's ECS usage into image uses. A cluster that cannot be read keeps its uses
 * from the last good snapshot and is recorded as incomplete: an unread cluster must never make its images
 * look unused.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { EcsFetcher } from '../aws/ecs.js';
import { errorMessage } from '../aws/ecr.js';
import type { EcsClusterData } from '../snapshot/assemble-ecs.js';
import { arnName, assembleUses, clusterFromArn, referencedTaskDefinitions, taskDefinitionName } from '../snapshot/assemble-ecs.js';
import type { Cluster, ImageUse, Incomplete, Snapshot, UseKind } from '../snapshot/model.js';
import type { RefreshCaches } from './caches.js';
import { trimTaskDefinition } from './caches.js';
import type { Seen } from './ecr.js';

export interface EcsReadContext {
  readonly accountId: string;
  readonly region: string;
  readonly ecs: EcsFetcher;
  readonly caches: RefreshCaches;
  readonly previous?: Snapshot;
  readonly now: number;
  readonly stoppedWindowMs: number;
  readonly keepRevisions: number;
  readonly seen: Seen;
}

export interface EcsRead {
  readonly clusters: Cluster[];
  readonly uses: ImageUse[];
  readonly incomplete: Incomplete[];
}

export async function readEcs(ctx: EcsReadContext): Promise<EcsRead> {
  const { accountId, region, previous } = ctx;
  const incomplete: Incomplete[] = [];
  const here = (u: ImageUse): boolean => u.accountId === accountId && u.region === region;
  const previousUses = (previous?.uses ?? []).filter(here);
  const since = ctx.now - ctx.stoppedWindowMs;
  const stillInWindow = (u: ImageUse): boolean => u.kind !== 'stopped-task' || u.at === undefined || u.at >= since;

  let clusterArns: string[];
  try {
    clusterArns = await ctx.ecs.clusters();
  } catch (error) {
    incomplete.push({ scope: 'ecs', accountId, region, operation: 'ListClusters', error: errorMessage(error) });
    const clusters = (previous?.clusters ?? []).filter((c) => c.accountId === accountId && c.region === region);
    return { clusters, uses: previousUses.filter(stillInWindow), incomplete };
  }

  const kept: ImageUse[] = [];
  const keepKinds = (cluster: string, kinds: readonly UseKind[]): void => {
    for (const u of previousUses) if (u.cluster === cluster && kinds.includes(u.kind) && stillInWindow(u)) kept.push(u);
  };
  const clusters = await Promise.all(
    clusterArns.map((arn) =>
      readCluster(ctx.ecs, arn, (name, operation, reason, kinds) => {
        incomplete.push({ scope: 'cluster', accountId, region, target: name, operation, error: errorMessage(reason) });
        keepKinds(name, kinds);
      }),
    ),
  );

  const keptRevisions = await newestRevisions(ctx).catch((error: unknown) => {
    incomplete.push({ scope: 'ecs', accountId, region, operation: 'ListTaskDefinitions', error: errorMessage(error) });
    for (const u of previousUses) if (u.kind === 'task-definition') kept.push(u);
    return [];
  });

  const described = await describeDefinitions(ctx, [...new Set([...keptRevisions, ...referencedTaskDefinitions(clusters, since)])]);
  const failedNames = new Set([...described.failed].map(taskDefinitionName));
  if (described.errors.length > 0) {
    incomplete.push({ scope: 'ecs', accountId, region, operation: 'DescribeTaskDefinition', error: `${described.errors.length} unread; first: ${described.errors[0]}` });
    for (const u of previousUses)
      if ((u.kind === 'service' || u.kind === 'task-definition') && u.taskDefinition && (failedNames.has(u.taskDefinition) || described.failed.has(u.taskDefinition)))
        kept.push(u);
  }

  const uses = assembleUses({
    accountId,
    region,
    clusters,
    taskDefinitions: described.definitions,
    keptRevisions,
    now: ctx.now,
    stoppedWindowMs: ctx.stoppedWindowMs,
  });
  // A task whose definition could not be read may run containers DescribeTasks left out: keep what was seen before.
  const current = new Set(uses.map(useKey));
  for (const u of previousUses)
    if ((u.kind === 'running-task' || u.kind === 'stopped-task') && u.taskDefinition && failedNames.has(u.taskDefinition) && stillInWindow(u) && !current.has(useKey(u)))
      kept.push(u);
  return { clusters: clusterArns.map((arn) => clusterFromArn(accountId, region, arn)), uses: [...uses, ...kept], incomplete };
}

/** The newest `keepRevisions` ACTIVE revisions of every family (ARNs). */
async function newestRevisions(ctx: EcsReadContext): Promise<string[]> {
  if (ctx.keepRevisions <= 0) return [];
  const families = await ctx.ecs.families();
  const lists = await Promise.all(families.map((family) => ctx.ecs.newestRevisions(family, ctx.keepRevisions)));
  return lists.flat();
}

type ClusterFailure = (cluster: string, operation: string, reason: unknown, kinds: readonly UseKind[]) => void;

/** One cluster's services and tasks; a part that cannot be read is reported and left empty. */
async function readCluster(ecs: EcsFetcher, arn: string, fail: ClusterFailure): Promise<EcsClusterData> {
  const name = arnName(arn);
  const [services, running, stopped] = await Promise.allSettled([ecs.services(arn), ecs.tasks(arn, 'RUNNING'), ecs.tasks(arn, 'STOPPED')]);
  if (services.status === 'rejected') fail(name, 'ListServices/DescribeServices', services.reason, ['service']);
  if (running.status === 'rejected') fail(name, 'ListTasks/DescribeTasks RUNNING', running.reason, ['running-task']);
  if (stopped.status === 'rejected') fail(name, 'ListTasks/DescribeTasks STOPPED', stopped.reason, ['stopped-task']);
  return {
    name,
    arn,
    services: services.status === 'fulfilled' ? services.value : [],
    runningTasks: running.status === 'fulfilled' ? running.value : [],
    stoppedTasks: stopped.status === 'fulfilled' ? stopped.value : [],
  };
}

const useKey = (u: ImageUse): string => `${u.kind}|${u.cluster ?? ''}|${u.task ?? ''}|${u.container ?? ''}|${u.reference}`;

interface Described {
  readonly definitions: Map<string, TaskDefinition>;
  /** ARNs that could not be described. */
  readonly failed: Set<string>;
  readonly errors: string[];
}

/** Describes task definitions through the immutable cache; a failure is collected, not thrown. */
async function describeDefinitions(ctx: EcsReadContext, arns: readonly string[]): Promise<Described> {
  const out: Described = { definitions: new Map(), failed: new Set(), errors: [] };
  await Promise.all(
    arns.map(async (arn) => {
      ctx.seen.taskDefinitions.add(arn);
      const cached = ctx.caches.taskDefinitions.get(arn);
      if (cached) {
        out.definitions.set(arn, cached);
        return;
      }
      try {
        const described = await ctx.ecs.taskDefinition(arn);
        if (!described) return;
        const trimmed = trimTaskDefinition(described);
        ctx.caches.taskDefinitions.set(arn, trimmed);
        out.definitions.set(arn, trimmed);
      } catch (error) {
        out.failed.add(arn);
        out.errors.push(`${arn}: ${errorMessage(error)}`);
      }
    }),
  );
  return out;
}
