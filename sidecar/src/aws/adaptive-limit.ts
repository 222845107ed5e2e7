/**
 * Requests in flight per registry that follow what AWS answers, instead of a fixed number: more while calls come
 * back as fast as the fastest seen (AWS is not queueing them), fewer when they slow down, half on throttling.
 * ECR publishes no rate for its Describe* calls, so the only signals are latency and ThrottlingException; the
 * SDK's own retries and adaptive rate limiter still act on each call underneath. Half as many, too, while the
 * sidecar's own thread is busy: then it, not AWS, limits how fast answers are read.
 */
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import type { LoopSignal } from './loop-pressure.js';
import { isThrottlingError } from './stats.js';

export interface AdaptiveSettings {
  /** Where it starts (AWS_CONCURRENCY). */
  readonly initial: number;
  /** Never fewer, never more (1 and AWS_CONCURRENCY_MAX). */
  readonly min: number;
  readonly max: number;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
  /** The sidecar's own thread: while it is busy, fewer in flight (loop-pressure.ts). */
  readonly loop?: LoopSignal;
}

/** A call slower than this many times the fastest recent one means AWS (or the network) is queueing. */
const SLOW_FACTOR = 2;
/** Weight of the newest call in the smoothed latency. */
const EWMA_WEIGHT = 0.1;
/** After a decrease, wait this long before another: the calls in flight still carry the old load. */
const COOLDOWN_MS = 1_000;
/** The fastest latency is forgotten slowly (per call), so a lasting change of the network is followed. */
const BASELINE_DRIFT = 1.001;

export class AdaptiveConcurrency {
  /** Runs a call within the current limit, measuring it. */
  readonly run: LimitFunction;
  private readonly limit: LimitFunction;
  private readonly now: () => number;
  private baselineMs = Number.POSITIVE_INFINITY;
  private smoothedMs: number | undefined;
  private successes = 0;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private throttles = 0;

  constructor(private readonly settings: AdaptiveSettings) {
    this.now = settings.now ?? Date.now;
    this.limit = pLimit(Math.min(settings.max, Math.max(settings.min, settings.initial)));
    const measured = <A extends unknown[], R>(fn: (...args: A) => PromiseLike<R> | R, ...args: A): Promise<R> =>
      this.limit(async () => {
        const started = this.now();
        try {
          const result = await fn(...args);
          this.observe(this.now() - started, false);
          return result;
        } catch (error) {
          this.observe(this.now() - started, isThrottlingError(error));
          throw error;
        }
      });
    this.run = Object.defineProperties(measured, {
      activeCount: { get: () => this.limit.activeCount },
      pendingCount: { get: () => this.limit.pendingCount },
      concurrency: { get: () => this.limit.concurrency, set: (n: number) => (this.limit.concurrency = n) },
      clearQueue: { value: () => this.limit.clearQueue() },
      map: { value: <T, R>(items: Iterable<T>, fn: (item: T, index: number) => PromiseLike<R> | R) => Promise.all([...items].map((item, i) => measured(fn, item, i))) },
    }) as LimitFunction;
  }

  get concurrency(): number {
    return this.limit.concurrency;
  }

  /** Throttled calls seen (after the SDK's retries). */
  get throttled(): number {
    return this.throttles;
  }

  /** Feeds one call's latency and outcome: additive increase while calls are fast, decrease when slow or throttled. */
  observe(latencyMs: number, throttled: boolean): void {
    const { min, max } = this.settings;
    const c = this.limit.concurrency;
    if (throttled) {
      this.throttles += 1;
      this.decrease(Math.max(min, Math.floor(c / 2)));
      return;
    }
    // The thread that parses the answers is the bottleneck: more in flight would only queue them for it. Not below
    // half the start, though: a loop kept busy by requests would otherwise hold a refresh from real AWS (whose
    // latency, not the thread, then bounds it) to one call at a time.
    if (this.settings.loop?.busy()) {
      this.decrease(Math.max(min, Math.ceil(this.settings.initial / 2), Math.floor(c / 2)));
      return;
    }
    this.baselineMs = Math.min(this.baselineMs * BASELINE_DRIFT, latencyMs);
    this.smoothedMs = this.smoothedMs === undefined ? latencyMs : this.smoothedMs + EWMA_WEIGHT * (latencyMs - this.smoothedMs);
    if (this.smoothedMs > SLOW_FACTOR * Math.max(1, this.baselineMs)) {
      this.decrease(Math.max(min, c - 1));
      return;
    }
    // One more in flight after a window's worth of fast calls.
    this.successes += 1;
    if (this.successes >= c && c < max) {
      this.successes = 0;
      this.limit.concurrency = c + 1;
    }
  }

  private decrease(to: number): void {
    const now = this.now();
    if (now - this.lastDecreaseAt < COOLDOWN_MS || to >= this.limit.concurrency) return;
    this.lastDecreaseAt = now;
    this.successes = 0;
    this.limit.concurrency = to;
  }
}
