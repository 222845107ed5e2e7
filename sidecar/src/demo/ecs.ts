/** ECS operations (awsJson1_1, target prefix AmazonEC2ContainerServiceV20141113). */
import { z } from 'zod';
import { AwsError } from './errors.js';
import { currentServiceRevisions, describeServiceRevisions, injectedFailure } from './ecs-revisions.js';
import type { FixtureService, FixtureTaskDefinition, FixtureTaskSet } from './fixture.js';
import type { CallContext } from './request.js';
import { pageOf, parseInput } from './request.js';
import type { ClusterState, EmulatorStore, RegistryState, TaskRecord } from './store.js';

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';

type Handler = (store: EmulatorStore, body: unknown, ctx: CallContext) => unknown;

const maxResults = z.number().int().min(1).max(100).optional();
const nextToken = z.string().optional();
const cluster = z.string().optional();

const arnPrefix = (r: RegistryState): string => `arn:aws:ecs:${r.region}:${r.accountId}`;
const taskDefinitionArn = (r: RegistryState, familyRevision: string): string =>
  `${arnPrefix(r)}:task-definition/${familyRevision}`;
const serviceArn = (c: ClusterState, name: string): string => `${arnPrefix(c.registry)}:service/${c.name}/${name}`;
const taskArn = (c: ClusterState, id: string): string => `${arnPrefix(c.registry)}:task/${c.name}/${id}`;

const lastSegment = (value: string): string => value.slice(value.lastIndexOf('/') + 1);

/**
 * ECS lists a stopped task "for at least one hour" after it stops (ListTasks docs); after that ListTasks
 * omits it and DescribeTasks answers MISSING. Modelled as exactly one hour.
 */
export const STOPPED_TASK_VISIBLE_SECONDS = 3600;

/** Whether ECS still knows the task at `nowMs` (epoch ms). A stopped task without a stop time is stopping. */
export const taskVisible = (t: TaskRecord, nowMs: number): boolean =>
  t.stoppedAt === undefined || nowMs / 1000 - t.stoppedAt <= STOPPED_TASK_VISIBLE_SECONDS;

function registryOf(store: EmulatorStore, ctx: CallContext): RegistryState | undefined {
  return store.registry(ctx.accountId, ctx.region);
}

function clusterOf(store: EmulatorStore, ctx: CallContext, name: string | undefined): ClusterState {
  const key = name === undefined ? 'default' : name.startsWith('arn:') ? lastSegment(name) : name;
  const found = registryOf(store, ctx)?.clusters.get(key);
  if (!found) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
  return found;
}

const withToken = <K extends string>(
  key: K,
  page: { items: unknown[]; nextToken?: string },
): Record<string, unknown> => ({
  [key]: page.items,
  ...(page.nextToken ? { nextToken: page.nextToken } : {}),
});

const listClusters: Handler = (store, body, ctx) => {
  const input = parseInput(z.object({ nextToken, maxResults }), body);
  const registry = registryOf(store, ctx);
  return withToken(
    'clusterArns',
    pageOf(
      `ListClusters/${ctx.accountId}/${ctx.region}`,
      ctx,
      registry?.clusterList ?? [],
      input.nextToken,
      input.maxResults ?? 100,
      (c) => c.arn,
    ),
  );
};

const listServices: Handler = (store, body, ctx) => {
  const input = parseInput(
    z.object({
      cluster,
      nextToken,
      maxResults,
      launchType: z.string().optional(),
      schedulingStrategy: z.string().optional(),
    }),
    body,
  );
  const c = clusterOf(store, ctx, input.cluster);
  return withToken(
    'serviceArns',
    pageOf(`ListServices/${c.arn}`, ctx, c.services, input.nextToken, input.maxResults ?? 10, (s) =>
      (input.launchType && (s.launchType ?? 'FARGATE') !== input.launchType) ||
      (input.schedulingStrategy && input.schedulingStrategy !== 'REPLICA')
        ? undefined
        : serviceArn(c, s.name),
    ),
  );
};

const renderTaskSet = (c: ClusterState, s: FixtureService, t: FixtureTaskSet): Record<string, unknown> => ({
  id: t.id,
  taskSetArn: `${arnPrefix(c.registry)}:task-set/${c.name}/${s.name}/${t.id}`,
  serviceArn: serviceArn(c, s.name),
  clusterArn: c.arn,
  ...(t.startedBy ? { startedBy: t.startedBy } : {}),
  ...(t.externalId ? { externalId: t.externalId } : {}),
  status: t.status,
  taskDefinition: taskDefinitionArn(c.registry, t.taskDefinition),
  computedDesiredCount: t.computedDesiredCount,
  pendingCount: t.pendingCount ?? 0,
  runningCount: t.runningCount,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  launchType: s.launchType ?? 'FARGATE',
});

/**
 * CODE_DEPLOY and EXTERNAL services run task sets. DescribeServices "returns all fields specified for a primary
 * task set" ("Deploy Amazon ECS services using a third-party controller"): the taskDefinition is the PRIMARY one's.
 */
function controllerFields(c: ClusterState, s: FixtureService): Record<string, unknown> {
  const type = s.deploymentController ?? 'ECS';
  if (type === 'ECS')
    return { deploymentController: { type }, taskDefinition: taskDefinitionArn(c.registry, s.taskDefinition) };
  const taskSets = s.taskSets ?? [];
  const primary = taskSets.find((t) => t.status === 'PRIMARY');
  return {
    deploymentController: { type },
    ...(primary ? { taskDefinition: taskDefinitionArn(c.registry, primary.taskDefinition) } : {}),
    taskSets: taskSets.map((t) => renderTaskSet(c, s, t)),
  };
}

function describeService(c: ClusterState, s: FixtureService, withDeployments: boolean): Record<string, unknown> {
  const r = c.registry;
  return {
    serviceArn: serviceArn(c, s.name),
    serviceName: s.name,
    clusterArn: c.arn,
    status: s.status ?? 'ACTIVE',
    desiredCount: s.desiredCount,
    runningCount: s.runningCount,
    pendingCount: s.pendingCount ?? 0,
    launchType: s.launchType ?? 'FARGATE',
    ...controllerFields(c, s),
    schedulingStrategy: 'REPLICA',
    createdAt: s.createdAt,
    // An endpoint without deployments knows no service revisions either.
    ...(withDeployments ? { currentServiceRevisions: currentServiceRevisions(c, s) } : {}),
    deployments: (withDeployments ? s.deployments : []).map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: taskDefinitionArn(r, d.taskDefinition),
      desiredCount: d.desiredCount,
      runningCount: d.runningCount,
      pendingCount: d.pendingCount ?? 0,
      failedTasks: d.failedTasks ?? 0,
      launchType: s.launchType ?? 'FARGATE',
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      ...(d.rolloutState ? { rolloutState: d.rolloutState } : {}),
    })),
  };
}

const describeServices: Handler = (store, body, ctx) => {
  const input = parseInput(
    z.object({ cluster, services: z.array(z.string()).min(1).max(10), include: z.array(z.string()).optional() }),
    body,
  );
  const c = clusterOf(store, ctx, input.cluster);
  const withDeployments = !store.controls.quirks().servicesWithoutDeployments;
  const fault = store.controls.fault('ecs:DescribeServices');
  const services: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const ref of input.services) {
    const name = lastSegment(ref);
    const s = c.serviceByName.get(name);
    const arn = ref.startsWith('arn:') ? ref : serviceArn(c, name);
    if (!s) failures.push({ arn, reason: 'MISSING' });
    else if (!injectedFailure(fault, arn, failures)) services.push(describeService(c, s, withDeployments));
  }
  return { services, failures };
};

const listTasks: Handler = (store, body, ctx) => {
  const input = parseInput(
    z.object({
      cluster,
      containerInstance: z.string().optional(),
      family: z.string().optional(),
      serviceName: z.string().optional(),
      startedBy: z.string().optional(),
      desiredStatus: z.enum(['RUNNING', 'PENDING', 'STOPPED']).optional(),
      launchType: z.string().optional(),
      nextToken,
      maxResults,
    }),
    body,
  );
  const c = clusterOf(store, ctx, input.cluster);
  const service = input.serviceName === undefined ? undefined : lastSegment(input.serviceName);
  if (service !== undefined && !c.serviceByName.has(service))
    throw new AwsError('ServiceNotFoundException', 'Service not found.');
  const desired = input.desiredStatus ?? 'RUNNING';
  const now = ctx.now();
  const keep = (t: TaskRecord): boolean =>
    t.desiredStatus === desired &&
    taskVisible(t, now) &&
    (service === undefined || t.src.service === service || t.src.group === `service:${service}`) &&
    (input.family === undefined || t.src.taskDefinition.split(':')[0] === input.family) &&
    (input.startedBy === undefined || startedBy(t) === input.startedBy) &&
    (input.launchType === undefined || (t.src.launchType ?? 'FARGATE') === input.launchType) &&
    input.containerInstance === undefined;
  return withToken(
    'taskArns',
    pageOf(`ListTasks/${c.arn}`, ctx, c.tasks, input.nextToken, input.maxResults ?? 100, (t) =>
      keep(t) ? taskArn(c, t.src.id) : undefined,
    ),
  );
};

const startedBy = (t: TaskRecord): string | undefined =>
  t.src.startedBy ?? (t.src.service ? `ecs-svc/${t.src.service}` : undefined);

function describeTask(c: ClusterState, t: TaskRecord, firstContainerOnly: boolean): Record<string, unknown> {
  const src = t.src;
  const arn = taskArn(c, src.id);
  const by = startedBy(t);
  return {
    taskArn: arn,
    clusterArn: c.arn,
    taskDefinitionArn: taskDefinitionArn(c.registry, src.taskDefinition),
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    launchType: src.launchType ?? 'FARGATE',
    createdAt: src.createdAt,
    ...(src.startedAt !== undefined ? { startedAt: src.startedAt } : {}),
    ...(t.stoppedAt !== undefined ? { stoppedAt: t.stoppedAt } : {}),
    ...(t.stoppedReason !== undefined ? { stoppedReason: t.stoppedReason } : {}),
    ...(t.stopCode !== undefined ? { stopCode: t.stopCode } : {}),
    group: src.group ?? (src.service ? `service:${src.service}` : `family:${src.taskDefinition.split(':')[0]}`),
    ...(by ? { startedBy: by } : {}),
    version: t.lastStatus === 'STOPPED' ? 4 : 2,
    containers: (firstContainerOnly ? src.containers.slice(0, 1) : src.containers).map((ct, i) => ({
      containerArn: `${arnPrefix(c.registry)}:container/${c.name}/${src.id}/${i}`,
      taskArn: arn,
      name: ct.name,
      image: ct.image,
      ...(ct.imageDigest ? { imageDigest: ct.imageDigest } : {}),
      lastStatus: t.lastStatus === 'STOPPED' ? 'STOPPED' : (ct.lastStatus ?? 'RUNNING'),
      ...(t.lastStatus === 'STOPPED' ? { exitCode: 0 } : {}),
    })),
  };
}

const describeTasks: Handler = (store, body, ctx) => {
  const input = parseInput(
    z.object({ cluster, tasks: z.array(z.string()).min(1).max(100), include: z.array(z.string()).optional() }),
    body,
  );
  const c = clusterOf(store, ctx, input.cluster);
  const firstOnly = store.controls.quirks().describeTasksFirstContainerOnly;
  const fault = store.controls.fault('ecs:DescribeTasks');
  const now = ctx.now();
  const tasks: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const ref of input.tasks) {
    const t = c.taskById.get(lastSegment(ref));
    const arn = ref.startsWith('arn:') ? ref : taskArn(c, ref);
    if (!t || !taskVisible(t, now)) failures.push({ arn, reason: 'MISSING' });
    else if (!injectedFailure(fault, arn, failures)) tasks.push(describeTask(c, t, firstOnly));
  }
  return { tasks, failures };
};

function renderTaskDefinition(r: RegistryState, td: FixtureTaskDefinition): Record<string, unknown> {
  return {
    taskDefinitionArn: taskDefinitionArn(r, `${td.family}:${td.revision}`),
    family: td.family,
    revision: td.revision,
    status: td.status ?? 'ACTIVE',
    containerDefinitions: td.containers.map((ct) => ({
      name: ct.name,
      image: ct.image,
      essential: ct.essential ?? true,
      ...(ct.versionConsistency ? { versionConsistency: ct.versionConsistency } : {}),
    })),
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    cpu: td.cpu ?? '256',
    memory: td.memory ?? '512',
    registeredAt: td.registeredAt,
    ...(td.deregisteredAt !== undefined ? { deregisteredAt: td.deregisteredAt } : {}),
  };
}

const describeTaskDefinition: Handler = (store, body, ctx) => {
  const input = parseInput(
    z.object({ taskDefinition: z.string().min(1), include: z.array(z.string()).optional() }),
    body,
  );
  const ref = input.taskDefinition.startsWith('arn:') ? lastSegment(input.taskDefinition) : input.taskDefinition;
  const [family, rev] = ref.split(':');
  const registry = registryOf(store, ctx);
  const revisions = registry?.taskDefinitions.get(family!) ?? [];
  const td =
    rev === undefined
      ? [...revisions].reverse().find((t) => (t.status ?? 'ACTIVE') === 'ACTIVE')
      : revisions.find((t) => String(t.revision) === rev);
  if (!registry || !td) throw new AwsError('ClientException', 'Unable to describe task definition.');
  const rendered = renderTaskDefinition(registry, td);
  // The injected fault: an answer without the task definition.
  if (injectedFailure(store.controls.fault('ecs:DescribeTaskDefinition'), String(rendered.taskDefinitionArn), []))
    return { tags: [] };
  return { taskDefinition: rendered, tags: [] };
};

const listTaskDefinitions: Handler = (store, body, ctx) => {
  const input = parseInput(
    z.object({
      familyPrefix: z.string().optional(),
      status: z.enum(['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS']).optional(),
      sort: z.enum(['ASC', 'DESC']).optional(),
      nextToken,
      maxResults,
    }),
    body,
  );
  const registry = registryOf(store, ctx);
  const status = input.status ?? 'ACTIVE';
  // The quirk: an endpoint that always answers ascending, in pages of its default size.
  const ignore = store.controls.quirks().listTaskDefinitionsIgnoresSortAndMax;
  const sort = ignore ? 'ASC' : (input.sort ?? 'ASC');
  const all: FixtureTaskDefinition[] = [];
  const families = [...(registry?.taskDefinitions.keys() ?? [])].sort();
  for (const family of families)
    if (input.familyPrefix === undefined || family === input.familyPrefix)
      for (const td of registry!.taskDefinitions.get(family)!) if ((td.status ?? 'ACTIVE') === status) all.push(td);
  if (sort === 'DESC') all.reverse();
  const scope = `ListTaskDefinitions/${ctx.accountId}/${ctx.region}/${input.familyPrefix ?? ''}/${status}/${sort}`;
  return withToken(
    'taskDefinitionArns',
    pageOf(scope, ctx, all, input.nextToken, ignore ? 100 : (input.maxResults ?? 100), (td) =>
      taskDefinitionArn(registry!, `${td.family}:${td.revision}`),
    ),
  );
};

const listTaskDefinitionFamilies: Handler = (store, body, ctx) => {
  const input = parseInput(
    z.object({
      familyPrefix: z.string().optional(),
      status: z.enum(['ACTIVE', 'INACTIVE', 'ALL']).optional(),
      nextToken,
      maxResults,
    }),
    body,
  );
  const registry = registryOf(store, ctx);
  const status = input.status ?? 'ALL';
  const families = [...(registry?.taskDefinitions.entries() ?? [])]
    .filter(([family]) => input.familyPrefix === undefined || family.startsWith(input.familyPrefix))
    .filter(([, revisions]) => {
      const active = revisions.some((t) => (t.status ?? 'ACTIVE') === 'ACTIVE');
      return status === 'ALL' || (status === 'ACTIVE' ? active : !active);
    })
    .map(([family]) => family)
    .sort();
  const scope = `ListTaskDefinitionFamilies/${ctx.accountId}/${ctx.region}/${input.familyPrefix ?? ''}/${status}`;
  return withToken(
    'families',
    pageOf(scope, ctx, families, input.nextToken, input.maxResults ?? 100, (f) => f),
  );
};

export const ECS_OPERATIONS: Readonly<Record<string, Handler>> = {
  ListClusters: listClusters,
  ListServices: listServices,
  DescribeServices: describeServices,
  DescribeServiceRevisions: describeServiceRevisions,
  ListTasks: listTasks,
  DescribeTasks: describeTasks,
  DescribeTaskDefinition: describeTaskDefinition,
  ListTaskDefinitions: listTaskDefinitions,
  ListTaskDefinitionFamilies: listTaskDefinitionFamilies,
};
