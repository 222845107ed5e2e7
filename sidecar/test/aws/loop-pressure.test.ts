/** The sidecar's own thread as a signal for the AWS limits. */
import { describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from '../../src/aws/adaptive-limit.js';
import { LOOP_BUSY_MS, LoopPressure } from '../../src/aws/loop-pressure.js';

const MS = 1e6;

/** A histogram whose 99th percentile the test sets, counting resets. */
function fakeDelays() {
  const state = { p99Ns: 0, resets: 0 };
  return { state, source: { percentile: () => state.p99Ns, reset: () => void (state.resets += 1) } };
}

describe('loop pressure', () => {
  it('judges each half-second window by its 99th-percentile delay, and keeps the verdict until the next closes', () => {
    let now = 0;
    const { state, source } = fakeDelays();
    const pressure = new LoopPressure(source, () => now);
    state.p99Ns = 400 * MS;
    // The first window is still open: no verdict yet.
    now = 499;
    expect(pressure.busy()).toBe(false);
    expect(state.resets).toBe(0);
    now = 500;
    expect(pressure.busy()).toBe(true);
    expect(state.resets).toBe(1);
    state.p99Ns = 10 * MS;
    now = 900;
    expect(pressure.busy()).toBe(true);
    now = 1000;
    expect(pressure.busy()).toBe(false);
    // Exactly at the threshold is not busy; an empty window (no samples) is idle.
    state.p99Ns = LOOP_BUSY_MS * MS;
    now = 1500;
    expect(pressure.busy()).toBe(false);
    state.p99Ns = 0;
    now = 2000;
    expect(pressure.busy()).toBe(false);
    expect(state.resets).toBe(4);
    // A window nobody closed for a second or more describes the past: dropped, whatever it holds.
    state.p99Ns = 900 * MS;
    now = 3000;
    expect(pressure.busy()).toBe(false);
    expect(state.resets).toBe(5);
    now = 3500;
    expect(pressure.busy()).toBe(true);
  });

  it('halves the requests in flight while the loop is busy, at most once a second, down to half the start, and lets them grow when it is not', () => {
    let now = 0;
    let busy = false;
    const limit = new AdaptiveConcurrency({ initial: 8, min: 1, max: 64, now: () => now, loop: { busy: () => busy } });
    // Fast calls: 8, 9, ... while the loop is free.
    for (let i = 0; i < 8 + 9 + 10 + 11; i++) limit.observe(5, false);
    expect(limit.concurrency).toBe(12);
    busy = true;
    limit.observe(5, false);
    expect(limit.concurrency).toBe(6);
    // Fast calls do not add any while it is busy.
    for (let i = 0; i < 100; i++) limit.observe(5, false);
    expect(limit.concurrency).toBe(6);
    now += 1_000;
    limit.observe(5, false);
    // Half the start (AWS_CONCURRENCY), not fewer: with real AWS, latency bounds a refresh held lower.
    expect(limit.concurrency).toBe(4);
    for (let k = 0; k < 5; k++) {
      now += 1_000;
      limit.observe(5, false);
    }
    expect(limit.concurrency).toBe(4);
    busy = false;
    for (let i = 0; i < 4; i++) limit.observe(5, false);
    expect(limit.concurrency).toBe(5);
    // Throttling still halves below that floor.
    now += 1_000;
    limit.observe(5, true);
    expect(limit.concurrency).toBe(2);
  });
});
