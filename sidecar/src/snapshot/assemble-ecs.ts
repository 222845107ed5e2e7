/**
 * Pure helpers that turn ECS shapes into image uses: running tasks and tasks stopped within the window (with
 * their task definitions' containers), services (their task definition and deployments') and the newest
 * task-definition revisions of each family.
 */
import type { Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Cluster, ImageUse } from './model.js';
import { parseEcrReference } from './reference.js';

export interface EcsClusterData {
  readonly name: string;
  readonly arn: string;
  readonly runningTasks: readonly Task[];
  readonly stoppedTasks: readonly Task[];
  readonly services: readonly Service[];
}

export interface EcsAssemblyInput {
  readonly accountId: string;
  readonly region: string;
  readonly clusters: readonly EcsClusterData[];
  /** Described task definitions by ARN: those of services, deployments and tasks, and the kept revisions. */
  readonly taskDefinitions: ReadonlyMap<string, TaskDefinition>;
  /** The newest N revisions of each family (ARNs). */
  readonly keptRevisions: readonly string[];
  readonly now: number;
  readonly stoppedWindowMs: number;
}

/** `family:revision` from a task-definition ARN (or the text itself when it is not an ARN). */
export const taskDefinitionName = (arn: string): string => {
  const at = arn.indexOf(':task-definition/');
  return at >= 0 ? arn.slice(at + ':task-definition/'.length) : arn;
};

/** The last path segment of an ARN: a cluster name or task id. */
export const arnName = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

export const clusterFromArn = (accountId: string, region: string, arn: string): Cluster => ({ accountId, region, name: arnName(arn), arn });

const pinnedDigest = (reference: string): string | undefined => parseEcrReference(reference)?.digest;

const containerKey = (name: string | undefined, image: string): string => `${name ?? ''}\n${image}`;

/**
 * A task's containers: those DescribeTasks lists (with the digest ECS resolved), plus any other its task
 * definition names. An ECS-compatible endpoint was seen to list only the first container, and a container
 * missing from the answer still runs its image.
 */
function taskUses(
  base: { accountId: string; region: string; cluster: string },
  task: Task,
  kind: 'running-task' | 'stopped-task',
  definition: TaskDefinition | undefined,
): ImageUse[] {
  const group = task.group ?? '';
  const service = group.startsWith('service:') ? group.slice('service:'.length) : undefined;
  const at = (kind === 'stopped-task' ? task.stoppedAt : task.startedAt ?? task.createdAt)?.getTime();
  const common = {
    kind,
    ...base,
    ...(service ? { service } : {}),
    ...(task.taskArn ? { task: arnName(task.taskArn) } : {}),
    ...(task.taskDefinitionArn ? { taskDefinition: taskDefinitionName(task.taskDefinitionArn) } : {}),
  };
  const uses: ImageUse[] = [];
  const listed = new Set<string>();
  const add = (name: string | undefined, image: string, digest: string | undefined): void => {
    listed.add(containerKey(name, image));
    uses.push({ ...common, ...(name ? { container: name } : {}), reference: image, ...(digest ? { digest } : {}), ...(at !== undefined ? { at } : {}) });
  };
  for (const container of task.containers ?? [])
    if (container.image) add(container.name, container.image, container.imageDigest ?? pinnedDigest(container.image));
  for (const container of definition?.containerDefinitions ?? [])
    if (container.image && !listed.has(containerKey(container.name, container.image))) add(container.name, container.image, pinnedDigest(container.image));
  return uses;
}

function definitionUses(
  base: Pick<ImageUse, 'accountId' | 'region' | 'kind' | 'cluster' | 'service'>,
  definition: TaskDefinition,
  at: number | undefined,
): ImageUse[] {
  const name = definition.taskDefinitionArn ? taskDefinitionName(definition.taskDefinitionArn) : `${definition.family}:${definition.revision}`;
  const uses: ImageUse[] = [];
  for (const container of definition.containerDefinitions ?? []) {
    if (!container.image) continue;
    const digest = pinnedDigest(container.image);
    uses.push({
      ...base,
      taskDefinition: name,
      ...(container.name ? { container: container.name } : {}),
      reference: container.image,
      ...(digest ? { digest } : {}),
      ...(at !== undefined ? { at } : {}),
    });
  }
  return uses;
}

/** A service's task definitions: every deployment's (with its creation time), and the service's own. */
function serviceUses(base: { accountId: string; region: string; cluster: string }, service: Service, definitions: ReadonlyMap<string, TaskDefinition>): ImageUse[] {
  const named = [
    ...(service.deployments ?? []).map((d) => ({ arn: d.taskDefinition, at: d.createdAt?.getTime() })),
    // Also without deployments: an ECS-compatible endpoint was seen to answer `deployments: []`.
    { arn: service.taskDefinition, at: undefined },
  ];
  const seen = new Set<string>();
  const uses: ImageUse[] = [];
  for (const { arn, at } of named) {
    if (!arn || seen.has(arn)) continue;
    seen.add(arn);
    const definition = definitions.get(arn);
    if (definition) uses.push(...definitionUses({ kind: 'service', ...base, ...(service.serviceName ? { service: service.serviceName } : {}) }, definition, at));
  }
  return uses;
}

/** Every place ECS references an image in one account and region. */
export function assembleUses(input: EcsAssemblyInput): ImageUse[] {
  const { accountId, region } = input;
  const uses: ImageUse[] = [];
  const since = input.now - input.stoppedWindowMs;
  const definitionOf = (task: Task): TaskDefinition | undefined => (task.taskDefinitionArn ? input.taskDefinitions.get(task.taskDefinitionArn) : undefined);
  for (const cluster of input.clusters) {
    const base = { accountId, region, cluster: cluster.name };
    for (const task of cluster.runningTasks) uses.push(...taskUses(base, task, 'running-task', definitionOf(task)));
    for (const task of stoppedInWindow(cluster, since)) uses.push(...taskUses(base, task, 'stopped-task', definitionOf(task)));
    for (const service of cluster.services) uses.push(...serviceUses(base, service, input.taskDefinitions));
  }
  for (const arn of input.keptRevisions) {
    const definition = input.taskDefinitions.get(arn);
    if (definition) uses.push(...definitionUses({ kind: 'task-definition', accountId, region }, definition, definition.registeredAt?.getTime()));
  }
  return uses;
}

/** Stopped tasks that still count: stopped since `since` (epoch ms), or still stopping (no stop time yet). */
const stoppedInWindow = (cluster: EcsClusterData, since: number): Task[] =>
  cluster.stoppedTasks.filter((task) => {
    const stoppedAt = task.stoppedAt?.getTime();
    return stoppedAt === undefined || stoppedAt >= since;
  });

/**
 * The task-definition ARNs to describe: services' own and their deployments', and those of running tasks and
 * of tasks stopped since `since` (their definitions name containers DescribeTasks may leave out).
 */
export const referencedTaskDefinitions = (clusters: readonly EcsClusterData[], since: number): string[] => {
  const out = new Set<string>();
  for (const cluster of clusters) {
    for (const service of cluster.services) {
      if (service.taskDefinition) out.add(service.taskDefinition);
      for (const d of service.deployments ?? []) if (d.taskDefinition) out.add(d.taskDefinition);
    }
    for (const task of [...cluster.runningTasks, ...stoppedInWindow(cluster, since)]) if (task.taskDefinitionArn) out.add(task.taskDefinitionArn);
  }
  return [...out];
};
