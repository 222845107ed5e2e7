import { describe, expect, it } from 'vitest';
import { accountPauses } from '../../bench/pause-ledger.js';

describe('pauses set against the collector’s', () => {
  it('counts the part of each pause inside collections, and finds the longest part outside them', () => {
    const pauses = [
      [100, 400, 20], // 300 ms: a 250 ms collection within, 50 ms outside; 20 ms waiting for a CPU
      [1000, 1100, 0], // 100 ms: none
      [2000, 2600, 700], // 600 ms: two collections, one begun before it (50 ms of it inside) and one within (100 ms)
    ] as const;
    const collections = [
      [0, 50], // before every pause
      [120, 370],
      [1950, 2050],
      [2200, 2300],
      [5000, 5100], // after every pause
    ] as const;
    expect(accountPauses(pauses, collections, 50)).toEqual({
      count: 3,
      over: 50,
      totalMs: 1000,
      gcMs: 400,
      // A wait reads no longer than its pause (the two clocks are read a moment apart).
      waitingMs: 620,
      longestOutsideGcMs: 450,
      inPauseMs: 600,
      // The longest pause as a whole: 150 ms of collections; its wait (700) reads as no more than the pause.
      longest: { ms: 600, gcMs: 150, waitingMs: 600 },
    });
  });

  it('gives a pause no collection touches wholly to what ran, and a pause within one collection wholly to it', () => {
    expect(accountPauses([[10, 90, 0]], [], 50)).toMatchObject({ gcMs: 0, longestOutsideGcMs: 80, inPauseMs: 80 });
    expect(accountPauses([[10, 90, 0]], [[0, 100]], 50)).toMatchObject({ gcMs: 80, longestOutsideGcMs: 0 });
    // Two entries for one pause count once.
    expect(accountPauses([[10, 90, 0]], [[0, 100], [20, 60]], 50)).toMatchObject({ gcMs: 80, longestOutsideGcMs: 0 });
    // Where Linux's schedstat is absent the wait is unknown, not none.
    expect(accountPauses([[10, 90]], [], 50).waitingMs).toBeNaN();
    expect(accountPauses([], [[0, 100]], 50)).toEqual({
      count: 0,
      over: 50,
      totalMs: 0,
      gcMs: 0,
      waitingMs: 0,
      longestOutsideGcMs: 0,
      inPauseMs: 0,
      longest: { ms: 0, gcMs: 0, waitingMs: 0 },
    });
  });
});
