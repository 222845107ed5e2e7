/**
 * Per-operation counts of AWS requests, errors and throttles, gathered by SDK middleware on every client.
 * `calls` counts HTTP attempts (retries included): that is what AWS rate-limits and bills.
 */

export interface AwsCallStat {
  readonly service: string;
  readonly operation: string;
  readonly calls: number;
  readonly errors: number;
  readonly throttles: number;
}

// The SDK's own throttling classification (@smithy/core retry), plus HTTP 429.
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

export const isThrottlingError = (error: unknown): boolean => {
  if (!error || typeof error !== 'object') return false;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  return (!!e.name && THROTTLING_CODES.has(e.name)) || e.$metadata?.httpStatusCode === 429 || e.$retryable?.throttling === true;
};

interface Counter {
  calls: number;
  errors: number;
  throttles: number;
}

export class AwsCallStats {
  private readonly counters = new Map<string, Counter>();

  record(service: string, operation: string, outcome: 'ok' | 'error' | 'throttle'): void {
    const key = `${service}\u0000${operation}`;
    let counter = this.counters.get(key);
    if (!counter) this.counters.set(key, (counter = { calls: 0, errors: 0, throttles: 0 }));
    counter.calls += 1;
    if (outcome !== 'ok') counter.errors += 1;
    if (outcome === 'throttle') counter.throttles += 1;
  }

  /** Monotonic totals since start, sorted by service then operation. */
  snapshot(): AwsCallStat[] {
    return [...this.counters.entries()]
      .map(([key, c]) => {
        const [service, operation] = key.split('\u0000') as [string, string];
        return { service, operation, ...c };
      })
      .sort((a, b) => (a.service + a.operation < b.service + b.operation ? -1 : 1));
  }

  /** Calls per `service:operation` since an earlier snapshot (for benchmarks and tests). */
  static diff(before: readonly AwsCallStat[], after: readonly AwsCallStat[]): Record<string, number> {
    const out: Record<string, number> = {};
    const base = new Map(before.map((s) => [`${s.service}:${s.operation}`, s.calls]));
    for (const s of after) {
      const n = s.calls - (base.get(`${s.service}:${s.operation}`) ?? 0);
      if (n > 0) out[`${s.service}:${s.operation}`] = n;
    }
    return out;
  }

  /**
   * Adds the counting middleware to a client's stack. It sits in the deserialize step, inside the retry
   * loop, so each HTTP attempt passes through it and sees the parsed error.
   */
  instrument(stack: MiddlewareStackLike, service: string): void {
    type Handler = (args: unknown) => Promise<unknown>;
    const middleware = (next: Handler, context: { commandName?: string }): Handler => async (args) => {
      const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      try {
        const result = await next(args);
        this.record(service, operation, 'ok');
        return result;
      } catch (error) {
        this.record(service, operation, isThrottlingError(error) ? 'throttle' : 'error');
        throw error;
      }
    };
    stack.add(middleware as never, { step: 'deserialize', name: 'ecrLensCallStats', priority: 'high', override: true });
  }
}

/** The part of an SDK client's middleware stack used here (ECR and ECS stacks differ only in types). */
export interface MiddlewareStackLike {
  add(middleware: never, options: { step: 'deserialize'; name: string; priority: 'high'; override: boolean }): void;
}
