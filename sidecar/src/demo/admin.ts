/** The emulator's admin API under /_emulator/ (separate from the AWS paths: `POST /`, and Lambda's `/2015-03-31/`). */
import { z } from 'zod';
import { ControlSettingsSchema } from './controls.js';
import type { Controls } from './controls.js';
import { deployService, registerTaskDefinition, startTask } from './ecs-launch.js';
import type { Outcome } from './ecs-launch.js';
import { ImageSchema, ScanSchema, TaskDefinitionSchema } from './fixture.js';
import { handleLambdaAdmin } from './lambda-admin.js';
import type { ClusterState, EmulatorStore } from './store.js';
import type { AdminReply } from './admin-reply.js';

export const ADMIN_PREFIX = '/_emulator';

const target = {
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  region: z.string().min(1).optional(),
};

const DeleteRepositoryBody = z.object({ ...target, repositoryName: z.string().min(1) });
const PutImageBody = z.object({ ...target, repositoryName: z.string().min(1), image: ImageSchema });
const ScanImageBody = z.object({ ...target, repositoryName: z.string().min(1), digest: z.string().min(1), scan: ScanSchema });
const LifecyclePolicyBody = z.object({ ...target, repositoryName: z.string().min(1), lifecyclePolicyText: z.string().min(1).max(30_720).optional() });
const ReleaseEventsBody = z.object({ order: z.enum(['sent', 'reverse']).optional(), duplicate: z.boolean().optional() });
const StopTaskBody = z.object({
  ...target,
  cluster: z.string().min(1),
  task: z.string().min(1),
  stoppedReason: z.string().optional(),
  stoppedAt: z.number().nonnegative().optional(),
});
// ECS names: up to 255 letters, digits, hyphens and underscores (RegisterTaskDefinition docs).
const ecsName = z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be 1-255 of [A-Za-z0-9_-]');
const familyRevision = z.string().regex(/^[A-Za-z0-9_-]{1,255}:[1-9][0-9]{0,9}$/, 'must be family:revision');
const AdvanceClockBody = z.object({ seconds: z.number().finite().nonnegative() });
const StartTaskBody = z.object({
  ...target,
  cluster: z.string().min(1),
  taskDefinition: familyRevision,
  service: z.string().min(1).optional(),
  group: z.string().min(1).max(255).optional(),
  startedBy: z.string().min(1).max(128).optional(),
});
const RegisterTaskDefinitionBody = z.object({
  ...target,
  family: ecsName,
  containers: TaskDefinitionSchema.shape.containers.min(1).max(10),
});
const DeployServiceBody = z.object({
  ...target,
  cluster: z.string().min(1),
  service: ecsName,
  taskDefinition: familyRevision,
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T | AdminReply {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  return { status: 400, body: { error: `${issue.path.join('.') || 'body'}: ${issue.message}` } };
}

const isReply = (v: unknown): v is AdminReply => typeof v === 'object' && v !== null && 'status' in v && 'body' in v;

const reply = <T>(outcome: Outcome<T>): AdminReply =>
  'ok' in outcome ? { status: 200, body: outcome.ok } : { status: outcome.status, body: { error: outcome.error } };

type Target = { accountId?: string | undefined; region?: string | undefined };
type Where = (b: Target) => [string, string];

/** The emulator clock: read it, or move it forward. */
function handleClock(controls: Controls, route: string, body: unknown, now: number): AdminReply | undefined {
  if (route === 'GET /clock') return { status: 200, body: { now } };
  if (route !== 'POST /clock/advance') return undefined;
  const b = parse(AdvanceClockBody, body);
  if (isReply(b)) return b;
  controls.advanceClock(b.seconds);
  return { status: 200, body: { now: now + b.seconds * 1000 } };
}

/** The ECS routes that change state: register a task definition, deploy a service, start a task. */
function handleEcsAdmin(
  store: EmulatorStore,
  route: string,
  body: unknown,
  now: number,
  where: Where,
): AdminReply | undefined {
  const clusterOf = (b: Target & { cluster: string }): ClusterState | undefined =>
    store.registry(...where(b))?.clusters.get(b.cluster);
  const noCluster = (name: string): AdminReply => ({ status: 404, body: { error: `cluster: no cluster ${name}` } });
  switch (route) {
    case 'POST /task-definitions': {
      const b = parse(RegisterTaskDefinitionBody, body);
      if (isReply(b)) return b;
      const registry = store.registry(...where(b));
      if (!registry) return { status: 404, body: { error: `region: no registry ${where(b).join('/')}` } };
      const taskDefinition = registerTaskDefinition(registry, b.family, b.containers, now / 1000);
      return { status: 200, body: { taskDefinition } };
    }
    case 'POST /services/deploy': {
      const b = parse(DeployServiceBody, body);
      if (isReply(b)) return b;
      const cluster = clusterOf(b);
      if (!cluster) return noCluster(b.cluster);
      return reply(deployService(store, cluster, b.service, b.taskDefinition, now / 1000));
    }
    case 'POST /tasks/start': {
      const b = parse(StartTaskBody, body);
      if (isReply(b)) return b;
      const cluster = clusterOf(b);
      if (!cluster) return noCluster(b.cluster);
      const started = startTask(store, cluster, b, now);
      if (!('ok' in started)) return reply(started);
      const { accountId, region } = cluster.registry;
      const taskArn = `arn:aws:ecs:${region}:${accountId}:task/${cluster.name}/${started.ok.task}`;
      return { status: 200, body: { ...started.ok, taskArn } };
    }
    default:
      return undefined;
  }
}

/** Routes one admin request. `now` is epoch ms. */
export function handleAdmin(
  store: EmulatorStore,
  controls: Controls,
  method: string,
  path: string,
  body: unknown,
  now: number,
): AdminReply {
  const route = `${method} ${path.slice(ADMIN_PREFIX.length)}`;
  const where = (b: { accountId?: string; region?: string }): [string, string] => [
    b.accountId ?? store.defaultAccountId,
    b.region ?? store.defaultRegion,
  ];
  return (
    handleLambdaAdmin(store, route, body, now) ??
    handleEcsAdmin(store, route, body, now, where) ??
    handleClock(controls, route, body, now) ??
    handleEventsAdmin(store, route, body) ??
    handleControlsAdmin(store, controls, route, body) ??
    handleInventoryAdmin(store, route, body, now, where) ?? { status: 404, body: { error: `no admin route ${route}` } }
  );
}

/** Health, the summary, and the fault controls with their call log. */
function handleControlsAdmin(
  store: EmulatorStore,
  controls: Controls,
  route: string,
  body: unknown,
): AdminReply | undefined {
  switch (route) {
    case 'GET /health':
      return { status: 200, body: { ok: true } };
    case 'GET /summary':
      return {
        status: 200,
        body: {
          defaultAccountId: store.defaultAccountId,
          defaultRegion: store.defaultRegion,
          registries: store.summary(),
        },
      };
    case 'GET /controls':
      return { status: 200, body: controls.settings() };
    case 'PUT /controls': {
      const patch = parse(ControlSettingsSchema.partial(), body);
      if (isReply(patch)) return patch;
      return { status: 200, body: controls.update(patch) };
    }
    case 'GET /calls':
      return { status: 200, body: controls.calls() };
    case 'POST /calls/reset':
      controls.resetCalls();
      return { status: 200, body: {} };
    default:
      return undefined;
  }
}

/** EventBridge's delivery: hold events back, then release (reordered or duplicated) or drop them. */
function handleEventsAdmin(store: EmulatorStore, route: string, body: unknown): AdminReply | undefined {
  switch (route) {
    case 'GET /events':
      return { status: 200, body: store.events.stats() };
    case 'POST /events/hold':
      store.events.hold();
      return { status: 200, body: store.events.stats() };
    case 'POST /events/release': {
      const b = parse(ReleaseEventsBody, body);
      if (isReply(b)) return b;
      return { status: 200, body: { released: store.events.release(b) } };
    }
    case 'POST /events/drop':
      return { status: 200, body: { dropped: store.events.drop() } };
    default:
      return undefined;
  }
}

/** Changes to what the registries hold: a repository deleted, an image pushed, a task stopped. */
function handleInventoryAdmin(
  store: EmulatorStore,
  route: string,
  body: unknown,
  now: number,
  where: (b: { accountId?: string; region?: string }) => [string, string],
): AdminReply | undefined {
  switch (route) {
    case 'POST /repositories/delete': {
      const b = parse(DeleteRepositoryBody, body);
      if (isReply(b)) return b;
      return store.deleteRepository(...where(b), b.repositoryName)
        ? { status: 200, body: { deleted: b.repositoryName } }
        : { status: 404, body: { error: `repositoryName: no repository ${b.repositoryName}` } };
    }
    case 'POST /images': {
      const b = parse(PutImageBody, body);
      if (isReply(b)) return b;
      return store.putImage(...where(b), b.repositoryName, b.image)
        ? { status: 200, body: { pushed: b.image.digest } }
        : { status: 404, body: { error: `repositoryName: no repository ${b.repositoryName}` } };
    }
    case 'POST /images/scan': {
      const b = parse(ScanImageBody, body);
      if (isReply(b)) return b;
      return store.completeScan(...where(b), b.repositoryName, b.digest, b.scan)
        ? { status: 200, body: { scanned: b.digest } }
        : { status: 404, body: { error: `digest: no image ${b.digest} in repository ${b.repositoryName}` } };
    }
    case 'PUT /repositories/lifecycle-policy': {
      const b = parse(LifecyclePolicyBody, body);
      if (isReply(b)) return b;
      return store.setLifecyclePolicy(...where(b), b.repositoryName, b.lifecyclePolicyText)
        ? { status: 200, body: { repositoryName: b.repositoryName } }
        : { status: 404, body: { error: `repositoryName: no repository ${b.repositoryName}` } };
    }
    case 'POST /tasks/stop': {
      const b = parse(StopTaskBody, body);
      if (isReply(b)) return b;
      return store.stopTask(...where(b), b.cluster, b.task, b.stoppedAt ?? Math.floor(now / 1000), b.stoppedReason)
        ? { status: 200, body: { stopped: b.task } }
        : { status: 404, body: { error: `task: no task ${b.task} in cluster ${b.cluster}` } };
    }
    default:
      return undefined;
  }
}
