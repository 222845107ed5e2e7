/** Requests in flight that follow AWS: more while calls are fast, fewer when they slow down, half on throttling. */
import { describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from '../../src/aws/adaptive-limit.js';

const throttling = (): Error => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

describe('adaptive concurrency', () => {
  it('adds one in flight after a window of fast calls, up to the maximum', () => {
    const limit = new AdaptiveConcurrency({ initial: 4, min: 1, max: 6, now: () => 0 });
    expect(limit.concurrency).toBe(4);
    for (let i = 0; i < 4; i++) limit.observe(30, false);
    expect(limit.concurrency).toBe(5);
    for (let i = 0; i < 5; i++) limit.observe(30, false);
    expect(limit.concurrency).toBe(6);
    for (let i = 0; i < 100; i++) limit.observe(30, false);
    expect(limit.concurrency).toBe(6);
  });

  it('halves on throttling, at most once a second, never below the minimum', () => {
    let now = 0;
    const limit = new AdaptiveConcurrency({ initial: 16, min: 3, max: 32, now: () => now });
    limit.observe(30, true);
    expect(limit.concurrency).toBe(8);
    limit.observe(30, true);
    expect(limit.concurrency).toBe(8);
    now += 1_000;
    limit.observe(30, true);
    expect(limit.concurrency).toBe(4);
    now += 1_000;
    limit.observe(30, true);
    expect(limit.concurrency).toBe(3);
    expect(limit.throttled).toBe(4);
  });

  it('gives one back when calls slow down to twice the fastest, and grows again once they are fast', () => {
    let now = 0;
    const limit = new AdaptiveConcurrency({ initial: 8, min: 1, max: 32, now: () => now });
    limit.observe(20, false);
    // AWS starts queueing: the smoothed latency climbs past 40 ms.
    let calls = 0;
    while (limit.concurrency === 8 && calls < 100) {
      limit.observe(200, false);
      calls += 1;
    }
    expect(limit.concurrency).toBe(7);
    expect(calls).toBeLessThan(20);
    now += 1_000;
    for (let i = 0; i < 200; i++) limit.observe(20, false);
    expect(limit.concurrency).toBeGreaterThan(7);
  });

  it('measures the calls it runs, and keeps them within the limit', async () => {
    let now = 0;
    const limit = new AdaptiveConcurrency({ initial: 2, min: 1, max: 4, now: () => now });
    let inFlight = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const call = () =>
      limit.run(async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((done) => release.push(done));
        inFlight -= 1;
        return 'ok';
      });
    const calls = [call(), call(), call()];
    await Promise.resolve();
    await Promise.resolve();
    expect(inFlight).toBe(2);
    while (release.length > 0) {
      release.shift()!();
      await new Promise((done) => setImmediate(done));
    }
    expect(await Promise.all(calls)).toEqual(['ok', 'ok', 'ok']);
    expect(most).toBe(2);
    now += 5_000;
    await expect(limit.run(() => Promise.reject(throttling()))).rejects.toThrow('Rate exceeded');
    expect(limit.concurrency).toBe(1);
    expect(limit.run.concurrency).toBe(1);
  });
});
