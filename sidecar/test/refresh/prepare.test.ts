import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/model.js';
import { Refresher } from '../../src/refresh/refresher.js';
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
});
