/**
 * Whether the sidecar's own thread is what limits a refresh: the event loop's delay over the last half second.
 * When it is, more AWS requests in flight read nothing faster; their responses wait for the thread, and the
 * bursts of parsing and garbage they bring delay every request the sidecar serves. At 1,000,000 images under
 * load a steady refresh took 111 s with 2 requests in flight as with up to 128, and the loop's delay p99 fell
 * from 155 ms to 95 ms (docs/reliability.md).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What the AWS limits ask before allowing more in flight. */
export interface LoopSignal {
  busy(): boolean;
}

/** A delay histogram (perf_hooks' IntervalHistogram), in nanoseconds. */
export interface DelaySource {
  percentile(percentile: number): number;
  reset(): void;
}

/** The event loop's 99th-percentile delay over a window above which the thread counts as busy. */
export const LOOP_BUSY_MS = 50;
const WINDOW_MS = 500;

export class LoopPressure implements LoopSignal {
  private windowStart: number;
  private lastBusy = false;

  constructor(
    private readonly source: DelaySource,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.windowStart = now();
  }

  /**
   * The verdict of the last full window; a window closes when it is asked for after WINDOW_MS. One left open much
   * longer (nobody asked: no refresh ran) describes the past, not now: it is dropped and a new one starts.
   */
  busy(): boolean {
    const now = this.now();
    const age = now - this.windowStart;
    if (age >= WINDOW_MS) {
      // A window without a sample (percentile 0) is idle, not busy.
      this.lastBusy = age < 2 * WINDOW_MS && this.source.percentile(99) / 1e6 > LOOP_BUSY_MS;
      this.source.reset();
      this.windowStart = now;
    }
    return this.lastBusy;
  }
}

let processPressure: LoopPressure | undefined;

/** This process's event loop, measured from the first call on (one histogram for every registry's limit). */
export function processLoopPressure(): LoopPressure {
  if (!processPressure) {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    processPressure = new LoopPressure(histogram);
  }
  return processPressure;
}
