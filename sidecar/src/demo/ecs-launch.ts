/**
 * ECS state changes the admin API drives: register a task-definition revision, deploy a service, start a task.
 * Image digests are resolved from the emulator's ECR as ECS does:
 * - at launch, a tag resolves to the image the tag names now, `repo` alone means `repo:latest`, and a digest
 *   reference is kept; an image that cannot be pulled (unknown, or archived) stops the task with
 *   CannotPullContainerError;
 * - a service deployment resolves each tag once ("software version consistency", AWS since June 2024) and
 *   starts every later task of that deployment with the same digest, even after the tag moved, unless the
 *   container definition sets `versionConsistency: disabled`.
 */
import { createHash } from 'node:crypto';
import type { FixtureService, FixtureTask, FixtureTaskDefinition } from './fixture.js';
import { parseImageUri } from './lambda-state.js';
import type { ClusterState, EmulatorStore, RegistryState, TaskRecord } from './store.js';
import { taskStateChange } from './store.js';

export type Outcome<T> = { ok: T } | { status: number; error: string };

const fail = (status: number, error: string): { status: number; error: string } => ({ status, error });

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The digest an image reference pulls, or why it cannot be pulled; `{}` when the registry is not emulated. */
export function resolveImage(store: EmulatorStore, image: string): { digest?: string; error?: string } {
  const parsed = parseImageUri(image);
  if (!parsed) {
    // Not an ECR reference (Docker Hub, public.ecr.aws): the emulator cannot resolve a tag, only keep a digest.
    const at = image.lastIndexOf('@');
    const digest = at >= 0 ? image.slice(at + 1) : '';
    return DIGEST.test(digest) ? { digest } : {};
  }
  const repo = store.repository(parsed.accountId, parsed.region, parsed.repository);
  const tag = parsed.tag ?? 'latest';
  const record = !repo ? undefined : parsed.digest ? repo.byDigest.get(parsed.digest) : repo.byTag.get(tag);
  const ref = parsed.digest ? `${parsed.repositoryUri}@${parsed.digest}` : `${parsed.repositoryUri}:${tag}`;
  if (!record || record.status !== 'ACTIVE')
    return {
      error: `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${ref}: not found`,
    };
  return { digest: record.img.digest };
}

/** `family:revision` -> the revision, if registered. */
export function findTaskDefinition(registry: RegistryState, familyRevision: string): FixtureTaskDefinition | undefined {
  const colon = familyRevision.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const list = registry.taskDefinitions.get(familyRevision.slice(0, colon));
  return list?.find((t) => String(t.revision) === familyRevision.slice(colon + 1));
}

/** RegisterTaskDefinition: the next revision of the family (revisions are never reused). */
export function registerTaskDefinition(
  registry: RegistryState,
  family: string,
  containers: FixtureTaskDefinition['containers'],
  nowSeconds: number,
): string {
  const list = registry.taskDefinitions.get(family) ?? [];
  const revision = (list.at(-1)?.revision ?? 0) + 1;
  list.push({ family, revision, registeredAt: nowSeconds, containers });
  registry.taskDefinitions.set(family, list);
  return `${family}:${revision}`;
}

/** Digests of a deployment's containers, resolved now (containers that opted out or cannot resolve are left out). */
function resolveDeployment(store: EmulatorStore, td: FixtureTaskDefinition): Map<string, string> {
  const out = new Map<string, string>();
  for (const ct of td.containers) {
    if (ct.versionConsistency === 'disabled') continue;
    const { digest } = resolveImage(store, ct.image);
    if (digest) out.set(ct.name, digest);
  }
  return out;
}

/**
 * UpdateService with a new task definition: a new PRIMARY deployment (and its service revision, with the tags
 * resolved now); the previous PRIMARY becomes ACTIVE.
 */
export function deployService(
  store: EmulatorStore,
  cluster: ClusterState,
  serviceName: string,
  taskDefinition: string,
  nowSeconds: number,
): Outcome<{ deployment: string }> {
  const service = cluster.serviceByName.get(serviceName);
  if (!service) return fail(404, `service: no service ${serviceName} in cluster ${cluster.name}`);
  const td = findTaskDefinition(cluster.registry, taskDefinition);
  if (!td) return fail(404, `taskDefinition: no task definition ${taskDefinition}`);
  // 19 digits like ECS's; the map grows with every deployment, so ids never repeat.
  const id = `ecs-svc/9${String(cluster.deploymentDigests.size + 1).padStart(18, '0')}`;
  const next: FixtureService = {
    ...service,
    taskDefinition,
    deployments: [
      {
        id,
        status: 'PRIMARY',
        taskDefinition,
        desiredCount: service.desiredCount,
        runningCount: 0,
        pendingCount: 0,
        failedTasks: 0,
        rolloutState: 'IN_PROGRESS',
        createdAt: nowSeconds,
        updatedAt: nowSeconds,
      },
      ...service.deployments.map((d) =>
        d.status === 'PRIMARY' ? { ...d, status: 'ACTIVE' as const, updatedAt: nowSeconds } : d,
      ),
    ],
  };
  cluster.replaceService(next);
  cluster.deploymentDigests.set(id, resolveDeployment(store, td));
  const { accountId, region } = cluster.registry;
  store.events.emit({ accountId, region }, 'aws.ecs', 'ECS Deployment State Change', {
    eventType: 'INFO',
    eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS',
    deploymentId: id,
    updatedAt: new Date(nowSeconds * 1000).toISOString(),
    reason: `ECS deployment ${id} in progress.`,
  }, [`arn:aws:ecs:${region}:${accountId}:service/${cluster.name}/${service.name}`]);
  return { ok: { deployment: id } };
}

/**
 * The digest a service deployment already runs for a container: recorded (at deploy, in the fixture, or at its
 * first launch), else seen on one of its tasks. Its service revision shows the same.
 */
export function establishedDigest(
  cluster: ClusterState,
  service: string,
  deploymentId: string,
  taskDefinition: string,
  container: string,
): string | undefined {
  const recorded = cluster.deploymentDigests.get(deploymentId);
  if (recorded?.has(container)) return recorded.get(container);
  for (const t of cluster.tasks)
    if (t.src.service === service && t.src.taskDefinition === taskDefinition && t.desiredStatus === 'RUNNING') {
      const digest = t.src.containers.find((c) => c.name === container)?.imageDigest;
      if (digest) return digest;
    }
  return undefined;
}

export interface StartTaskInput {
  readonly taskDefinition: string;
  readonly service?: string | undefined;
  readonly group?: string | undefined;
  readonly startedBy?: string | undefined;
}

/** The containers as launched: digests resolved, or the reason the launch failed. */
function launchContainers(
  store: EmulatorStore,
  cluster: ClusterState,
  td: FixtureTaskDefinition,
  input: StartTaskInput,
): { containers: FixtureTask['containers']; error?: string } {
  const deployment = input.service
    ? cluster.serviceByName.get(input.service)?.deployments.find((d) => d.taskDefinition === input.taskDefinition)
    : undefined;
  let error: string | undefined;
  const containers = td.containers.map((ct) => {
    const pinned =
      deployment && ct.versionConsistency !== 'disabled'
        ? establishedDigest(cluster, input.service!, deployment.id, input.taskDefinition, ct.name)
        : undefined;
    const resolved = pinned
      ? resolveImage(store, `${ct.image.split('@')[0]!}@${pinned}`)
      : resolveImage(store, ct.image);
    if (resolved.error) error ??= resolved.error;
    if (deployment && resolved.digest && ct.versionConsistency !== 'disabled') {
      const map = cluster.deploymentDigests.get(deployment.id) ?? new Map<string, string>();
      map.set(ct.name, resolved.digest);
      cluster.deploymentDigests.set(deployment.id, map);
    }
    return { name: ct.name, image: ct.image, ...(resolved.digest ? { imageDigest: resolved.digest } : {}) };
  });
  return error ? { containers: containers.map(({ name, image }) => ({ name, image })), error } : { containers };
}

function newTaskId(cluster: ClusterState, nowMs: number): string {
  for (let n = cluster.tasks.length; ; n++) {
    const id = createHash('sha256').update(`${cluster.arn}/${n}/${nowMs}`).digest('hex').slice(0, 32);
    if (!cluster.taskById.has(id)) return id;
  }
}

/** RunTask (or a service's scheduler): a RUNNING task, or one STOPPED at once when an image cannot be pulled. */
export function startTask(
  store: EmulatorStore,
  cluster: ClusterState,
  input: StartTaskInput,
  nowMs: number,
): Outcome<{ task: string; lastStatus: string; stoppedReason?: string }> {
  const td = findTaskDefinition(cluster.registry, input.taskDefinition);
  if (!td) return fail(404, `taskDefinition: no task definition ${input.taskDefinition}`);
  if (td.status !== undefined && td.status !== 'ACTIVE')
    return fail(400, `taskDefinition: ${input.taskDefinition} is ${td.status}`);
  if (input.service && !cluster.serviceByName.has(input.service))
    return fail(404, `service: no service ${input.service} in cluster ${cluster.name}`);
  const { containers, error } = launchContainers(store, cluster, td, input);
  const now = nowMs / 1000;
  const src: FixtureTask = {
    id: newTaskId(cluster, nowMs),
    taskDefinition: input.taskDefinition,
    ...(input.service ? { service: input.service } : {}),
    ...(input.group ? { group: input.group } : {}),
    ...(input.startedBy ? { startedBy: input.startedBy } : {}),
    lastStatus: error ? 'STOPPED' : 'RUNNING',
    createdAt: now,
    ...(error ? {} : { startedAt: now }),
    containers,
  };
  const task: TaskRecord = {
    src,
    lastStatus: src.lastStatus,
    desiredStatus: error ? 'STOPPED' : 'RUNNING',
    stoppedAt: error ? now : undefined,
    stoppedReason: error,
    ...(error ? { stopCode: 'TaskFailedToStart' } : {}),
  };
  cluster.addTask(task);
  taskStateChange(store.events, task, cluster);
  return { ok: { task: src.id, lastStatus: src.lastStatus, ...(error ? { stoppedReason: error } : {}) } };
}
