/**
 * What a service will pull, and answers that leave something out. ECS resolves a deployment's image tags to
 * digests once (version consistency) and records them in the deployment's service revision; a refresh reads
 * those, so a service scaled to 0 still protects the image its next task would run after the tag moved on.
 * A Describe answer that neither describes nor reports MISSING every item asked for makes the read incomplete.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { unaccounted } from '../../src/aws/ecs.js';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { planCleanup } from '../../src/cleanup/plan/planner.js';
import type { ImagePlan } from '../../src/cleanup/plan/planner.js';
import type { Fault } from '../../src/demo/controls.js';
import type { Fixture, FixtureService } from '../../src/demo/fixture.js';
import { assembleUses } from '../../src/refresh/assemble-ecs.js';
import type { ImageUse, Snapshot } from '../../src/snapshot/model.js';
import { imageKey } from '../../src/snapshot/model.js';
import type { Harness } from './helpers.js';
import { REFERENCE_NOW, startHarness } from './helpers.js';

const A = '111111111111';
const REGION = 'us-east-1';
const URI = `${A}.dkr.ecr.${REGION}.amazonaws.com`;
const ARN = `arn:aws:ecs:${REGION}:${A}`;
const NOW_S = REFERENCE_NOW / 1000;
const DAY_S = 86_400;
const d = (label: string): string => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const DIGEST_A = d('A');
const DIGEST_B = d('B');
// Task-definition revisions would protect `api:prod` by tag on their own: count none.
const NO_REVISIONS = { TASK_DEFINITION_KEEP_REVISIONS: '0', CLEANUP_TASK_DEFINITION_REVISIONS: '0' };
const CONFIG = CleanupConfig.parse({
  defaultRule: { keepMinImageCount: 0, keepImagesNewerThanDays: 0, keepTagPatterns: [], keepIfUsedWithinDays: 0 },
  inUse: { taskDefinitionRevisions: 0 },
});

const image = (label: string, tags: string[]) => ({
  digest: d(label),
  tags,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  pushedAt: NOW_S - 100 * DAY_S,
  config: { digest: d(`${label}-config`), size: 100 },
  layers: [{ digest: d(`${label}-layer`), size: 1000 }],
});

const scaledToZero = (name: string, patch: Partial<FixtureService> = {}): FixtureService => ({
  name,
  desiredCount: 0,
  runningCount: 0,
  taskDefinition: 'api:1',
  createdAt: NOW_S - 200 * DAY_S,
  deployments: [],
  ...patch,
});

/** Repository `api` with A tagged prod; service `api` (scaled to 0, no tasks) on task definition api:1 = `api:prod`. */
const fixture = (services: FixtureService[] = [scaledToZero('api')]): Fixture => ({
  version: 1,
  registries: [
    {
      accountId: A,
      region: REGION,
      repositories: [{ name: 'api', createdAt: NOW_S - 400 * DAY_S, images: [image('A', ['prod'])] }],
      ecs: {
        clusters: [{ name: 'prod', services }],
        taskDefinitions: [
          { family: 'api', revision: 1, registeredAt: NOW_S - 300 * DAY_S, containers: [{ name: 'app', image: `${URI}/api:prod` }] },
          {
            family: 'api-unpinned',
            revision: 1,
            registeredAt: NOW_S - 300 * DAY_S,
            containers: [{ name: 'app', image: `${URI}/api:prod`, versionConsistency: 'disabled' }],
          },
        ],
      },
    },
  ],
});

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(f: Fixture = fixture()): Promise<Harness> {
  harness = await startHarness({ fixture: f, env: NO_REVISIONS, emulatorNow: () => REFERENCE_NOW });
  return harness;
}

async function admin<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${harness!.emulator.url}/_emulator${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

/** Deploys `taskDefinition` to service api while prod names A, then pushes B with the tag prod. */
async function deployThenMoveTag(taskDefinition = 'api:1'): Promise<void> {
  await admin('/services/deploy', { cluster: 'prod', service: 'api', taskDefinition });
  await admin('/images', { repositoryName: 'api', image: image('B', ['prod']) });
}

async function refresh(): Promise<Snapshot> {
  await harness!.refresher.run();
  return harness!.refresher.snapshot();
}

const usesOf = (s: Snapshot, digest: string): ImageUse[] => {
  const found = s.imagesByRepository.get(`${A}/${REGION}/api`)?.find((i) => i.digest === digest);
  return found ? [...(s.usesByImage.get(imageKey(found)) ?? [])] : [];
};
const planOf = (s: Snapshot, digest: string): ImagePlan =>
  planCleanup(s, CONFIG, REFERENCE_NOW)
    .repositories.flatMap((r) => r.images)
    .find((p) => p.image.digest === digest)!;
const fault = (operation: string, f: Fault | undefined): void => harness!.emulator.controls.setFault(operation, f);

const SERVICE_USE = {
  kind: 'service',
  accountId: A,
  region: REGION,
  cluster: 'prod',
  service: 'api',
  taskDefinition: 'api:1',
  container: 'app',
  reference: `${URI}/api:prod`,
  at: REFERENCE_NOW,
};

describe('a service scaled to 0 whose tag moved after its deployment', () => {
  it('uses the digest its revision resolved, so the plan keeps that image (and the one the tag names now)', async () => {
    await start();
    await deployThenMoveTag();
    const s = await refresh();
    expect(s.incomplete).toEqual([]);
    expect(s.uses.filter((u) => u.kind === 'service')).toEqual([{ ...SERVICE_USE, digest: DIGEST_A }]);
    // Matched by the resolved digest, and by tag: a new deployment would resolve prod to B.
    expect(usesOf(s, DIGEST_A)).toEqual([{ ...SERVICE_USE, digest: DIGEST_A }]);
    expect(usesOf(s, DIGEST_B)).toEqual([{ ...SERVICE_USE, digest: DIGEST_A }]);
    const a = planOf(s, DIGEST_A);
    expect([a.decision, a.inUse, a.clusters]).toEqual(['keep', true, ['prod']]);
    expect(a.reasons.map((r) => r.text)).toEqual(['kept: used by service api in cluster prod (deployment of api:1), by digest']);
    expect(planOf(s, DIGEST_B).decision).toBe('keep');
  });

  it('with versionConsistency disabled ECS pulls the tag anew, so only the image the tag names is in use', async () => {
    await start();
    await deployThenMoveTag('api-unpinned:1');
    const s = await refresh();
    expect(s.incomplete).toEqual([]);
    expect(s.uses.filter((u) => u.kind === 'service').map((u) => [u.taskDefinition, u.digest])).toEqual([
      ['api-unpinned:1', undefined],
    ]);
    expect(planOf(s, DIGEST_A).decision).toBe('delete');
    expect(planOf(s, DIGEST_B).decision).toBe('keep');
  });

  it('reads revisions 20 ARNs a call: 25 services, two calls, every digest', async () => {
    const services = Array.from({ length: 25 }, (_, i) =>
      scaledToZero(`svc-${i}`, {
        deployments: [
          {
            id: `ecs-svc/${1_000_000_000_000_000_000 + i}`,
            status: 'PRIMARY',
            taskDefinition: 'api:1',
            desiredCount: 0,
            runningCount: 0,
            createdAt: NOW_S - DAY_S,
            updatedAt: NOW_S - DAY_S,
            containerImages: [{ containerName: 'app', imageDigest: DIGEST_A }],
          },
        ],
      }),
    );
    await start(fixture(services));
    await admin('/images', { repositoryName: 'api', image: image('B', ['prod']) });
    const s = await refresh();
    expect(s.incomplete).toEqual([]);
    expect(harness!.emulator.controls.callCount('ecs:DescribeServiceRevisions')).toBe(2);
    expect(usesOf(s, DIGEST_A).map((u) => u.service).sort()).toEqual(services.map((x) => x.name).sort());
  });
});

describe('task sets', () => {
  it('a CODE_DEPLOY service protects every task set’s images', async () => {
    const taskSet = (id: string, status: 'PRIMARY' | 'ACTIVE', taskDefinition: string) => ({
      id,
      status,
      taskDefinition,
      computedDesiredCount: 1,
      runningCount: 0,
      createdAt: NOW_S - DAY_S,
      updatedAt: NOW_S - DAY_S,
    });
    const f = fixture([
      scaledToZero('bluegreen', {
        deploymentController: 'CODE_DEPLOY',
        taskSets: [taskSet('ecs-svc/1', 'PRIMARY', 'api:1'), taskSet('ecs-svc/2', 'ACTIVE', 'old:1')],
      }),
    ]);
    f.registries[0]!.repositories[0]!.images.push(image('OLD', ['v0']));
    f.registries[0]!.ecs!.taskDefinitions!.push({
      family: 'old',
      revision: 1,
      registeredAt: NOW_S - 300 * DAY_S,
      containers: [{ name: 'app', image: `${URI}/api:v0` }],
    });
    await start(f);
    const s = await refresh();
    expect(s.incomplete).toEqual([]);
    expect(usesOf(s, d('OLD'))).toEqual([
      { ...SERVICE_USE, service: 'bluegreen', taskDefinition: 'old:1', reference: `${URI}/api:v0`, at: (NOW_S - DAY_S) * 1000 },
    ]);
    expect(planOf(s, d('OLD')).decision).toBe('keep');
  });
});

describe('a Describe answer that leaves something out', () => {
  it('a service failed with a reason other than MISSING: incomplete, the last uses kept, every plan blocked', async () => {
    await start();
    await deployThenMoveTag();
    await refresh();
    fault('ecs:DescribeServices', { describeFailures: { reason: 'INTERNAL_ERROR' } });
    const s = await refresh();
    expect(s.incomplete).toEqual([
      {
        scope: 'cluster',
        accountId: A,
        region: REGION,
        target: 'prod',
        operation: 'DescribeServices',
        error: `1 not described: ${ARN}:service/prod/api: INTERNAL_ERROR (Injected by the emulator)`,
      },
    ]);
    expect(usesOf(s, DIGEST_A)).toEqual([{ ...SERVICE_USE, digest: DIGEST_A }]);
    const plan = planCleanup(s, CONFIG, REFERENCE_NOW);
    expect(plan.repositories.map((r) => r.status)).toEqual(['blocked']);
  });

  it('a service reported MISSING is gone: nothing incomplete', async () => {
    await start();
    await deployThenMoveTag();
    fault('ecs:DescribeServices', { describeFailures: { reason: 'MISSING' } });
    const s = await refresh();
    expect(s.incomplete).toEqual([]);
    expect(s.uses.filter((u) => u.kind === 'service')).toEqual([]);
  });

  it('a task left out of the answer altogether: incomplete, its last use kept', async () => {
    await start();
    const { task } = await admin<{ task: string }>('/tasks/start', { cluster: 'prod', taskDefinition: 'api:1' });
    const before = (await refresh()).uses.filter((u) => u.kind === 'running-task');
    expect(before.map((u) => [u.task, u.digest])).toEqual([[task, DIGEST_A]]);
    fault('ecs:DescribeTasks', { describeFailures: {} });
    const s = await refresh();
    expect(s.incomplete).toEqual([
      {
        scope: 'cluster',
        accountId: A,
        region: REGION,
        target: 'prod',
        operation: 'DescribeTasks RUNNING',
        error: `1 not described: ${ARN}:task/prod/${task}: not in the answer`,
      },
    ]);
    expect(s.uses.filter((u) => u.kind === 'running-task')).toEqual(before);
  });

  it('a revision left out: incomplete, the use with the resolved digest kept', async () => {
    await start();
    await deployThenMoveTag();
    await refresh();
    fault('ecs:DescribeServiceRevisions', { describeFailures: {} });
    const s = await refresh();
    expect(s.incomplete.map((i) => [i.scope, i.target, i.operation, i.error])).toEqual([
      ['cluster', 'prod', 'DescribeServiceRevisions', expect.stringMatching(/^1 not described: .*:service-revision\/prod\/api\/\d+: not in the answer$/)],
    ]);
    // The tag use read now, and the use with the digest the last good read saw.
    expect(usesOf(s, DIGEST_A)).toEqual([{ ...SERVICE_USE, digest: DIGEST_A }]);
    expect(usesOf(s, DIGEST_B)).toEqual([SERVICE_USE, { ...SERVICE_USE, digest: DIGEST_A }]);
  });

  it('a task definition answered without one: incomplete; the revision still names the image', async () => {
    await start();
    await deployThenMoveTag();
    fault('ecs:DescribeTaskDefinition', { describeFailures: { match: 'api:1' } });
    const t = await refresh();
    expect(t.incomplete).toEqual([
      {
        scope: 'ecs',
        accountId: A,
        region: REGION,
        operation: 'DescribeTaskDefinition',
        error: `1 unread; first: ${ARN}:task-definition/api:1: the answer has no taskDefinition`,
      },
    ]);
    expect(usesOf(t, DIGEST_A)).toEqual([{ ...SERVICE_USE, digest: DIGEST_A }]);
  });
});

describe('unaccounted', () => {
  const task = (id: string): string => `${ARN}:task/prod/${id}`;
  const last = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);
  it('accepts what was described or reported MISSING, and names the rest with why', () => {
    const failures = [
      { arn: task('t2'), reason: 'MISSING' },
      { arn: task('t3'), reason: 'INTERNAL_ERROR', detail: 'try again' },
      { reason: 'MISSING' },
    ];
    expect(unaccounted([task('t1'), task('t2'), task('t3'), task('t4')], [task('t1')], failures, last)).toEqual([
      `${task('t3')}: INTERNAL_ERROR (try again)`,
      `${task('t4')}: not in the answer`,
    ]);
    // Asked by id, answered by ARN: the same task when compared by last segment.
    expect(unaccounted(['t1'], [task('t1')], undefined, last)).toEqual([]);
    expect(unaccounted(['t1'], [task('t1')], undefined)).toEqual(['t1: not in the answer']);
  });
});

describe('assembleUses with service revisions', () => {
  const rev = (id: string, digest: string | undefined) => ({
    serviceRevisionArn: `${ARN}:service-revision/prod/api/${id}`,
    taskDefinition: `${ARN}:task-definition/api:1`,
    containerImages: [{ containerName: 'app', image: `${URI}/api:prod`, ...(digest ? { imageDigest: digest } : {}) }],
    createdAt: new Date(REFERENCE_NOW),
  });
  const uses = (revisions: ReturnType<typeof rev>[], definitions = true): ImageUse[] =>
    assembleUses({
      accountId: A,
      region: REGION,
      now: REFERENCE_NOW,
      stoppedWindowMs: 0,
      keptRevisions: [],
      taskDefinitions: new Map(
        definitions
          ? [[`${ARN}:task-definition/api:1`, { taskDefinitionArn: `${ARN}:task-definition/api:1`, containerDefinitions: [{ name: 'app', image: `${URI}/api:prod` }] }]]
          : [],
      ),
      clusters: [
        {
          name: 'prod',
          arn: `${ARN}:cluster/prod`,
          runningTasks: [],
          stoppedTasks: [],
          services: [
            {
              serviceName: 'api',
              taskDefinition: `${ARN}:task-definition/api:1`,
              currentServiceRevisions: revisions.map((r) => ({ arn: r.serviceRevisionArn })),
            },
          ],
          serviceRevisions: revisions,
        },
      ],
    });
  const plain = { kind: 'service', accountId: A, region: REGION, cluster: 'prod', service: 'api', taskDefinition: 'api:1', container: 'app', reference: `${URI}/api:prod` };

  it('gives the task-definition use each digest its revisions resolved, once each', () => {
    expect(uses([rev('1', DIGEST_A)])).toEqual([{ ...plain, digest: DIGEST_A }]);
    // Two deployments of the same task definition, before and after the tag moved (a forced new deployment).
    expect(uses([rev('1', DIGEST_A), rev('2', DIGEST_B), rev('3', DIGEST_B)])).toEqual([
      { ...plain, digest: DIGEST_A },
      { ...plain, digest: DIGEST_B },
    ]);
    // Not resolved (versionConsistency disabled): the tag is all there is.
    expect(uses([rev('1', undefined)])).toEqual([plain]);
  });

  it('names the image from the revision when the task definition could not be read', () => {
    expect(uses([rev('1', DIGEST_A)], false)).toEqual([{ ...plain, digest: DIGEST_A, at: REFERENCE_NOW }]);
  });
});
