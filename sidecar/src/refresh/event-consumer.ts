/**
 * Consumes the events queue: receives a batch (long polling, then what else is queued, up to ROUND_MAX), works
 * out what each event names, has the refresher read those parts again in one targeted refresh, then deletes the
 * batch. A batch that could not be applied is not deleted, so SQS delivers it again after the visibility timeout.
 * Unparseable messages and events for registries this sidecar does not read are deleted and counted, never retried.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as wait } from 'node:timers/promises';
import type { EventsState } from '@ecr-lens/contract';
import type { EventQueue, QueuedMessage } from '../aws/events-queue.js';
import { BATCH_MAX } from '../aws/events-queue.js';
import { errorMessage } from '../aws/ecr.js';
import type { Logger } from '../log.js';
import type { ParsedEvent } from './event-parse.js';
import { parseEventMessage } from './event-parse.js';

/** What applying a batch needs from the refresher. */
export interface EventApplier {
  /** Reads again what the events name and serves the result; resolves with the events whose registry is not read here. */
  applyEvents(events: readonly ParsedEvent[]): Promise<{ readonly unwatched: readonly ParsedEvent[] }>;
}

export interface EventConsumerOptions {
  readonly queue: EventQueue;
  readonly applier: EventApplier;
  readonly log: Logger;
  /** Epoch ms. */
  readonly now?: () => number;
  /** How a retry waits after a failure (default: a timer the signal cancels); tests pass their own. */
  readonly pause?: (ms: number, signal: AbortSignal) => Promise<unknown>;
}

/** Most messages applied in one targeted refresh (SQS hands out ten per receive). */
export const ROUND_MAX = 100;
/** After a failed round: 1 s, 2 s, ... up to a minute. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;

const count = (record: Record<string, number>, key: string, n = 1): void => {
  record[key] = (record[key] ?? 0) + n;
};

export class EventConsumer {
  /** Emits `applied` (with the batch's events) once their snapshot is served: for waiting without polling. */
  readonly rounds = new EventEmitter<{ applied: [readonly ParsedEvent[]] }>();
  private readonly now: () => number;
  private readonly pause: (ms: number, signal: AbortSignal) => Promise<unknown>;
  private abort?: AbortController;
  private loop?: Promise<void>;
  private received = 0;
  private targetedRefreshes = 0;
  private readonly applied: Record<string, number> = {};
  private readonly ignored: Record<string, number> = {};
  private lastAppliedAt?: number;
  private lagSeconds?: number;
  private consecutiveErrors = 0;
  private lastError?: string;

  constructor(private readonly options: EventConsumerOptions) {
    this.now = options.now ?? Date.now;
    this.pause = options.pause ?? ((ms, signal) => wait(ms, undefined, { signal }).catch(() => undefined));
  }

  /** Starts polling in the background until stop(). */
  start(): void {
    if (this.loop) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = this.run(abort.signal);
  }

  /** Ends the long poll in progress and waits for the loop to finish its batch. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
    this.abort = undefined;
  }

  state(): EventsState {
    return {
      queue: this.options.queue.queueUrl,
      running: this.loop !== undefined,
      received: this.received,
      applied: { ...this.applied },
      ignored: { ...this.ignored },
      targetedRefreshes: this.targetedRefreshes,
      ...(this.lastAppliedAt !== undefined ? { lastAppliedAt: this.lastAppliedAt } : {}),
      ...(this.lagSeconds !== undefined ? { lagSeconds: this.lagSeconds } : {}),
      consecutiveErrors: this.consecutiveErrors,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  /** One round: receive, apply, delete. Resolves with the messages handled; throws when the queue or the apply fails. */
  async poll(signal?: AbortSignal): Promise<number> {
    const messages = await this.options.queue.receive(signal);
    if (messages.length === 0) return 0;
    // A burst (a pipeline pushing many images) becomes one targeted refresh: take what is already queued, without waiting.
    while (messages.length % BATCH_MAX === 0 && messages.length < ROUND_MAX && !signal?.aborted) {
      const more = await this.options.queue.receive(signal, 0);
      if (more.length === 0) break;
      messages.push(...more);
    }
    this.received += messages.length;
    const events: ParsedEvent[] = [];
    for (const message of messages) {
      const parsed = parseEventMessage(message.body);
      if ('event' in parsed) events.push(parsed.event);
      else {
        count(this.ignored, parsed.ignored);
        this.options.log.warn('event ignored', { reason: parsed.ignored, message: message.id });
      }
    }
    if (events.length > 0) await this.apply(events);
    await this.delete(messages);
    return messages.length;
  }

  private async apply(events: readonly ParsedEvent[]): Promise<void> {
    const { unwatched } = await this.options.applier.applyEvents(events);
    const skipped = new Set(unwatched);
    for (const event of events) count(skipped.has(event) ? this.ignored : this.applied, skipped.has(event) ? 'not-watched' : event.kind);
    const applied = events.filter((e) => !skipped.has(e));
    if (applied.length === 0) return;
    const now = this.now();
    this.targetedRefreshes += 1;
    this.lastAppliedAt = now;
    this.lagSeconds = Math.max(0, (now - Math.max(...applied.map((e) => e.at))) / 1000);
    this.options.log.info('events applied', { events: applied.length, lag_seconds: this.lagSeconds });
    this.rounds.emit('applied', applied);
  }

  private async delete(messages: readonly QueuedMessage[]): Promise<void> {
    const failed = await this.options.queue.delete(messages);
    if (failed > 0) this.options.log.warn('events not deleted; SQS delivers them again', { failed });
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.poll(signal);
        this.consecutiveErrors = 0;
      } catch (error) {
        if (signal.aborted) break;
        this.consecutiveErrors += 1;
        this.lastError = errorMessage(error);
        const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (this.consecutiveErrors - 1));
        this.options.log.error('events round failed; retrying', { error: this.lastError, consecutive_errors: this.consecutiveErrors, retry_ms: backoff });
        await this.pause(backoff, signal);
      }
    }
  }
}
