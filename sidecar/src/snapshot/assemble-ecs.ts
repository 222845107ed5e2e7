/**
 * Pure helpers that turn ECS shapes into image uses: running tasks, tasks stopped within the window,
 * services' deployments and the newest task-definition revisions of each family.
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
  /** Described task definitions by ARN: those of service deployments and the kept revisions. */
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

function taskUses(base: { accountId: string; region: string; cluster: string }, task: Task, kind: 'running-task' | 'stopped-task'): ImageUse[] {
  const group = task.group ?? '';
  const service = group.startsWith('service:') ? group.slice('service:'.length) : undefined;
  const at = (kind === 'stopped-task' ? task.stoppedAt : task.startedAt ?? task.createdAt)?.getTime();
  const uses: ImageUse[] = [];
  for (const container of task.containers ?? []) {
    if (!container.image) continue;
    const digest = container.imageDigest ?? pinnedDigest(container.image);
    uses.push({
      kind,
      ...base,
      ...(service ? { service } : {}),
      ...(task.taskArn ? { task: arnName(task.taskArn) } : {}),
      ...(task.taskDefinitionArn ? { taskDefinition: taskDefinitionName(task.taskDefinitionArn) } : {}),
      ...(container.name ? { container: container.name } : {}),
      reference: container.image,
      ...(digest ? { digest } : {}),
      ...(at !== undefined ? { at } : {}),
    });
  }
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

/** Every place ECS references an image in one account and region. */
export function assembleUses(input: EcsAssemblyInput): ImageUse[] {
  const { accountId, region } = input;
  const uses: ImageUse[] = [];
  const since = input.now - input.stoppedWindowMs;
  for (const cluster of input.clusters) {
    const base = { accountId, region, cluster: cluster.name };
    for (const task of cluster.runningTasks) uses.push(...taskUses(base, task, 'running-task'));
    for (const task of cluster.stoppedTasks) {
      const stoppedAt = task.stoppedAt?.getTime();
      // A task without a stop time is still stopping: it counts.
      if (stoppedAt === undefined || stoppedAt >= since) uses.push(...taskUses(base, task, 'stopped-task'));
    }
    for (const service of cluster.services) {
      const seen = new Set<string>();
      for (const deployment of service.deployments ?? []) {
        const arn = deployment.taskDefinition;
        if (!arn || seen.has(arn)) continue;
        seen.add(arn);
        const definition = input.taskDefinitions.get(arn);
        if (!definition) continue;
        uses.push(
          ...definitionUses(
            { kind: 'service', accountId, region, cluster: cluster.name, ...(service.serviceName ? { service: service.serviceName } : {}) },
            definition,
            deployment.createdAt?.getTime(),
          ),
        );
      }
    }
  }
  for (const arn of input.keptRevisions) {
    const definition = input.taskDefinitions.get(arn);
    if (definition) uses.push(...definitionUses({ kind: 'task-definition', accountId, region }, definition, definition.registeredAt?.getTime()));
  }
  return uses;
}

/** The task-definition ARNs the services' deployments name (to describe them). */
export const deploymentTaskDefinitions = (clusters: readonly EcsClusterData[]): string[] => {
  const out = new Set<string>();
  for (const cluster of clusters) for (const service of cluster.services) for (const d of service.deployments ?? []) if (d.taskDefinition) out.add(d.taskDefinition);
  return [...out];
};
