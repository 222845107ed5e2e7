/**
 * The refresher reads ECS defensively: with each quirk another ECS-compatible endpoint showed switched on in
 * the emulator, a refresh still reports the uses a plain ECS gives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Quirks } from '../../src/demo/controls.js';
import { NO_QUIRKS } from '../../src/demo/controls.js';
import type { ImageUse, Snapshot } from '../../src/snapshot/model.js';
import { imageKey } from '../../src/snapshot/model.js';
import type { Harness } from './helpers.js';
import { REFERENCE_NOW, startHarness } from './helpers.js';

const A = '111111111111';
const REGISTRY = `${A}.dkr.ecr.us-east-1.amazonaws.com`;
const WEB = `${A}/us-east-1/web/frontend`;
// No reference task, service or revision uses these.
const UNUSED = 'sha256:a29f84e7';
// Task-definition revisions would hide a missing task or service use: count none unless a test asks.
const NO_REVISIONS = { TASK_DEFINITION_KEEP_REVISIONS: '0', CLEANUP_TASK_DEFINITION_REVISIONS: '0' };

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const start = async (quirk: keyof Quirks, env: Record<string, string> = NO_REVISIONS): Promise<Harness> => {
  harness = await startHarness({
    env,
    emulatorNow: () => REFERENCE_NOW,
    controls: { quirks: { ...NO_QUIRKS, [quirk]: true } },
  });
  return harness;
};

async function admin<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${harness!.emulator.url}/_emulator${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

const register = async (family: string, containers: { name: string; image: string }[]): Promise<string> =>
  (await admin<{ taskDefinition: string }>('/task-definitions', { family, containers })).taskDefinition;

function usesOf(s: Snapshot, repositoryId: string, digestPrefix: string): ImageUse[] {
  const image = s.imagesByRepository.get(repositoryId)?.find((i) => i.digest.startsWith(digestPrefix));
  if (!image) throw new Error(`no image ${digestPrefix}`);
  return [...(s.usesByImage.get(imageKey(image)) ?? [])];
}

describe('a refresh against a quirky ECS endpoint', () => {
  it("sees an image only a task's second container uses when DescribeTasks lists the first only", async () => {
    const h = await start('describeTasksFirstContainerOnly');
    const unused = h.emulator.store
      .repository(A, 'us-east-1', 'web/frontend')!
      .images.find((r) => r?.img.digest.startsWith(UNUSED))!.img.digest;
    const td = await register('two-containers', [
      { name: 'app', image: `${REGISTRY}/web/frontend:v1.0.0` },
      { name: 'second', image: `${REGISTRY}/web/frontend@${unused}` },
    ]);
    const { task } = await admin<{ task: string }>('/tasks/start', { cluster: 'prod', taskDefinition: td });
    await h.refresher.run();
    const s = h.refresher.snapshot();
    expect(s.incomplete).toEqual([]);
    const running = {
      kind: 'running-task',
      accountId: A,
      region: 'us-east-1',
      cluster: 'prod',
      task,
      taskDefinition: td,
      at: REFERENCE_NOW,
    };
    expect(usesOf(s, WEB, UNUSED)).toEqual([
      { ...running, container: 'second', reference: `${REGISTRY}/web/frontend@${unused}`, digest: unused },
    ]);
    // The first container, listed by DescribeTasks, keeps the digest ECS resolved and is not counted twice.
    expect(usesOf(s, WEB, 'sha256:6a20dfcd').filter((u) => u.task === task)).toEqual([
      {
        ...running,
        container: 'app',
        reference: `${REGISTRY}/web/frontend:v1.0.0`,
        digest: expect.stringMatching(/^sha256:6a20dfcd/) as unknown as string,
      },
    ]);
  });

  it("sees an image only a service's taskDefinition names when DescribeServices reports no deployments", async () => {
    const h = await start('servicesWithoutDeployments');
    const unused = h.emulator.store
      .repository(A, 'us-east-1', 'web/frontend')!
      .images.find((r) => r?.img.digest.startsWith(UNUSED))!.img.digest;
    const td = await register('web-frontend', [{ name: 'app', image: `${REGISTRY}/web/frontend@${unused}` }]);
    expect(td).toBe('web-frontend:4');
    await admin('/services/deploy', { cluster: 'prod', service: 'frontend', taskDefinition: td });
    await h.refresher.run();
    const s = h.refresher.snapshot();
    expect(s.incomplete).toEqual([]);
    expect(usesOf(s, WEB, UNUSED)).toEqual([
      {
        kind: 'service',
        accountId: A,
        region: 'us-east-1',
        cluster: 'prod',
        service: 'frontend',
        taskDefinition: td,
        container: 'app',
        reference: `${REGISTRY}/web/frontend@${unused}`,
        digest: unused,
      },
    ]);
  });

  it('keeps the newest N revisions when ListTaskDefinitions ignores sort and maxResults', async () => {
    const h = await start('listTaskDefinitionsIgnoresSortAndMax', {
      TASK_DEFINITION_KEEP_REVISIONS: '2',
      CLEANUP_TASK_DEFINITION_REVISIONS: '2',
    });
    // More revisions than one page of 100, each naming its own tag.
    for (let i = 1; i <= 105; i++) await register('batch', [{ name: 'job', image: `${REGISTRY}/data/etl:build-${i}` }]);
    await h.refresher.run();
    const s = h.refresher.snapshot();
    expect(s.incomplete).toEqual([]);
    const revisions = s.uses
      .filter((u) => u.kind === 'task-definition')
      .map((u) => `${u.taskDefinition} ${u.container}`);
    expect(revisions.sort()).toEqual([
      'batch:104 job',
      'batch:105 job',
      'data-etl:1 etl',
      'data-etl:1 otel',
      'ml-inference:1 model',
      'platform-api:1 app',
      'platform-api:2 app',
      'web-frontend:2 app',
      'web-frontend:3 app',
    ]);
    expect(s.uses.find((u) => u.taskDefinition === 'batch:105')?.reference).toBe(`${REGISTRY}/data/etl:build-105`);
  });
});

describe('a task started through the admin API', () => {
  it('on `repo` without tag runs the image tagged latest, and the refresh matches it', async () => {
    const h = await start('describeTasksFirstContainerOnly');
    const td = await register('implicit', [{ name: 'app', image: `${REGISTRY}/web/frontend` }]);
    const { task } = await admin<{ task: string }>('/tasks/start', { cluster: 'prod', taskDefinition: td });
    await h.refresher.run();
    const s = h.refresher.snapshot();
    const latest = s.imagesByRepository.get(WEB)!.find((i) => i.tags.includes('latest'))!;
    expect((s.usesByImage.get(imageKey(latest)) ?? []).filter((u) => u.task === task)).toEqual([
      {
        kind: 'running-task',
        accountId: A,
        region: 'us-east-1',
        cluster: 'prod',
        task,
        taskDefinition: td,
        container: 'app',
        reference: `${REGISTRY}/web/frontend`,
        digest: latest.digest,
        at: REFERENCE_NOW,
      },
    ]);
  });
});
