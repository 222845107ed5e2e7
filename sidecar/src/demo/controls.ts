/**
 * Emulator controls: token-bucket rate limits, injectable faults and call counters, per operation.
 * Operations are named `<service>:<Operation>` (ecr:DescribeImages, ecs:ListTasks, sts:AssumeRole).
 */
import { z } from 'zod';
import { AwsError, serverError, throttling } from './errors.js';
import { createRandom } from './prng.js';
import type { Random } from './prng.js';

export const RateLimitSchema = z.object({
  burst: z.number().positive().describe('Bucket size'),
  refillPerSecond: z.number().positive(),
});

export const FaultSchema = z.object({
  throttleProbability: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('Chance of HTTP 400 ThrottlingException "Rate exceeded"'),
  serverErrorProbability: z.number().min(0).max(1).optional().describe('Chance of HTTP 500 ServerException'),
  latencyMs: z.number().int().min(0).max(600_000).optional().describe('Added before answering'),
  failOnPage: z.number().int().min(1).optional().describe('Requests for this 1-based page of a paginated call fail'),
  failOnPageError: z
    .enum(['server', 'throttle'])
    .optional()
    .describe('How the failing page fails (default server: HTTP 500)'),
  describeFailures: z
    .object({
      reason: z.string().min(1).optional().describe('Without one, matching items are left out of the answer'),
      match: z.string().min(1).optional().describe('Only items whose ARN contains this; default every item'),
    })
    .optional()
    .describe(
      'DescribeServices/DescribeTasks/DescribeServiceRevisions answer matching items as failures[{arn, reason}]; DescribeTaskDefinition answers them without taskDefinition',
    ),
  deleteFailures: z
    .object({
      match: z.string().min(1).describe('Image ids whose digest contains this'),
      failureCode: z.string().min(1).default('KmsError').describe("One of ECR's ImageFailure codes"),
      failureReason: z.string().min(1).default('Injected by the emulator'),
    })
    .optional()
    .describe('BatchDeleteImage answers matching image ids as failures[{imageId, failureCode, failureReason}] and keeps the images'),
});

/**
 * Departures from AWS that another ECS-compatible endpoint showed; all off by default. Clients must cope with
 * them, so tests can switch them on.
 */
export const QuirksSchema = z.object({
  listTaskDefinitionsIgnoresSortAndMax: z
    .boolean()
    .default(false)
    .describe('ListTaskDefinitions ignores sort and maxResults: ascending, pages of 100'),
  describeTasksFirstContainerOnly: z
    .boolean()
    .default(false)
    .describe("DescribeTasks lists only each task's first container"),
  servicesWithoutDeployments: z
    .boolean()
    .default(false)
    .describe('DescribeServices answers deployments: [] and no currentServiceRevisions (taskDefinition still set)'),
});

/**
 * How the emulator's SQS standard queues deliver. AWS documents at-least-once delivery ("occasionally more than
 * one copy of a message is delivered") and best-effort ordering ("occasionally, messages are delivered in an
 * order different from which they were sent"). Off by default, so that tests count calls exactly.
 */
export const SqsDeliverySchema = z.object({
  duplicateProbability: z.number().min(0).max(1).default(0).describe('Chance that a message sent is stored twice: two copies, one MessageId, each delivered and deleted on its own'),
  unordered: z.boolean().default(false).describe('ReceiveMessage picks visible messages at random instead of in the order sent'),
});

export const ControlSettingsSchema = z.object({
  rateLimitsEnabled: z.boolean(),
  /** Bucket name -> limit. An operation uses `<service>:<Operation>` if present, else its ECS category bucket. */
  rateLimits: z.record(z.string(), RateLimitSchema),
  /** Operation (or `ecr:*`, `ecs:*`, `sts:*`, `*`) -> fault. The most specific key wins. */
  faults: z.record(z.string(), FaultSchema),
  /** Seed for the fault dice, so that a run is reproducible. */
  seed: z.number().int(),
  /** Replaced whole by PUT /_emulator/controls; keys left out are false. */
  quirks: QuirksSchema,
  sqs: SqsDeliverySchema.default({ duplicateProbability: 0, unordered: false }),
});

export type RateLimit = z.infer<typeof RateLimitSchema>;
export type Fault = z.infer<typeof FaultSchema>;
export type ControlSettings = z.infer<typeof ControlSettingsSchema>;
export type Quirks = z.infer<typeof QuirksSchema>;
export type SqsDelivery = z.infer<typeof SqsDeliverySchema>;

export const NO_QUIRKS: Quirks = {
  listTaskDefinitionsIgnoresSortAndMax: false,
  describeTasksFirstContainerOnly: false,
  servicesWithoutDeployments: false,
};

/** ECS API throttling categories (AWS docs: token bucket per account and Region, shared per category). */
export const ECS_CATEGORIES: Readonly<Record<string, string>> = {
  ListClusters: 'ecs:ClusterRead',
  DescribeClusters: 'ecs:ClusterRead',
  ListServices: 'ecs:ServiceRead',
  DescribeServices: 'ecs:ServiceRead',
  // AWS lists it apart: "Service revision read", 50 / 20.
  DescribeServiceRevisions: 'ecs:ServiceRevisionRead',
  ListTasks: 'ecs:ClusterResourceRead',
  DescribeTasks: 'ecs:ClusterResourceRead',
  DescribeTaskDefinition: 'ecs:TaskDefinitionRead',
  ListTaskDefinitions: 'ecs:TaskDefinitionRead',
  ListTaskDefinitionFamilies: 'ecs:TaskDefinitionRead',
};

/**
 * Defaults. ECS: AWS's published burst/refill per category. ECR: control-plane rates are unpublished, so
 * burst 20 / refill 10 per operation is an ASSUMPTION; BatchGetImage uses its published 2,000/s quota
 * (burst = rate is an assumption). STS is not limited.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<string, RateLimit>> = {
  'ecs:ClusterRead': { burst: 50, refillPerSecond: 20 },
  'ecs:ServiceRead': { burst: 100, refillPerSecond: 20 },
  'ecs:ServiceRevisionRead': { burst: 50, refillPerSecond: 20 },
  'ecs:ClusterResourceRead': { burst: 100, refillPerSecond: 20 },
  'ecs:TaskDefinitionRead': { burst: 50, refillPerSecond: 20 },
  'ecr:DescribeRegistry': { burst: 20, refillPerSecond: 10 },
  'ecr:DescribeRepositories': { burst: 20, refillPerSecond: 10 },
  'ecr:DescribeImages': { burst: 20, refillPerSecond: 10 },
  'ecr:ListImages': { burst: 20, refillPerSecond: 10 },
  'ecr:DescribeImageScanFindings': { burst: 20, refillPerSecond: 10 },
  'ecr:GetLifecyclePolicy': { burst: 20, refillPerSecond: 10 },
  'ecr:GetRepositoryPolicy': { burst: 20, refillPerSecond: 10 },
  'ecr:ListTagsForResource': { burst: 20, refillPerSecond: 10 },
  'ecr:GetRegistryScanningConfiguration': { burst: 20, refillPerSecond: 10 },
  'ecr:BatchDeleteImage': { burst: 20, refillPerSecond: 10 },
  'ecr:BatchGetImage': { burst: 2000, refillPerSecond: 2000 },
};

/** Programmatic default: rate limits OFF (tests stay fast and deterministic); the CLI turns them on. */
export const DEFAULT_CONTROL_SETTINGS: ControlSettings = {
  rateLimitsEnabled: false,
  rateLimits: { ...DEFAULT_RATE_LIMITS },
  faults: {},
  seed: 1,
  quirks: { ...NO_QUIRKS },
  sqs: { duplicateProbability: 0, unordered: false },
};

export interface CallCounter {
  /** Every request that named this operation. */
  calls: number;
  /** Answered ThrottlingException (rate limit or injected). */
  throttled: number;
  /** Answered an injected 5xx or page failure. */
  faulted: number;
  /** Answered any other error (validation, not found, ...). */
  errors: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class Controls {
  private current: ControlSettings;
  private random: Random;
  private readonly buckets = new Map<string, Bucket>();
  private readonly counters = new Map<string, CallCounter>();
  /** Added to the emulator's clock (epoch ms) by POST /_emulator/clock/advance. */
  private offsetMs = 0;

  constructor(
    settings: Partial<ControlSettings> = {},
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.current = ControlSettingsSchema.parse({ ...DEFAULT_CONTROL_SETTINGS, ...settings });
    this.random = createRandom(this.current.seed);
  }

  settings(): ControlSettings {
    return structuredClone(this.current);
  }

  /** Replaces the given top-level settings (rateLimits and faults are replaced whole). Resets buckets and dice. */
  update(patch: Partial<ControlSettings>): ControlSettings {
    this.current = ControlSettingsSchema.parse({ ...this.current, ...patch });
    this.random = createRandom(this.current.seed);
    this.buckets.clear();
    return this.settings();
  }

  setFault(operation: string, fault: Fault | undefined): void {
    const faults = { ...this.current.faults };
    if (fault) faults[operation] = FaultSchema.parse(fault);
    else delete faults[operation];
    this.current = { ...this.current, faults };
  }

  clearFaults(): void {
    this.current = { ...this.current, faults: {} };
  }

  setRateLimit(bucket: string, limit: RateLimit | undefined): void {
    const rateLimits = { ...this.current.rateLimits };
    if (limit) rateLimits[bucket] = RateLimitSchema.parse(limit);
    else delete rateLimits[bucket];
    this.current = { ...this.current, rateLimits };
    this.buckets.clear();
  }

  quirks(): Quirks {
    return this.current.quirks;
  }

  /** How SQS delivers, and the seeded dice it throws for duplicates and order (reset by update, as the fault dice). */
  sqsDelivery(): SqsDelivery & { readonly random: Random } {
    return { ...this.current.sqs, random: this.random };
  }

  /** Switches the given quirks; the others keep their value. */
  setQuirks(patch: Partial<Quirks>): void {
    this.current = { ...this.current, quirks: QuirksSchema.parse({ ...this.current.quirks, ...patch }) };
  }

  /** Moves the emulator's clock forward; token buckets refill for the skipped time too. */
  advanceClock(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error('seconds: must be a finite number >= 0');
    this.offsetMs += seconds * 1000;
  }

  /** Milliseconds the clock was advanced by. */
  clockOffsetMs(): number {
    return this.offsetMs;
  }

  setRateLimitsEnabled(enabled: boolean): void {
    this.current = { ...this.current, rateLimitsEnabled: enabled };
    this.buckets.clear();
  }

  calls(): Record<string, CallCounter> {
    return Object.fromEntries(
      [...this.counters.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, { ...v }]),
    );
  }

  callCount(operation: string): number {
    return this.counters.get(operation)?.calls ?? 0;
  }

  resetCalls(): void {
    this.counters.clear();
  }

  private counter(operation: string): CallCounter {
    let c = this.counters.get(operation);
    if (!c) this.counters.set(operation, (c = { calls: 0, throttled: 0, faulted: 0, errors: 0 }));
    return c;
  }

  /** The fault for an operation: exact name, then `<service>:*`, then `*`. */
  fault(operation: string): Fault | undefined {
    const f = this.current.faults;
    return f[operation] ?? f[`${operation.split(':')[0]}:*`] ?? f['*'];
  }

  /** Counts the call, applies the rate limit and the dice. Returns the latency to add; throws the injected error. */
  admit(operation: string, accountId: string, region: string): number {
    const counter = this.counter(operation);
    counter.calls++;
    if (this.current.rateLimitsEnabled && !this.take(operation, accountId, region)) {
      counter.throttled++;
      throw throttling();
    }
    const fault = this.fault(operation);
    if (!fault) return 0;
    if (fault.throttleProbability && this.random.next() < fault.throttleProbability) {
      counter.throttled++;
      throw throttling();
    }
    if (fault.serverErrorProbability && this.random.next() < fault.serverErrorProbability) {
      counter.faulted++;
      throw serverError();
    }
    return fault.latencyMs ?? 0;
  }

  /** Fails the configured page of a paginated call. */
  checkPage(operation: string, page: number): void {
    const fault = this.fault(operation);
    if (fault?.failOnPage !== page) return;
    const counter = this.counter(operation);
    if (fault.failOnPageError === 'throttle') {
      counter.throttled++;
      throw throttling();
    }
    counter.faulted++;
    throw serverError(`Injected failure on page ${page}`);
  }

  /** Records an error answer that was not injected. */
  recordError(operation: string, error: unknown): void {
    const counter = this.counter(operation);
    if (error instanceof AwsError && error.code === 'ThrottlingException') return;
    counter.errors++;
  }

  private take(operation: string, accountId: string, region: string): boolean {
    const [service, name] = operation.split(':') as [string, string];
    const bucketName = this.current.rateLimits[operation]
      ? operation
      : service === 'ecs'
        ? ECS_CATEGORIES[name]
        : undefined;
    const limit = bucketName ? this.current.rateLimits[bucketName] : undefined;
    if (!limit) return true;
    const key = `${accountId}/${region}/${bucketName}`;
    const now = this.clock() + this.offsetMs;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { tokens: limit.burst, at: now }));
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.refillPerSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
