/**
 * Service revisions, task sets and injected describe failures, read with the real ECS client. A revision records
 * what one deployment runs, with the digests ECS resolved at deployment ("Amazon ECS service revisions",
 * "ContainerImage"); DescribeServiceRevisions takes at most 20 ARNs and answers unknown ones as MISSING.
 */
import { createHash } from 'node:crypto';
import {
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
} from '@aws-sdk/client-ecs';
import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, ECS_CATEGORIES } from '../../src/demo/controls.js';
import type { Fixture } from '../../src/demo/fixture.js';
import type { RunningEmulator } from '../../src/demo/server.js';
import { ecsClient, reference, referenceDigest, start } from './helpers.js';

const NOW = 1_767_225_600_000; // the reference fixture's "now"
const ARN = 'arn:aws:ecs:us-east-1:111111111111';
const REGISTRY = '111111111111.dkr.ecr.us-east-1.amazonaws.com';
const REVISION = `${ARN}:service-revision/prod`;
const d = (label: string): string => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const ref = reference();
const FRONTEND_V110 = referenceDigest(ref, 'web/frontend', 'v1.1.0');
const FRONTEND_V100 = referenceDigest(ref, 'web/frontend', 'v1.0.0');
const API_190 = referenceDigest(ref, 'platform/api', '1.9.0');
const API_200 = referenceDigest(ref, 'platform/api', '2.0.0');

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function boot(patch: (f: Fixture) => void = () => undefined): Promise<ECSClient> {
  const fixture = reference();
  patch(fixture);
  emulator = await start(fixture, { now: () => NOW });
  return ecsClient(emulator);
}

async function admin<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${emulator!.url}/_emulator${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const service = async (ecs: ECSClient, name: string): Promise<Service> =>
  (await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: [name] }))).services![0]!;

const revisions = (ecs: ECSClient, serviceRevisionArns: string[]) =>
  ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns }));

describe('service revisions', () => {
  it('DescribeServices lists the running deployments’ revisions; each shows the digests its tasks run', async () => {
    const ecs = await boot();
    const frontend = await service(ecs, 'frontend');
    expect(frontend.deploymentController).toEqual({ type: 'ECS' });
    expect(frontend.currentServiceRevisions).toEqual([
      {
        arn: `${REVISION}/frontend/1111111111111111111`,
        requestedTaskCount: 2,
        runningTaskCount: 2,
        pendingTaskCount: 0,
      },
    ]);
    const api = await service(ecs, 'api');
    expect(api.currentServiceRevisions?.map((r) => r.arn)).toEqual([
      `${REVISION}/api/2222222222222222222`,
      `${REVISION}/api/3333333333333333333`,
    ]);

    const out = await revisions(ecs, [frontend.currentServiceRevisions![0]!.arn!, ...api.currentServiceRevisions!.map((r) => r.arn!)]);
    expect(out.failures).toEqual([]);
    expect(out.serviceRevisions?.[0]).toEqual({
      serviceRevisionArn: `${REVISION}/frontend/1111111111111111111`,
      serviceArn: `${ARN}:service/prod/frontend`,
      clusterArn: `${ARN}:cluster/prod`,
      taskDefinition: `${ARN}:task-definition/web-frontend:3`,
      launchType: 'FARGATE',
      containerImages: [{ containerName: 'app', image: `${REGISTRY}/web/frontend:v1.1.0`, imageDigest: FRONTEND_V110 }],
      createdAt: new Date(1_748_740_000_000),
    });
    expect(out.serviceRevisions?.slice(1).map((r) => [r.taskDefinition, r.containerImages])).toEqual([
      [
        `${ARN}:task-definition/platform-api:2`,
        [{ containerName: 'app', image: `${REGISTRY}/platform/api@${API_200}`, imageDigest: API_200 }],
      ],
      [
        `${ARN}:task-definition/platform-api:1`,
        [{ containerName: 'app', image: `${REGISTRY}/platform/api:1.9.0`, imageDigest: API_190 }],
      ],
    ]);
  });

  it('a deployment resolves each tag when it is made; the revision keeps that digest after the tag moved', async () => {
    const ecs = await boot();
    const { taskDefinition } = await admin<{ taskDefinition: string }>('/task-definitions', {
      family: 'web-frontend',
      containers: [
        { name: 'app', image: `${REGISTRY}/web/frontend:v1.0.0` },
        { name: 'edge', image: `${REGISTRY}/web/frontend:v1.0.0`, versionConsistency: 'disabled' },
      ],
    });
    const { deployment } = await admin<{ deployment: string }>('/services/deploy', {
      cluster: 'prod',
      service: 'frontend',
      taskDefinition,
    });
    const moved = { digest: d('moved'), tags: ['v1.0.0'], mediaType: 'application/vnd.oci.image.manifest.v1+json' };
    await admin('/images', { repositoryName: 'web/frontend', image: { ...moved, pushedAt: NOW / 1000 } });

    const frontend = await service(ecs, 'frontend');
    const arn = `${REVISION}/frontend/${deployment.slice('ecs-svc/'.length)}`;
    // The new deployment is PRIMARY; the fixture's one still runs (ACTIVE) until it drains.
    expect(frontend.currentServiceRevisions?.map((r) => [r.arn, r.requestedTaskCount, r.runningTaskCount])).toEqual([
      [arn, 2, 0],
      [`${REVISION}/frontend/1111111111111111111`, 2, 2],
    ]);
    const [revision] = (await revisions(ecs, [arn])).serviceRevisions!;
    expect(revision!.createdAt).toEqual(new Date(NOW));
    expect(revision!.containerImages).toEqual([
      { containerName: 'app', image: `${REGISTRY}/web/frontend:v1.0.0`, imageDigest: FRONTEND_V100 },
      // versionConsistency disabled: ECS leaves the tag unresolved, and every task pulls it anew.
      { containerName: 'edge', image: `${REGISTRY}/web/frontend:v1.0.0` },
    ]);
    // A task the deployment starts later runs the resolved digest; the opted-out container the tag's image now.
    const { task } = await admin<{ task: string }>('/tasks/start', { cluster: 'prod', taskDefinition, service: 'frontend' });
    const started = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [task] }));
    expect(started.tasks![0]!.containers!.map((c) => [c.name, c.imageDigest])).toEqual([
      ['app', FRONTEND_V100],
      ['edge', moved.digest],
    ]);
  });

  it('takes 1 to 20 ARNs and answers unknown ones, and other accounts’ and regions’, as MISSING', async () => {
    const ecs = await boot();
    const known = `${REVISION}/frontend/1111111111111111111`;
    const unknown = [
      `${REVISION}/frontend/9999999999999999999`,
      `${REVISION}/nosuch/1111111111111111111`,
      `arn:aws:ecs:us-east-1:222222222222:service-revision/prod/frontend/1111111111111111111`,
      `arn:aws:ecs:eu-west-1:111111111111:service-revision/prod/frontend/1111111111111111111`,
      'not-an-arn',
    ];
    const out = await revisions(ecs, [...unknown, known]);
    expect(out.serviceRevisions?.map((r) => r.serviceRevisionArn)).toEqual([known]);
    expect(out.failures).toEqual(unknown.map((arn) => ({ arn, reason: 'MISSING' })));

    expect((await revisions(ecs, Array.from({ length: 20 }, () => known))).serviceRevisions).toHaveLength(20);
    await expect(revisions(ecs, Array.from({ length: 21 }, () => known))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: "Invalid parameter at 'serviceRevisionArns' failed to satisfy constraint: 'Member must have length less than or equal to 20'",
    });
    await expect(revisions(ecs, [])).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('has none for a deployment made before 2024-10-25 (AWS cannot describe those); a fixture may give the digests', async () => {
    const ecs = await boot((f) => {
      f.registries[0]!.ecs!.clusters![0]!.services!.push(
        {
          name: 'legacy',
          desiredCount: 1,
          runningCount: 0,
          taskDefinition: 'web-frontend:1',
          createdAt: 1_700_000_000,
          deployments: [deployment('ecs-svc/5555555555555555555', 'web-frontend:1', Date.UTC(2024, 9, 24) / 1000)],
        },
        {
          name: 'scaled-to-zero',
          desiredCount: 0,
          runningCount: 0,
          taskDefinition: 'web-frontend:1',
          createdAt: 1_750_000_000,
          deployments: [
            {
              ...deployment('ecs-svc/6666666666666666666', 'web-frontend:1', Date.UTC(2024, 9, 25) / 1000),
              containerImages: [{ containerName: 'app', imageDigest: FRONTEND_V110 }],
            },
          ],
        },
      );
    });
    expect((await service(ecs, 'legacy')).currentServiceRevisions).toEqual([]);
    expect((await revisions(ecs, [`${REVISION}/legacy/5555555555555555555`])).failures).toEqual([
      { arn: `${REVISION}/legacy/5555555555555555555`, reason: 'MISSING' },
    ]);
    const zero = await service(ecs, 'scaled-to-zero');
    expect(zero.currentServiceRevisions).toEqual([
      { arn: `${REVISION}/scaled-to-zero/6666666666666666666`, requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 },
    ]);
    // The tag names another image today; the deployment runs what the fixture says ECS resolved.
    expect((await revisions(ecs, [zero.currentServiceRevisions![0]!.arn!])).serviceRevisions![0]!.containerImages).toEqual([
      { containerName: 'app', image: `${REGISTRY}/web/frontend:v1.0.0`, imageDigest: FRONTEND_V110 },
    ]);
  });
});

const deployment = (id: string, taskDefinition: string, createdAt: number) => ({
  id,
  status: 'PRIMARY' as const,
  taskDefinition,
  desiredCount: 0,
  runningCount: 0,
  createdAt,
  updatedAt: createdAt,
});

describe('task sets', () => {
  it('EXTERNAL and CODE_DEPLOY services show their task sets and the PRIMARY one’s task definition', async () => {
    const taskSet = (id: string, status: 'PRIMARY' | 'ACTIVE', taskDefinition: string) => ({
      id,
      status,
      taskDefinition,
      computedDesiredCount: 1,
      runningCount: 1,
      startedBy: 'CODE_DEPLOY',
      createdAt: 1_760_000_000,
      updatedAt: 1_760_000_100,
    });
    const ecs = await boot((f) => {
      f.registries[0]!.ecs!.clusters![0]!.services!.push({
        name: 'bluegreen',
        desiredCount: 1,
        runningCount: 2,
        taskDefinition: 'web-frontend:3',
        createdAt: 1_760_000_000,
        deployments: [],
        deploymentController: 'CODE_DEPLOY',
        taskSets: [
          taskSet('ecs-svc/7777777777777777777', 'PRIMARY', 'web-frontend:2'),
          taskSet('ecs-svc/8888888888888888888', 'ACTIVE', 'web-frontend:1'),
        ],
      });
    });
    const bluegreen = await service(ecs, 'bluegreen');
    expect(bluegreen.deploymentController).toEqual({ type: 'CODE_DEPLOY' });
    expect(bluegreen.taskDefinition).toBe(`${ARN}:task-definition/web-frontend:2`);
    expect(bluegreen.currentServiceRevisions).toEqual([]);
    expect(bluegreen.taskSets?.map((t) => [t.taskSetArn, t.status, t.taskDefinition, t.startedBy])).toEqual([
      [`${ARN}:task-set/prod/bluegreen/ecs-svc/7777777777777777777`, 'PRIMARY', `${ARN}:task-definition/web-frontend:2`, 'CODE_DEPLOY'],
      [`${ARN}:task-set/prod/bluegreen/ecs-svc/8888888888888888888`, 'ACTIVE', `${ARN}:task-definition/web-frontend:1`, 'CODE_DEPLOY'],
    ]);
    // An ECS-controller service shows no task sets.
    expect((await service(ecs, 'frontend')).taskSets).toBeUndefined();
  });
});

describe('the describeFailures fault', () => {
  it('answers matching items as failures with its reason, or leaves them out without one', async () => {
    const ecs = await boot();
    emulator!.controls.setFault('ecs:DescribeServices', { describeFailures: { reason: 'INTERNAL_ERROR', match: '/api' } });
    const out = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['frontend', 'api', 'nosuch'] }));
    expect(out.services?.map((s) => s.serviceName)).toEqual(['frontend']);
    expect(out.failures).toEqual([
      { arn: `${ARN}:service/prod/api`, reason: 'INTERNAL_ERROR', detail: 'Injected by the emulator' },
      { arn: `${ARN}:service/prod/nosuch`, reason: 'MISSING' },
    ]);

    emulator!.controls.setFault('ecs:DescribeTasks', { describeFailures: {} });
    const tasks = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: ['0a000000000000000000000000000001'] }));
    expect([tasks.tasks, tasks.failures]).toEqual([[], []]);

    const arn = `${REVISION}/frontend/1111111111111111111`;
    emulator!.controls.setFault('ecs:DescribeServiceRevisions', { describeFailures: { reason: 'THROTTLED' } });
    expect((await revisions(ecs, [arn])).failures).toEqual([{ arn, reason: 'THROTTLED', detail: 'Injected by the emulator' }]);

    emulator!.controls.setFault('ecs:DescribeTaskDefinition', { describeFailures: { match: 'web-frontend:3' } });
    const td = (taskDefinition: string) => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    expect((await td('web-frontend:3')).taskDefinition).toBeUndefined();
    expect((await td('web-frontend:2')).taskDefinition?.revision).toBe(2);
  });

  it('DescribeServiceRevisions draws from its own throttling bucket, "Service revision read" (50 / 20)', async () => {
    expect(ECS_CATEGORIES.DescribeServiceRevisions).toBe('ecs:ServiceRevisionRead');
    expect(DEFAULT_RATE_LIMITS['ecs:ServiceRevisionRead']).toEqual({ burst: 50, refillPerSecond: 20 });
    await boot();
    const ecs = ecsClient(emulator!, { maxAttempts: 1 });
    emulator!.controls.setRateLimit('ecs:ServiceRevisionRead', { burst: 2, refillPerSecond: 0.001 });
    emulator!.controls.setRateLimitsEnabled(true);
    const arn = `${REVISION}/frontend/1111111111111111111`;
    await revisions(ecs, [arn]);
    await revisions(ecs, [arn]);
    await expect(revisions(ecs, [arn])).rejects.toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    // DescribeServices draws from "Service read", still full.
    expect((await service(ecs, 'frontend')).serviceName).toBe('frontend');
  });
});
