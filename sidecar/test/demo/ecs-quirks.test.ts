/** The ECS quirks (controls.quirks): departures another ECS-compatible endpoint showed, off by default. */
import { DescribeServicesCommand, DescribeTasksCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Quirks } from '../../src/demo/controls.js';
import type { RunningEmulator } from '../../src/demo/server.js';
import { ecsClient, reference, start } from './helpers.js';

const ARN = 'arn:aws:ecs:us-east-1:111111111111';
const REGISTRY = '111111111111.dkr.ecr.us-east-1.amazonaws.com';

let emulator: RunningEmulator;
let ecs: ECSClient;
beforeEach(async () => {
  emulator = await start(reference(), { now: () => 1_767_225_600_000 });
  ecs = ecsClient(emulator);
});
afterEach(() => emulator.close());

async function admin<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const setQuirks = (quirks: Partial<Quirks>) => admin<{ quirks: Quirks }>('PUT', '/controls', { quirks });

describe('quirks', () => {
  it('are all off by default; PUT /controls replaces them whole', async () => {
    const off = {
      listTaskDefinitionsIgnoresSortAndMax: false,
      describeTasksFirstContainerOnly: false,
      servicesWithoutDeployments: false,
    };
    expect((await admin<{ quirks: Quirks }>('GET', '/controls')).body.quirks).toEqual(off);
    expect((await setQuirks({ servicesWithoutDeployments: true })).body.quirks).toEqual({
      ...off,
      servicesWithoutDeployments: true,
    });
    expect((await setQuirks({ describeTasksFirstContainerOnly: true })).body.quirks).toEqual({
      ...off,
      describeTasksFirstContainerOnly: true,
    });
    expect((await admin('PUT', '/controls', { quirks: { describeTasksFirstContainerOnly: 'yes' } })).status).toBe(400);
    emulator.controls.setQuirks({ listTaskDefinitionsIgnoresSortAndMax: true });
    expect(emulator.controls.quirks()).toEqual({
      ...off,
      describeTasksFirstContainerOnly: true,
      listTaskDefinitionsIgnoresSortAndMax: true,
    });
  });

  it('listTaskDefinitionsIgnoresSortAndMax: ascending, a full default page', async () => {
    const request = { familyPrefix: 'web-frontend', sort: 'DESC' as const, maxResults: 1 };
    const plain = await ecs.send(new ListTaskDefinitionsCommand(request));
    expect(plain.taskDefinitionArns).toEqual([`${ARN}:task-definition/web-frontend:3`]);
    expect(plain.nextToken).toBeDefined();
    await setQuirks({ listTaskDefinitionsIgnoresSortAndMax: true });
    const quirky = await ecs.send(new ListTaskDefinitionsCommand(request));
    expect(quirky.taskDefinitionArns).toEqual([
      `${ARN}:task-definition/web-frontend:2`,
      `${ARN}:task-definition/web-frontend:3`,
    ]);
    expect(quirky.nextToken).toBeUndefined();
    // Pages of 100 regardless of maxResults.
    for (let i = 0; i < 101; i++)
      await admin('POST', '/task-definitions', { family: 'many', containers: [{ name: 'a', image: 'busybox' }] });
    const first = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'many', maxResults: 5 }));
    expect(first.taskDefinitionArns).toHaveLength(100);
    expect(first.taskDefinitionArns?.[0]).toBe(`${ARN}:task-definition/many:1`);
    const rest = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'many', maxResults: 5, nextToken: first.nextToken }),
    );
    expect(rest.taskDefinitionArns).toEqual([`${ARN}:task-definition/many:101`]);
  });

  it("describeTasksFirstContainerOnly: DescribeTasks lists each task's first container only", async () => {
    await admin('POST', '/task-definitions', {
      family: 'pair',
      containers: [
        { name: 'app', image: `${REGISTRY}/web/frontend:v1.0.0` },
        { name: 'log', image: `${REGISTRY}/data/etl:nightly` },
      ],
    });
    const { body } = await admin<{ task: string }>('POST', '/tasks/start', {
      cluster: 'prod',
      taskDefinition: 'pair:1',
    });
    const names = async (): Promise<string[]> =>
      (
        (await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [body.task] }))).tasks?.[0]?.containers ?? []
      ).map((c) => c.name ?? '');
    expect(await names()).toEqual(['app', 'log']);
    await setQuirks({ describeTasksFirstContainerOnly: true });
    expect(await names()).toEqual(['app']);
  });

  it('servicesWithoutDeployments: DescribeServices answers deployments: [] but still the taskDefinition', async () => {
    await setQuirks({ servicesWithoutDeployments: true });
    const out = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    expect(out.services?.map((s) => [s.serviceName, s.taskDefinition, s.deployments])).toEqual([
      ['api', `${ARN}:task-definition/platform-api:2`, []],
    ]);
  });
});
