import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/model.js';
import { Refresher } from '../../src/refresh/refresher.js';
import type { ParsedEvent } from '../../src/refresh/event-parse.js';
import type { Harness } from './helpers.js';
import { REFERENCE_NOW, startHarness } from './helpers.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('preparing a snapshot before the swap', () => {
  it('hands each new snapshot to `prepare` while the old one is still served', async () => {
    harness = await startHarness();
    const seen: { version: number; served: number }[] = [];
    const refresher: Refresher = new Refresher({
      config: harness.config,
      clients: harness.clients,
      now: () => REFERENCE_NOW,
      prepare: (snapshot: Snapshot) => {
        seen.push({ version: snapshot.version, served: refresher.snapshot().version });
      },
    });
    await refresher.run();
    await refresher.run();
    expect(seen).toEqual([
      { version: 1, served: 0 },
      { version: 2, served: 1 },
    ]);
    expect(refresher.snapshot().version).toBe(2);
  });

  it('still swaps the snapshot in when `prepare` throws', async () => {
    harness = await startHarness();
    const refresher = new Refresher({
      config: harness.config,
      clients: harness.clients,
      now: () => REFERENCE_NOW,
      prepare: () => {
        throw new Error('index build failed');
      },
    });
    await refresher.run();
    expect(refresher.snapshot().version).toBe(1);
    expect(refresher.status()).toMatchObject({ ready: true, consecutiveFailures: 0 });
  });

  it('serves the old snapshot until an asynchronous `prepare` settles, and swaps even when it rejects', async () => {
    harness = await startHarness();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    let preparing!: () => void;
    const prepareStarted = new Promise<void>((resolve) => (preparing = resolve));
    const refresher = new Refresher({
      config: harness.config,
      clients: harness.clients,
      now: () => REFERENCE_NOW,
      prepare: async () => {
        calls += 1;
        preparing();
        if (calls === 1) await gate;
        else throw new Error('metrics render failed');
      },
    });
    const first = refresher.run();
    await prepareStarted;
    expect(refresher.snapshot().version).toBe(0);
    expect(refresher.status().ready).toBe(false);
    release();
    await first;
    expect(refresher.snapshot().version).toBe(1);
    await refresher.run();
    expect(refresher.snapshot().version).toBe(2);
    expect(refresher.status()).toMatchObject({ ready: true, consecutiveFailures: 0 });
  });

  it('serves the snapshot before `finish` makes the rest, and starts the next refresh only after it', async () => {
    harness = await startHarness();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finishing!: (snapshot: Snapshot) => void;
    const finishStarted = new Promise<Snapshot>((resolve) => (finishing = resolve));
    const refresher: Refresher = new Refresher({
      config: harness.config,
      clients: harness.clients,
      now: () => REFERENCE_NOW,
      prepare: (snapshot) => {
        order.push(`prepare ${snapshot.version} (serving ${refresher.snapshot().version})`);
      },
      finish: async (snapshot) => {
        order.push(`finish ${snapshot.version} (serving ${refresher.snapshot().version})`);
        finishing(snapshot);
        if (snapshot.version === 1) await gate;
        else throw new Error('metrics render failed');
      },
    });
    let firstDone = false;
    const first = refresher.run().then(() => (firstDone = true));
    const finished = await finishStarted;
    // Served, and ready, while its finish is still running; the refresh itself has not ended.
    expect(refresher.snapshot()).toBe(finished);
    expect(refresher.status().ready).toBe(true);
    expect(firstDone).toBe(false);
    // A refresh asked for meanwhile joins the one running: none starts before the finish ends.
    const joined = refresher.run();
    release();
    await first;
    await joined;
    expect(order).toEqual(['prepare 1 (serving 0)', 'finish 1 (serving 1)']);
    // A finish that fails is logged; the snapshot stays served.
    await refresher.run();
    expect(order.slice(2)).toEqual(['prepare 2 (serving 1)', 'finish 2 (serving 2)']);
    expect(refresher.snapshot().version).toBe(2);
    expect(refresher.status()).toMatchObject({ ready: true, consecutiveFailures: 0 });
  });

  it('a targeted refresh serves before its finish too, and the next round starts after that finish', async () => {
    harness = await startHarness();
    const order: string[] = [];
    const gates = new Map<number, () => void>();
    const started = new Map<number, Promise<void>>();
    const starting = new Map<number, () => void>();
    for (const version of [2, 3]) started.set(version, new Promise<void>((resolve) => starting.set(version, resolve)));
    const refresher: Refresher = new Refresher({
      config: harness.config,
      clients: harness.clients,
      now: () => REFERENCE_NOW,
      prepare: (snapshot) => {
        order.push(`prepare ${snapshot.version}`);
      },
      finish: async (snapshot) => {
        order.push(`finish ${snapshot.version} (serving ${refresher.snapshot().version})`);
        starting.get(snapshot.version)?.();
        if (snapshot.version > 1) await new Promise<void>((resolve) => gates.set(snapshot.version, resolve));
        order.push(`finished ${snapshot.version}`);
      },
    });
    await refresher.run();
    const push = (id: string): ParsedEvent => ({
      id,
      kind: 'image-action',
      at: REFERENCE_NOW,
      targets: [{ kind: 'repository', accountId: '111111111111', region: 'us-east-1', repositoryName: 'web/frontend' }],
    });
    const first = refresher.applyEvents([push('a')]);
    await started.get(2);
    expect(refresher.snapshot().version).toBe(2);
    // A second round asked for now runs after the first round's finish: one at a time, each on the one before.
    const second = refresher.applyEvents([push('b')]);
    expect(order).toEqual(['prepare 1', 'finish 1 (serving 1)', 'finished 1', 'prepare 2', 'finish 2 (serving 2)']);
    gates.get(2)!();
    await first;
    await started.get(3);
    expect(order.slice(5)).toEqual(['finished 2', 'prepare 3', 'finish 3 (serving 3)']);
    gates.get(3)!();
    await second;
  });
});
