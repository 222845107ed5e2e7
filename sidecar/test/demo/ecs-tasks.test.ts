/**
 * ECS over time: the emulator clock, the hour ECS keeps listing a stopped task, and tasks, revisions and
 * deployments made through the admin API, read back with the real ECS client.
 */
import { createHash } from 'node:crypto';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import type { ECSClient, Task } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/demo/server.js';
import { ecsClient, reference, referenceDigest, start } from './helpers.js';

const NOW = 1_767_225_600_000; // the reference fixture's "now"
const ARN = 'arn:aws:ecs:us-east-1:111111111111';
const REGISTRY = '111111111111.dkr.ecr.us-east-1.amazonaws.com';
const d = (label: string): string => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const ref = reference();
const FRONTEND_LATEST = referenceDigest(ref, 'web/frontend', 'latest');
const FRONTEND_V100 = referenceDigest(ref, 'web/frontend', 'v1.0.0');
const ETL_NIGHTLY = referenceDigest(ref, 'data/etl', 'nightly');
const task = (n: number): string => `0a00000000000000000000000000000${n}`;

let emulator: RunningEmulator;
let ecs: ECSClient;
beforeEach(async () => {
  emulator = await start(reference(), { now: () => NOW });
  ecs = ecsClient(emulator);
});
afterEach(() => emulator.close());

async function admin<T = Record<string, unknown>>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${emulator.url}/_emulator${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const stoppedArns = async (): Promise<string[]> =>
  (await ecs.send(new ListTasksCommand({ cluster: 'prod', desiredStatus: 'STOPPED' }))).taskArns ?? [];
const describe1 = async (id: string): Promise<{ task?: Task; missing: boolean }> => {
  const out = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [id] }));
  return { ...(out.tasks?.[0] ? { task: out.tasks[0] } : {}), missing: out.failures?.[0]?.reason === 'MISSING' };
};
const images = (t: Task | undefined): [string | undefined, string | undefined][] =>
  (t?.containers ?? []).map((c) => [c.image, c.imageDigest]);

describe('the emulator clock', () => {
  it('starts at `now` and moves forward by POST /clock/advance', async () => {
    expect(await admin('/clock')).toEqual({ status: 200, body: { now: NOW } });
    expect(await admin('/clock/advance', { seconds: 90 })).toEqual({ status: 200, body: { now: NOW + 90_000 } });
    expect((await admin('/clock')).body).toEqual({ now: NOW + 90_000 });
    expect((await admin('/clock/advance', { seconds: -1 })).status).toBe(400);
    expect((await admin('/clock/advance', {})).body).toEqual({
      error: 'seconds: Invalid input: expected number, received undefined',
    });
  });

  it('stamps stops with the moved clock', async () => {
    await admin('/clock/advance', { seconds: 600 });
    expect((await admin('/tasks/stop', { cluster: 'prod', task: task(1) })).status).toBe(200);
    expect((await describe1(task(1))).task).toMatchObject({
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stoppedAt: new Date(NOW + 600_000),
      stopCode: 'UserInitiated',
      stoppedReason: 'Task stopped by user',
    });
  });
});

describe('stopped tasks', () => {
  it('are listed and described for one hour after they stop, then MISSING', async () => {
    // Task 5 stopped exactly one hour before NOW, task 6 an hour and a half before.
    expect(await stoppedArns()).toEqual([`${ARN}:task/prod/${task(5)}`]);
    expect((await describe1(task(5))).task?.stoppedAt).toEqual(new Date(1_767_222_000_000));
    expect(await describe1(task(6))).toEqual({ missing: true });
    expect(
      (await ecs.send(new ListTasksCommand({ cluster: 'prod', family: 'data-etl', desiredStatus: 'STOPPED' })))
        .taskArns,
    ).toEqual([]);

    await admin('/clock/advance', { seconds: 1 });
    expect(await stoppedArns()).toEqual([]);
    expect(await describe1(task(5))).toEqual({ missing: true });
    // Running tasks never expire.
    expect((await describe1(task(1))).task?.lastStatus).toBe('RUNNING');
  });

  it('a task stopped through the admin API vanishes an hour later', async () => {
    await admin('/tasks/stop', { cluster: 'prod', task: task(2) });
    await admin('/clock/advance', { seconds: 3600 });
    expect(await stoppedArns()).toEqual([`${ARN}:task/prod/${task(2)}`]);
    await admin('/clock/advance', { seconds: 1 });
    expect(await stoppedArns()).toEqual([]);
    expect(await describe1(task(2))).toEqual({ missing: true });
  });
});

describe('POST /_emulator/tasks/start', () => {
  const register = async (
    family: string,
    containers: { name: string; image: string; versionConsistency?: string }[],
  ): Promise<string> => {
    const reply = await admin<{ taskDefinition: string }>('/task-definitions', { family, containers });
    expect(reply.status).toBe(200);
    return reply.body.taskDefinition;
  };
  const startTask = (body: Record<string, unknown>) =>
    admin<{ task: string; taskArn: string; lastStatus: string; stoppedReason?: string }>('/tasks/start', {
      cluster: 'prod',
      ...body,
    });

  it('resolves each container as ECS does at launch: tag, implicit latest, digest', async () => {
    const td = await register('mixed', [
      { name: 'implicit', image: `${REGISTRY}/web/frontend` },
      { name: 'tagged', image: `${REGISTRY}/data/etl:nightly` },
      { name: 'pinned', image: `${REGISTRY}/web/frontend@${FRONTEND_V100}` },
      { name: 'hub', image: 'nginx:1.27' },
    ]);
    expect(td).toBe('mixed:1');
    const started = await startTask({ taskDefinition: td, startedBy: 'test' });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ lastStatus: 'RUNNING', taskArn: `${ARN}:task/prod/${started.body.task}` });
    expect(started.body.task).toMatch(/^[0-9a-f]{32}$/);
    const { task: t } = await describe1(started.body.taskArn);
    expect(t).toMatchObject({
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      taskDefinitionArn: `${ARN}:task-definition/mixed:1`,
      group: 'family:mixed',
      startedBy: 'test',
      startedAt: new Date(NOW),
    });
    expect(images(t)).toEqual([
      [`${REGISTRY}/web/frontend`, FRONTEND_LATEST],
      [`${REGISTRY}/data/etl:nightly`, ETL_NIGHTLY],
      [`${REGISTRY}/web/frontend@${FRONTEND_V100}`, FRONTEND_V100],
      // A registry the emulator does not hold: the tag cannot be resolved.
      ['nginx:1.27', undefined],
    ]);
    expect(await ecs.send(new ListTasksCommand({ cluster: 'prod', family: 'mixed' }))).toMatchObject({
      taskArns: [started.body.taskArn],
    });
  });

  it('keeps the digest it launched with when the tag moves later', async () => {
    const td = await register('floating', [{ name: 'app', image: `${REGISTRY}/web/frontend:latest` }]);
    const first = await startTask({ taskDefinition: td });
    const pushed = d('pushed latest');
    const push = await admin('/images', {
      repositoryName: 'web/frontend',
      image: {
        digest: pushed,
        tags: ['latest'],
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        pushedAt: NOW / 1000,
        config: { digest: d('c'), size: 10 },
        layers: [],
      },
    });
    expect(push.status).toBe(200);
    const second = await startTask({ taskDefinition: td });
    expect(images((await describe1(first.body.task)).task)).toEqual([
      [`${REGISTRY}/web/frontend:latest`, FRONTEND_LATEST],
    ]);
    expect(images((await describe1(second.body.task)).task)).toEqual([[`${REGISTRY}/web/frontend:latest`, pushed]]);
  });

  it('stops a task whose image cannot be pulled (missing or archived) with CannotPullContainerError', async () => {
    const archived = ref.registries[0]!.repositories[0]!.images.find((i) => i.status === 'ARCHIVED')!.digest;
    for (const image of [
      `${REGISTRY}/web/frontend:nope`,
      `${REGISTRY}/web/frontend@${archived}`,
      `${REGISTRY}/no/such`,
    ]) {
      const td = await register('broken', [{ name: 'app', image }]);
      const started = await startTask({ taskDefinition: td });
      expect(started.body).toMatchObject({ lastStatus: 'STOPPED' });
      expect(started.body.stoppedReason).toMatch(/^CannotPullContainerError: .*not found$/);
      const { task: t } = await describe1(started.body.task);
      expect(t).toMatchObject({
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedAt: new Date(NOW),
      });
      expect(images(t)).toEqual([[image, undefined]]);
    }
  });

  it('answers 400 and 404 for bad requests', async () => {
    expect((await startTask({ taskDefinition: 'ghost:1' })).status).toBe(404);
    expect((await startTask({ taskDefinition: 'web-frontend:1' })).body).toEqual({
      error: 'taskDefinition: web-frontend:1 is INACTIVE',
    });
    expect((await startTask({ taskDefinition: 'web-frontend' })).status).toBe(400);
    expect((await startTask({ taskDefinition: 'web-frontend:3', cluster: 'ghost' })).body).toEqual({
      error: 'cluster: no cluster ghost',
    });
    expect((await startTask({ taskDefinition: 'web-frontend:3', service: 'ghost' })).status).toBe(404);
    expect((await admin('/task-definitions', { family: 'x y', containers: [{ name: 'a', image: 'b' }] })).status).toBe(
      400,
    );
    expect((await admin('/task-definitions', { family: 'x', containers: [] })).status).toBe(400);
  });
});

describe('task definitions and service deployments', () => {
  it('registers the next revision, seen by DescribeTaskDefinition and ListTaskDefinitions', async () => {
    const reply = await admin('/task-definitions', {
      family: 'web-frontend',
      containers: [{ name: 'app', image: `${REGISTRY}/web/frontend:v2` }],
    });
    expect(reply).toEqual({ status: 200, body: { taskDefinition: 'web-frontend:4' } });
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web-frontend' }));
    expect(latest.taskDefinition).toMatchObject({ revision: 4, status: 'ACTIVE', registeredAt: new Date(NOW) });
    expect(latest.taskDefinition?.containerDefinitions?.map((c) => c.image)).toEqual([`${REGISTRY}/web/frontend:v2`]);
    const desc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web-frontend', sort: 'DESC' }));
    expect(desc.taskDefinitionArns?.map((a) => a.split('/')[1])).toEqual([
      'web-frontend:4',
      'web-frontend:3',
      'web-frontend:2',
    ]);
  });

  it('deploys a service: a new PRIMARY deployment, the previous one ACTIVE, and the service names the new revision', async () => {
    await admin('/clock/advance', { seconds: 60 });
    await admin('/task-definitions', {
      family: 'web-frontend',
      containers: [{ name: 'app', image: `${REGISTRY}/web/frontend:v1.0.0` }],
    });
    const deployed = await admin<{ deployment: string }>('/services/deploy', {
      cluster: 'prod',
      service: 'frontend',
      taskDefinition: 'web-frontend:4',
    });
    expect(deployed.status).toBe(200);
    expect(deployed.body.deployment).toMatch(/^ecs-svc\/\d{19}$/);
    const [service] =
      (await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['frontend'] }))).services ?? [];
    expect(service?.taskDefinition).toBe(`${ARN}:task-definition/web-frontend:4`);
    expect(service?.deployments?.map((x) => [x.id, x.status, x.taskDefinition, x.createdAt])).toEqual([
      [deployed.body.deployment, 'PRIMARY', `${ARN}:task-definition/web-frontend:4`, new Date(NOW + 60_000)],
      ['ecs-svc/1111111111111111111', 'ACTIVE', `${ARN}:task-definition/web-frontend:3`, new Date(1_748_740_000_000)],
    ]);
    expect(
      (await admin('/services/deploy', { cluster: 'prod', service: 'ghost', taskDefinition: 'web-frontend:4' })).status,
    ).toBe(404);
    expect(
      (await admin('/services/deploy', { cluster: 'prod', service: 'frontend', taskDefinition: 'web-frontend:9' }))
        .status,
    ).toBe(404);
  });

  it("starts a deployment's tasks with the digest resolved at deploy, even after the tag moved (version consistency)", async () => {
    await admin('/task-definitions', {
      family: 'web-frontend',
      containers: [{ name: 'app', image: `${REGISTRY}/web/frontend:latest` }],
    });
    await admin('/services/deploy', { cluster: 'prod', service: 'frontend', taskDefinition: 'web-frontend:4' });
    const pushed = d('moved latest');
    await admin('/images', {
      repositoryName: 'web/frontend',
      image: {
        digest: pushed,
        tags: ['latest'],
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        pushedAt: NOW / 1000,
        config: { digest: d('c'), size: 10 },
        layers: [],
      },
    });
    const ofService = await admin<{ task: string }>('/tasks/start', {
      cluster: 'prod',
      taskDefinition: 'web-frontend:4',
      service: 'frontend',
    });
    const standalone = await admin<{ task: string }>('/tasks/start', {
      cluster: 'prod',
      taskDefinition: 'web-frontend:4',
    });
    const serviceTask = (await describe1(ofService.body.task)).task;
    expect(serviceTask).toMatchObject({ group: 'service:frontend', startedBy: 'ecs-svc/frontend' });
    expect(images(serviceTask)).toEqual([[`${REGISTRY}/web/frontend:latest`, FRONTEND_LATEST]]);
    expect(images((await describe1(standalone.body.task)).task)).toEqual([[`${REGISTRY}/web/frontend:latest`, pushed]]);
    // A fixture deployment: its running tasks established the digest.
    const older = await admin<{ task: string }>('/tasks/start', {
      cluster: 'prod',
      taskDefinition: 'web-frontend:3',
      service: 'frontend',
    });
    expect(images((await describe1(older.body.task)).task)).toEqual([
      [`${REGISTRY}/web/frontend:v1.1.0`, FRONTEND_LATEST],
    ]);
  });
});
