import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCooperatively, TURN_MS, type Steps } from '../../src/cooperative.js';
import { countTurns } from '../support/turns.js';

/** `count` steps of `stepMs` each (on the faked performance clock), each recorded with the turn it ran in. */
function* timedSteps(name: string, count: number, stepMs: number, ran: { name: string; turn: number; ms: number }[], clock: { now(): number }): Steps<string> {
  for (let i = 0; i < count; i++) {
    vi.advanceTimersByTime(stepMs);
    ran.push({ name, turn: clock.now(), ms: stepMs });
    yield;
  }
  return `${name} done`;
}

describe('computations in flight together', () => {
  beforeEach(() => {
    // Only performance.now is faked: a step "takes" the time it advances; setImmediate stays real.
    vi.useFakeTimers({ toFake: ['performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('share each turn of the event loop: about one slice of all of them per turn, not one slice each', async () => {
    const clock = countTurns();
    const ran: { name: string; turn: number; ms: number }[] = [];
    const results = await Promise.all(['a', 'b', 'c'].map((name) => runCooperatively(timedSteps(name, 12, 5, ran, clock))));
    clock.stop();
    expect(results).toEqual(['a done', 'b done', 'c done']);
    expect(ran).toHaveLength(36);
    const perTurn = new Map<number, number>();
    for (const step of ran) perTurn.set(step.turn, (perTurn.get(step.turn) ?? 0) + step.ms);
    // A turn runs slices until TURN_MS is reached: at most TURN_MS plus the slice that crossed it (each slice ends
    // once it reaches the slice length, one step past it at most).
    for (const ms of perTurn.values()) expect(ms).toBeLessThanOrEqual(TURN_MS + 20 + 5);
    // Three computations of 60 ms each at about 20 ms per turn: many turns, each running one after another.
    expect(perTurn.size).toBeGreaterThanOrEqual(8);
    // First come, first served: every computation progresses, none waits for the others to end.
    const lastTurn = (name: string) => Math.max(...ran.filter((s) => s.name === name).map((s) => s.turn));
    const firstTurn = (name: string) => Math.min(...ran.filter((s) => s.name === name).map((s) => s.turn));
    expect(firstTurn('c')).toBeLessThan(lastTurn('a'));
  });

  it('starts a computation alone at once, and ends a short one without a turn', async () => {
    const clock = countTurns();
    const ran: { name: string; turn: number; ms: number }[] = [];
    const result = await runCooperatively(timedSteps('short', 3, 1, ran, clock));
    expect(result).toBe('short done');
    expect(ran.map((s) => s.turn)).toEqual([0, 0, 0]);
    clock.stop();
  });

  it('rejects a computation whose step throws, and the others in flight go on', async () => {
    const clock = countTurns();
    const ran: { name: string; turn: number; ms: number }[] = [];
    function* failing(): Steps<string> {
      for (let i = 0; i < 6; i++) {
        vi.advanceTimersByTime(10);
        yield;
      }
      throw new Error('step failed');
    }
    const long = runCooperatively(timedSteps('long', 10, 10, ran, clock));
    const broken = runCooperatively(failing());
    await expect(broken).rejects.toThrow('step failed');
    await expect(long).resolves.toBe('long done');
    expect(ran).toHaveLength(10);
    clock.stop();
  });
});
