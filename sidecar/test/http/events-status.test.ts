/**
 * The demo sidecar with its events consumer: a push through the emulator's controls is served after one
 * targeted refresh, and /api/v1/status and /metrics say what was applied and how late.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { once } from 'node:events';
import { InventoryStatus } from '@ecr-lens/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoSidecar, type DemoSidecar } from '../../src/app/demo-sidecar.js';

let demo: DemoSidecar | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const PUSHED = `sha256:${'e'.repeat(64)}`;

describe('events in status and metrics', () => {
  it('applies a push made through the controls, and reports it', async () => {
    demo = await startDemoSidecar({ synthetic: { accounts: 1, regions: 1, repositories: 3, imagesPerRepository: 4 }, events: true });
    const consumer = demo.server.events!;
    expect(consumer.state()).toMatchObject({ queue: demo.emulator.eventsQueueUrl, running: true, received: 0 });
    const repository = demo.inventory.snapshot().repositories[0]!;
    const applied = once(consumer.rounds, 'applied');
    const res = await fetch(`${demo.emulator.url}/_emulator/images`, {
      method: 'POST',
      body: JSON.stringify({
        accountId: repository.accountId,
        region: repository.region,
        repositoryName: repository.name,
        image: { digest: PUSHED, tags: ['events'], mediaType: 'application/vnd.oci.image.manifest.v1+json', pushedAt: Math.floor(Date.now() / 1000), layers: [] },
      }),
    });
    expect(res.status).toBe(200);
    await applied;
    expect(demo.inventory.snapshot().images.some((i) => i.digest === PUSHED && i.repositoryId === repository.id)).toBe(true);

    const status = InventoryStatus.parse(await (await fetch(`${demo.url}/api/v1/status`)).json());
    expect(status.events).toMatchObject({ received: 1, applied: { 'image-action': 1 }, ignored: {}, targetedRefreshes: 1, consecutiveErrors: 0 });
    expect(status.events!.lagSeconds).toBeGreaterThanOrEqual(0);

    const metrics = await (await fetch(`${demo.url}/metrics`)).text();
    expect(metrics).toContain('ecrlens_events_received_total 1');
    expect(metrics).toContain('ecrlens_events_applied_total{kind="image-action"} 1');
    expect(metrics).toContain('ecrlens_events_targeted_refreshes_total 1');
    expect(metrics).toMatch(/^ecrlens_events_lag_seconds \d/m);
    expect(metrics).toContain('ecrlens_events_consecutive_errors 0');
    // The adaptive limit of the registry read: at least 1, at most AWS_CONCURRENCY_MAX.
    const inFlight = new RegExp(`^ecrlens_aws_concurrency\\{registry_id="${repository.accountId}",region="${repository.region}"\\} (\\d+)$`, 'm').exec(metrics);
    expect(Number(inFlight?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(inFlight?.[1])).toBeLessThanOrEqual(32);
  });

  it('serves no events families without a queue', async () => {
    demo = await startDemoSidecar({ synthetic: { accounts: 1, regions: 1, repositories: 2, imagesPerRepository: 2 } });
    expect(demo.server.events).toBeUndefined();
    expect(demo.inventory.status().events).toBeUndefined();
    expect(await (await fetch(`${demo.url}/metrics`)).text()).not.toContain('ecrlens_events_');
  });
});
