/**
 * Reads one account-and-region's ECS usage into image uses. A cluster that cannot be read, or whose Describe
 * answers leave out what was asked for, keeps its uses from the last good snapshot and is recorded as
 * incomplete: an unread cluster must never make its images look unused.
 */
import type { Service, ServiceRevision, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Described as Answer, EcsFetcher } from '../aws/ecs.js';
import { errorMessage } from '../aws/ecr.js';
import type { EcsClusterData } from './assemble-ecs.js';
import { arnName, assembleUses, clusterFromArn, referencedTaskDefinitions, taskDefinitionName } from './assemble-ecs.js';
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
  const stillInWindow = (u: ImageUse): boolean => inWindow(u, since);

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

  const uses = await usesOf(ctx, clusters, keptRevisions, previousUses, kept, incomplete);
  return { clusters: clusterArns.map((arn) => clusterFromArn(accountId, region, arn)), uses, incomplete };
}

/**
 * One cluster's uses (services, running and recently stopped tasks), read again because an event named it.
 * What cannot be read keeps the cluster's previous uses, as in a full read.
 */
export async function readClusterUses(ctx: EcsReadContext, arn: string): Promise<{ readonly uses: ImageUse[]; readonly incomplete: Incomplete[] }> {
  const { accountId, region } = ctx;
  const name = arnName(arn);
  const previousUses = (ctx.previous?.uses ?? []).filter((u) => u.accountId === accountId && u.region === region && u.cluster === name && CLUSTER_KINDS.includes(u.kind));
  const incomplete: Incomplete[] = [];
  const kept: ImageUse[] = [];
  const since = ctx.now - ctx.stoppedWindowMs;
  const cluster = await readCluster(ctx.ecs, arn, (target, operation, reason, kinds) => {
    incomplete.push({ scope: 'cluster', accountId, region, target, operation, error: errorMessage(reason) });
    for (const u of previousUses) if (kinds.includes(u.kind) && inWindow(u, since)) kept.push(u);
  });
  return { uses: await usesOf(ctx, [cluster], [], previousUses, kept, incomplete), incomplete };
}

/** A kept use still counts: anything but a task stopped before `since` (epoch ms). */
const inWindow = (u: ImageUse, since: number): boolean => u.kind !== 'stopped-task' || u.at === undefined || u.at >= since;

/** The ECS uses a cluster can hold; task-definition uses belong to the region. */
export const CLUSTER_KINDS: readonly UseKind[] = ['service', 'running-task', 'stopped-task'];

/** The uses of the clusters read and the kept revisions, describing their task definitions through the cache. */
async function usesOf(ctx: EcsReadContext, clusters: readonly EcsClusterData[], keptRevisions: readonly string[], previousUses: readonly ImageUse[], kept: ImageUse[], incomplete: Incomplete[]): Promise<ImageUse[]> {
  const { accountId, region } = ctx;
  const since = ctx.now - ctx.stoppedWindowMs;
  const described = await describeDefinitions(ctx, [...new Set([...keptRevisions, ...referencedTaskDefinitions(clusters, since)])]);
  const failedNames = new Set([...described.failed].map(taskDefinitionName));
  if (described.errors.length > 0) {
    incomplete.push({ scope: 'ecs', accountId, region, operation: 'DescribeTaskDefinition', error: `${described.errors.length} unread; first: ${described.errors[0]}` });
    for (const u of previousUses)
      if ((u.kind === 'service' || u.kind === 'task-definition') && u.taskDefinition && (failedNames.has(u.taskDefinition) || described.failed.has(u.taskDefinition)))
        kept.push(u);
  }
  const uses = assembleUses({ accountId, region, clusters, taskDefinitions: described.definitions, keptRevisions, now: ctx.now, stoppedWindowMs: ctx.stoppedWindowMs });
  // A task whose definition could not be read may run containers DescribeTasks left out: keep what was seen before.
  for (const u of previousUses)
    if ((u.kind === 'running-task' || u.kind === 'stopped-task') && u.taskDefinition && failedNames.has(u.taskDefinition) && inWindow(u, since)) kept.push(u);
  return withKept(uses, kept);
}

/** The uses read now, then the kept ones the read did not see again (each once). */
function withKept(uses: readonly ImageUse[], kept: readonly ImageUse[]): ImageUse[] {
  const out = [...uses];
  const have = new Set(uses.map(useKey));
  for (const u of kept) {
    const key = useKey(u);
    if (have.has(key)) continue;
    have.add(key);
    out.push(u);
  }
  return out;
}

/** The newest `keepRevisions` ACTIVE revisions of every family (ARNs). */
async function newestRevisions(ctx: EcsReadContext): Promise<string[]> {
  if (ctx.keepRevisions <= 0) return [];
  const families = await ctx.ecs.families();
  const lists = await Promise.all(families.map((family) => ctx.ecs.newestRevisions(family, ctx.keepRevisions)));
  return lists.flat();
}

type ClusterFailure = (cluster: string, operation: string, reason: unknown, kinds: readonly UseKind[]) => void;

/** One cluster's services (with their current revisions) and tasks; a part that cannot be read is reported and left empty. */
async function readCluster(ecs: EcsFetcher, arn: string, fail: ClusterFailure): Promise<EcsClusterData> {
  const name = arnName(arn);
  const [services, running, stopped] = await Promise.allSettled([ecs.services(arn), ecs.tasks(arn, 'RUNNING'), ecs.tasks(arn, 'STOPPED')]);
  // A part that failed, or answered for fewer items than were asked: its previous uses are kept.
  const read = <T>(result: PromiseSettledResult<Answer<T>>, operations: [string, string], kind: UseKind): T[] => {
    if (result.status === 'rejected') fail(name, operations[0], result.reason, [kind]);
    else if (result.value.unaccounted.length > 0) fail(name, operations[1], partial(result.value.unaccounted), [kind]);
    return result.status === 'fulfilled' ? result.value.items : [];
  };
  const serviceList = read(services, ['ListServices/DescribeServices', 'DescribeServices'], 'service');
  return {
    name,
    arn,
    services: serviceList,
    serviceRevisions: await readRevisions(ecs, name, serviceList, fail),
    runningTasks: read(running, ['ListTasks/DescribeTasks RUNNING', 'DescribeTasks RUNNING'], 'running-task'),
    stoppedTasks: read(stopped, ['ListTasks/DescribeTasks STOPPED', 'DescribeTasks STOPPED'], 'stopped-task'),
  };
}

/** The services' current revisions: what each deployment resolved its image tags to. */
async function readRevisions(ecs: EcsFetcher, cluster: string, services: readonly Service[], fail: ClusterFailure): Promise<ServiceRevision[]> {
  const arns = [...new Set(services.flatMap((s) => (s.currentServiceRevisions ?? []).flatMap((r) => (r.arn ? [r.arn] : []))))];
  if (arns.length === 0) return [];
  try {
    const described = await ecs.serviceRevisions(arns);
    if (described.unaccounted.length > 0) fail(cluster, 'DescribeServiceRevisions', partial(described.unaccounted), ['service']);
    return described.items;
  } catch (error) {
    fail(cluster, 'DescribeServiceRevisions', error, ['service']);
    return [];
  }
}

/** Why a Describe answer is partial: how many items, and the first few. */
const partial = (unaccounted: readonly string[]): string =>
  `${unaccounted.length} not described: ${unaccounted.slice(0, 3).join('; ')}${unaccounted.length > 3 ? '; …' : ''}`;

const useKey = (u: ImageUse): string =>
  `${u.kind}|${u.cluster ?? ''}|${u.service ?? ''}|${u.task ?? ''}|${u.taskDefinition ?? ''}|${u.container ?? ''}|${u.reference}|${u.digest ?? ''}`;

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
        // An answer without the definition is no answer: its uses must not silently go missing.
        if (!described) throw new Error('the answer has no taskDefinition');
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
