import {
  DescribeImagesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  paginateDescribeImages,
} from '@aws-sdk/client-ecr';
import { DescribeTasksCommand, ListClustersCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { Controls, DEFAULT_RATE_LIMITS } from '../../src/demo/controls.js';
import type { RunningEmulator } from '../../src/demo/server.js';
import { bigRepositoryFixture, ecrClient, ecsClient, reference, start } from './helpers.js';

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('rate limits', () => {
  it('default to the published ECS categories and an assumed ECR rate', () => {
    expect(DEFAULT_RATE_LIMITS['ecs:ClusterRead']).toEqual({ burst: 50, refillPerSecond: 20 });
    expect(DEFAULT_RATE_LIMITS['ecs:ServiceRead']).toEqual({ burst: 100, refillPerSecond: 20 });
    expect(DEFAULT_RATE_LIMITS['ecr:DescribeImages']).toEqual({ burst: 20, refillPerSecond: 10 });
  });

  it('throttle with HTTP 400 ThrottlingException "Rate exceeded" once the bucket is empty', async () => {
    emulator = await start(reference(), {
      controls: {
        rateLimitsEnabled: true,
        rateLimits: { 'ecr:DescribeRepositories': { burst: 3, refillPerSecond: 0.001 } },
      },
    });
    const ecr = ecrClient(emulator, { maxAttempts: 1 });
    for (let i = 0; i < 3; i++) await ecr.send(new DescribeRepositoriesCommand({}));
    const error = (await ecr.send(new DescribeRepositoriesCommand({})).catch((e: unknown) => e)) as Error & {
      $metadata: { httpStatusCode: number };
    };
    expect(error.name).toBe('ThrottlingException');
    expect(error.message).toBe('Rate exceeded');
    expect(error.$metadata.httpStatusCode).toBe(400);
    // Other operations have their own bucket.
    await ecr.send(new DescribeImagesCommand({ repositoryName: 'web/frontend' }));
    expect(emulator.controls.calls()['ecr:DescribeRepositories']).toEqual({
      calls: 4,
      throttled: 1,
      faulted: 0,
      errors: 0,
    });
  });

  it('share one bucket per ECS category', async () => {
    emulator = await start(reference(), {
      controls: {
        rateLimitsEnabled: true,
        rateLimits: { 'ecs:ClusterResourceRead': { burst: 2, refillPerSecond: 0.001 } },
      },
    });
    const ecs = ecsClient(emulator, { maxAttempts: 1 });
    await ecs.send(new ListTasksCommand({ cluster: 'prod' }));
    await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: ['0a000000000000000000000000000001'] }));
    await expect(ecs.send(new ListTasksCommand({ cluster: 'prod' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    await ecs.send(new ListClustersCommand({}));
  });

  it('are recovered from by the SDK retries', async () => {
    emulator = await start(reference(), {
      controls: { rateLimitsEnabled: true, rateLimits: { 'ecr:DescribeImages': { burst: 1, refillPerSecond: 20 } } },
    });
    const ecr = ecrClient(emulator, { maxAttempts: 5, retryDelayMs: 60 });
    for (let i = 0; i < 4; i++) {
      const out = await ecr.send(new DescribeImagesCommand({ repositoryName: 'web/frontend' }));
      expect(out.imageDetails).toHaveLength(3);
    }
    const counter = emulator.controls.calls()['ecr:DescribeImages']!;
    expect(counter.throttled).toBeGreaterThan(0);
    expect(counter.calls).toBe(4 + counter.throttled);
  });

  it('can be switched off and on at run time', async () => {
    emulator = await start(reference(), {
      controls: {
        rateLimitsEnabled: true,
        rateLimits: { 'ecr:DescribeRepositories': { burst: 1, refillPerSecond: 0.001 } },
      },
    });
    const ecr = ecrClient(emulator, { maxAttempts: 1 });
    await ecr.send(new DescribeRepositoriesCommand({}));
    emulator.controls.setRateLimitsEnabled(false);
    for (let i = 0; i < 5; i++) await ecr.send(new DescribeRepositoriesCommand({}));
    emulator.controls.setRateLimitsEnabled(true);
    await ecr.send(new DescribeRepositoriesCommand({}));
    await expect(ecr.send(new DescribeRepositoriesCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('faults', () => {
  it('injected throttling is retried away by the SDK', async () => {
    emulator = await start(reference(), {
      controls: { faults: { 'ecr:DescribeImages': { throttleProbability: 0.3 } }, seed: 7 },
    });
    const ecr = ecrClient(emulator, { maxAttempts: 10, retryDelayMs: 1 });
    for (let i = 0; i < 20; i++) await ecr.send(new DescribeImagesCommand({ repositoryName: 'web/frontend' }));
    const counter = emulator.controls.calls()['ecr:DescribeImages']!;
    expect(counter.throttled).toBeGreaterThan(0);
    expect(counter.calls).toBe(20 + counter.throttled);
  });

  it('5xx faults surface as ServerException (HTTP 500, server fault) after the SDK retries', async () => {
    emulator = await start(reference(), { controls: { faults: { 'ecs:*': { serverErrorProbability: 1 } } } });
    const ecs = ecsClient(emulator, { maxAttempts: 3, retryDelayMs: 1 });
    const error = (await ecs.send(new ListClustersCommand({})).catch((e: unknown) => e)) as Error & {
      $fault: string;
      $metadata: { httpStatusCode: number; attempts: number };
    };
    expect(error.name).toBe('ServerException');
    expect(error.$fault).toBe('server');
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(error.$metadata.attempts).toBe(3);
    expect(emulator.controls.calls()['ecs:ListClusters']).toEqual({ calls: 3, throttled: 0, faulted: 3, errors: 0 });
    // ECR is untouched by an ecs:* fault.
    await ecrClient(emulator).send(new DescribeRepositoriesCommand({}));
  });

  it('fail the Nth page of a paginated call', async () => {
    emulator = await start(bigRepositoryFixture(250), {
      controls: { faults: { 'ecr:DescribeImages': { failOnPage: 2 } } },
    });
    const ecr = ecrClient(emulator, { maxAttempts: 2, retryDelayMs: 1 });
    const seen: number[] = [];
    const run = async (): Promise<void> => {
      for await (const page of paginateDescribeImages({ client: ecr }, { repositoryName: 'big/repo' }))
        seen.push(page.imageDetails!.length);
    };
    await expect(run()).rejects.toMatchObject({ name: 'ServerException', message: 'Injected failure on page 2' });
    expect(seen).toEqual([100]);
    emulator.controls.setFault('ecr:DescribeImages', undefined);
    seen.length = 0;
    await run();
    expect(seen).toEqual([100, 100, 50]);
  });

  it('add latency', async () => {
    // The emulator's delay is ours: it says how long it was asked to wait, and answers only when released.
    const asked: number[] = [];
    let delayed!: () => void;
    const delayAsked = new Promise<void>((resolve) => (delayed = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const delay = (ms: number): Promise<void> => {
      asked.push(ms);
      delayed();
      return released;
    };
    emulator = await start(reference(), { controls: { faults: { 'ecr:DescribeRegistry': { latencyMs: 150 } } }, delay });
    const ecr = ecrClient(emulator);
    await ecr.send(new DescribeRepositoriesCommand({}));
    expect(asked).toEqual([]); // no latency on this operation
    let answered = false;
    const call = ecr.send(new DescribeRegistryCommand({})).then(() => (answered = true));
    await delayAsked;
    expect(asked).toEqual([150]);
    expect(answered).toBe(false);
    release();
    await call;
    expect(answered).toBe(true);
  });

  it('use a seeded dice, so runs are reproducible', () => {
    const run = (): number[] => {
      const c = new Controls({ faults: { '*': { throttleProbability: 0.5 } }, seed: 3 });
      return Array.from({ length: 20 }, () => {
        try {
          c.admit('ecr:DescribeImages', '111111111111', 'us-east-1');
          return 0;
        } catch {
          return 1;
        }
      });
    };
    expect(run()).toEqual(run());
    expect(run()).toContain(1);
    expect(run()).toContain(0);
  });
});

describe('admin HTTP API', () => {
  it('reads and sets controls, counts calls, and resets the counters', async () => {
    emulator = await start(reference());
    const url = `${emulator.url}/_emulator`;
    const settings = (await (await fetch(`${url}/controls`)).json()) as {
      rateLimitsEnabled: boolean;
      rateLimits: Record<string, unknown>;
    };
    expect(settings.rateLimitsEnabled).toBe(false);
    expect(settings.rateLimits['ecs:TaskDefinitionRead']).toEqual({ burst: 50, refillPerSecond: 20 });
    const put = await fetch(`${url}/controls`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: { 'ecr:DescribeRepositories': { serverErrorProbability: 1 } } }),
    });
    expect(put.status).toBe(200);
    const ecr = ecrClient(emulator, { maxAttempts: 1 });
    await expect(ecr.send(new DescribeRepositoriesCommand({}))).rejects.toMatchObject({ name: 'ServerException' });
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: 'no/such' }))).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
    });
    const calls = (await (await fetch(`${url}/calls`)).json()) as Record<string, unknown>;
    expect(calls).toEqual({
      'ecr:DescribeImages': { calls: 1, throttled: 0, faulted: 0, errors: 1 },
      'ecr:DescribeRepositories': { calls: 1, throttled: 0, faulted: 1, errors: 0 },
    });
    expect((await fetch(`${url}/calls/reset`, { method: 'POST' })).status).toBe(200);
    expect(await (await fetch(`${url}/calls`)).json()).toEqual({});
    const bad = await fetch(`${url}/controls`, {
      method: 'PUT',
      body: JSON.stringify({ faults: { x: { throttleProbability: 2 } } }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^faults\.x\.throttleProbability/);
    const summary = (await (await fetch(`${url}/summary`)).json()) as { registries: { images: number }[] };
    expect(summary.registries.map((r) => r.images)).toEqual([13, 1, 2]);
  });
});
