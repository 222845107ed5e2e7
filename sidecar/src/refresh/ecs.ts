/**
 * Reads one account-and-region's ECS usage into image uses. A cluster that cannot be read keeps its uses
 * from the last good snapshot and is recorded as incomplete: an unread cluster must never make its images
 * look unused.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { EcsFetcher } from '../aws/ecs.js';
import { errorMessage } from '../aws/ecr.js';
import type { EcsClusterData } from '../snapshot/assemble-ecs.js';
import { arnName, assembleUses, clusterFromArn, deploymentTaskDefinitions } from '../snapshot/assemble-ecs.js';
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
    clusterArns.map(async (arn): Promise<EcsClusterData> => {
      const name = arnName(arn);
      const [services, running, stopped] = await Promise.allSettled([
        ctx.ecs.services(arn),
        ctx.ecs.tasks(arn, 'RUNNING'),
        ctx.ecs.tasks(arn, 'STOPPED'),
      ]);
      const fail = (operation: string, reason: unknown, kinds: readonly UseKind[]): void => {
        incomplete.push({ scope: 'cluster', accountId, region, target: name, operation, error: errorMessage(reason) });
        keepKinds(name, kinds);
      };
      if (services.status === 'rejected') fail('ListServices/DescribeServices', services.reason, ['service']);
      if (running.status === 'rejected') fail('ListTasks/DescribeTasks RUNNING', running.reason, ['running-task']);
      if (stopped.status === 'rejected') fail('ListTasks/DescribeTasks STOPPED', stopped.reason, ['stopped-task']);
      return {
        name,
        arn,
        services: services.status === 'fulfilled' ? services.value : [],
        runningTasks: running.status === 'fulfilled' ? running.value : [],
        stoppedTasks: stopped.status === 'fulfilled' ? stopped.value : [],
      };
    }),
  );

  let keptRevisions: string[] = [];
  if (ctx.keepRevisions > 0) {
    try {
      const families = await ctx.ecs.families();
      const lists = await Promise.all(families.map((family) => ctx.ecs.newestRevisions(family, ctx.keepRevisions)));
      keptRevisions = lists.flat();
    } catch (error) {
      incomplete.push({ scope: 'ecs', accountId, region, operation: 'ListTaskDefinitions', error: errorMessage(error) });
      for (const u of previousUses) if (u.kind === 'task-definition') kept.push(u);
    }
  }

  const definitions = new Map<string, TaskDefinition>();
  const failedDefinitions = new Set<string>();
  const errors: string[] = [];
  const wanted = [...new Set([...keptRevisions, ...deploymentTaskDefinitions(clusters)])];
  await Promise.all(
    wanted.map(async (arn) => {
      ctx.seen.taskDefinitions.add(arn);
      const cached = ctx.caches.taskDefinitions.get(arn);
      if (cached) {
        definitions.set(arn, cached);
        return;
      }
      try {
        const described = await ctx.ecs.taskDefinition(arn);
        if (!described) return;
        const trimmed = trimTaskDefinition(described);
        ctx.caches.taskDefinitions.set(arn, trimmed);
        definitions.set(arn, trimmed);
      } catch (error) {
        failedDefinitions.add(arn);
        errors.push(`${arn}: ${errorMessage(error)}`);
      }
    }),
  );
  if (errors.length > 0) {
    incomplete.push({ scope: 'ecs', accountId, region, operation: 'DescribeTaskDefinition', error: `${errors.length} unread; first: ${errors[0]}` });
    const names = new Set([...failedDefinitions].map((arn) => arn.slice(arn.indexOf(':task-definition/') + ':task-definition/'.length)));
    for (const u of previousUses)
      if ((u.kind === 'service' || u.kind === 'task-definition') && u.taskDefinition && (names.has(u.taskDefinition) || failedDefinitions.has(u.taskDefinition)))
        kept.push(u);
  }

  const uses = assembleUses({
    accountId,
    region,
    clusters,
    taskDefinitions: definitions,
    keptRevisions,
    now: ctx.now,
    stoppedWindowMs: ctx.stoppedWindowMs,
  });
  return { clusters: clusterArns.map((arn) => clusterFromArn(accountId, region, arn)), uses: [...uses, ...kept], incomplete };
}
