/**
 * What stops the event loop: each pause of the main thread (a timer firing late) set against the collector's own
 * pauses (perf_hooks `gc` entries, which V8 reports for its stop-the-world phases) and against the time the main
 * thread waited for a CPU (Linux's run-queue delay, /proc/<pid>/task/<pid>/schedstat): on a machine shared with
 * other busy processes, a runnable thread is not always running. The rest of a pause is JavaScript (ours, the
 * SDK's, Node's), or the collector's incremental marking steps, which V8 makes on the main thread without a `gc` entry.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

export interface PauseReport {
  /** Pauses of at least `over` ms. */
  readonly count: number;
  readonly over: number;
  /** Their total, how much of it the collector's pauses took, and how long the thread waited for a CPU in them (NaN: unknown). */
  readonly totalMs: number;
  readonly gcMs: number;
  readonly waitingMs: number;
  /** The longest part of one pause outside the collector's pauses, and that pause. */
  readonly longestOutsideGcMs: number;
  readonly inPauseMs: number;
  /** The longest pause (the event-loop delay's max, give or take a tick), and of it the collector's pauses and the wait for a CPU. */
  readonly longest: { readonly ms: number; readonly gcMs: number; readonly waitingMs: number };
}

/** At most this many pauses and collections are kept (the oldest go): memory stays bounded over a long run. */
const KEEP = 20_000;

export class PauseLedger {
  /** [from, to, ms waiting for a CPU within] */
  private readonly pauses: [number, number, number][] = [];
  private readonly collections: [number, number][] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.collections.push([entry.startTime, entry.startTime + entry.duration]);
    if (this.collections.length > KEEP) {
      this.collections.splice(0, this.collections.length - KEEP);
      // Pauses from before the oldest collection kept would read as outside the collector: they go too.
      const since = this.collections[0]![0];
      const first = this.pauses.findIndex(([, to]) => to > since);
      this.pauses.splice(0, first === -1 ? this.pauses.length : first);
    }
  });
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly over = 50,
    tickMs = 10,
  ) {
    this.observer.observe({ entryTypes: ['gc'] });
    let last = performance.now();
    let waited = runQueueWaitMs();
    this.timer = setInterval(() => {
      const now = performance.now();
      const waitedNow = runQueueWaitMs();
      if (now - last - tickMs >= over) this.pauses.push([last + tickMs, now, waitedNow - waited]);
      if (this.pauses.length > KEEP) this.pauses.splice(0, this.pauses.length - KEEP);
      last = now;
      waited = waitedNow;
    }, tickMs);
    this.timer.unref();
  }

  /** The pauses since the last report (read after they end: `gc` entries arrive after their pause). */
  report(): PauseReport {
    const report = accountPauses(this.pauses, this.collections, this.over);
    this.pauses.length = 0;
    this.collections.length = 0;
    return report;
  }

  stop(): void {
    clearInterval(this.timer);
    this.observer.disconnect();
  }
}

/** Pauses set against the collector's pauses, both as [from, to] in time order. */
export function accountPauses(
  pauses: readonly (readonly [from: number, to: number, waitingMs?: number])[],
  collections: readonly (readonly [number, number])[],
  over: number,
): PauseReport {
  let totalMs = 0;
  let gcMs = 0;
  let waitingMs = 0;
  let longestOutsideGcMs = 0;
  let inPauseMs = 0;
  let longest = { ms: 0, gcMs: 0, waitingMs: 0 };
  let c = 0;
  for (const [from, to, waiting = Number.NaN] of pauses) {
    // Pauses do not overlap: a pointer walks the collections once, past those that ended before this pause.
    while (c < collections.length && collections[c]![1] <= from) c++;
    let inGc = 0;
    for (let k = c; k < collections.length && collections[k]![0] < to; k++) {
      const [start, end] = collections[k]!;
      inGc += Math.max(0, Math.min(end, to) - Math.max(start, from));
    }
    // Entries that overlap (one pause reported twice) count once.
    inGc = Math.min(inGc, to - from);
    totalMs += to - from;
    gcMs += inGc;
    // Without schedstat the wait is unknown (NaN), and so is the sum: never read as no wait.
    const waited = Math.min(waiting, to - from);
    waitingMs += waited;
    if (to - from > longest.ms) longest = { ms: to - from, gcMs: inGc, waitingMs: waited };
    if (to - from - inGc > longestOutsideGcMs) {
      longestOutsideGcMs = to - from - inGc;
      inPauseMs = to - from;
    }
  }
  return { count: pauses.length, over, totalMs, gcMs, waitingMs, longestOutsideGcMs, inPauseMs, longest };
}

/** How long this process's main thread has waited on a run queue, in ms (NaN where Linux's schedstat is absent). */
function runQueueWaitMs(): number {
  try {
    return Number(readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}
