/**
 * Pure helpers that turn ECS shapes into image uses: running tasks and tasks stopped within the window (with
 * their task definitions' containers), services (their task definition, deployments' and task sets', with the
 * digests their service revisions resolved) and the newest task-definition revisions of each family.
 */
import type { Service, ServiceRevision, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Cluster, ImageUse } from '../snapshot/model.js';
import { parseEcrReference } from '../snapshot/reference.js';

export interface EcsClusterData {
  readonly name: string;
  readonly arn: string;
  readonly runningTasks: readonly Task[];
  readonly stoppedTasks: readonly Task[];
  readonly services: readonly Service[];
  /** The services' current revisions (DescribeServiceRevisions); absent or empty when ECS gives none. */
  readonly serviceRevisions?: readonly ServiceRevision[];
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
    const named = Object.assign({}, common, name ? { container: name } : {}, { reference: image });
    uses.push(Object.assign(named, digest ? { digest } : {}, at !== undefined ? { at } : {}));
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
    const named = Object.assign({}, base, { taskDefinition: name }, container.name ? { container: container.name } : {});
    uses.push(Object.assign(named, { reference: container.image }, digest ? { digest } : {}, at !== undefined ? { at } : {}));
  }
  return uses;
}

/**
 * A service's task definitions: every deployment's and task set's (with its creation time), and the service's
 * own; then the digests its current revisions resolved.
 */
function serviceUses(
  base: { accountId: string; region: string; cluster: string },
  service: Service,
  definitions: ReadonlyMap<string, TaskDefinition>,
  revisions: ReadonlyMap<string, ServiceRevision>,
): ImageUse[] {
  const named = [
    ...(service.deployments ?? []).map((d) => ({ arn: d.taskDefinition, at: d.createdAt?.getTime() })),
    // CODE_DEPLOY and EXTERNAL services run task sets, each on its own task definition.
    ...(service.taskSets ?? []).map((t) => ({ arn: t.taskDefinition, at: t.createdAt?.getTime() })),
    // Also without deployments: an ECS-compatible endpoint was seen to answer `deployments: []`.
    { arn: service.taskDefinition, at: undefined },
  ];
  const own = { kind: 'service' as const, ...base, ...(service.serviceName ? { service: service.serviceName } : {}) };
  const seen = new Set<string>();
  const uses: ImageUse[] = [];
  for (const { arn, at } of named) {
    if (!arn || seen.has(arn)) continue;
    seen.add(arn);
    const definition = definitions.get(arn);
    if (definition) uses.push(...definitionUses(own, definition, at));
  }
  for (const current of service.currentServiceRevisions ?? []) {
    const revision = current.arn ? revisions.get(current.arn) : undefined;
    if (revision) pinRevision(uses, own, revision);
  }
  return uses;
}

/**
 * Version consistency: ECS resolved the revision's image tags to digests at deployment, and every task of that
 * deployment, even one started later by scaling, runs them. A use keeps its reference as written and gains the
 * digest, so it protects the resolved image after the tag moved (and the image the tag names now).
 */
function pinRevision(uses: ImageUse[], own: Pick<ImageUse, 'kind' | 'accountId' | 'region' | 'cluster' | 'service'>, revision: ServiceRevision): void {
  const taskDefinition = revision.taskDefinition ? taskDefinitionName(revision.taskDefinition) : undefined;
  for (const image of revision.containerImages ?? []) {
    const digest = image.imageDigest;
    // No digest: versionConsistency is disabled, so each task pulls the tag; the tag use is the use.
    if (!digest) continue;
    const same = (u: ImageUse): boolean => u.taskDefinition === taskDefinition && u.container === image.containerName;
    if (uses.some((u) => same(u) && u.digest === digest)) continue;
    const open = uses.findIndex((u) => same(u) && u.digest === undefined);
    if (open >= 0) {
      uses[open] = Object.assign({}, uses[open]!, { digest });
      continue;
    }
    const like = uses.find(same);
    if (like) uses.push(Object.assign({}, like, { digest }));
    else if (image.image)
      uses.push(
        Object.assign(
          Object.assign({}, own, taskDefinition ? { taskDefinition } : {}, image.containerName ? { container: image.containerName } : {}),
          { reference: image.image, digest },
          revision.createdAt ? { at: revision.createdAt.getTime() } : {},
        ),
      );
  }
}

/** Every place ECS references an image in one account and region. */
export function assembleUses(input: EcsAssemblyInput): ImageUse[] {
  const { accountId, region } = input;
  const uses: ImageUse[] = [];
  const since = input.now - input.stoppedWindowMs;
  const definitionOf = (task: Task): TaskDefinition | undefined => (task.taskDefinitionArn ? input.taskDefinitions.get(task.taskDefinitionArn) : undefined);
  for (const cluster of input.clusters) {
    const base = { accountId, region, cluster: cluster.name };
    const revisions = new Map((cluster.serviceRevisions ?? []).flatMap((r) => (r.serviceRevisionArn ? [[r.serviceRevisionArn, r] as const] : [])));
    for (const task of cluster.runningTasks) uses.push(...taskUses(base, task, 'running-task', definitionOf(task)));
    for (const task of stoppedInWindow(cluster, since)) uses.push(...taskUses(base, task, 'stopped-task', definitionOf(task)));
    for (const service of cluster.services) uses.push(...serviceUses(base, service, input.taskDefinitions, revisions));
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
 * The task-definition ARNs to describe: services' own, their deployments', task sets' and revisions', and those
 * of running tasks and of tasks stopped since `since` (their definitions name containers DescribeTasks may leave out).
 */
export const referencedTaskDefinitions = (clusters: readonly EcsClusterData[], since: number): string[] => {
  const out = new Set<string>();
  for (const cluster of clusters) {
    for (const service of cluster.services) {
      if (service.taskDefinition) out.add(service.taskDefinition);
      for (const d of [...(service.deployments ?? []), ...(service.taskSets ?? [])]) if (d.taskDefinition) out.add(d.taskDefinition);
    }
    for (const revision of cluster.serviceRevisions ?? []) if (revision.taskDefinition) out.add(revision.taskDefinition);
    for (const task of [...cluster.runningTasks, ...stoppedInWindow(cluster, since)]) if (task.taskDefinitionArn) out.add(task.taskDefinitionArn);
  }
  return [...out];
};
