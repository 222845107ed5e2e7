/**
 * The emulator's EventBridge: events shaped as AWS documents them (ECR image actions and scans, Inspector
 * scans, CloudTrail API calls, ECS task and deployment changes), delivered to the subscribed SQS queues.
 * AWS delivers events on a best-effort basis, so the bus can hold them back, then drop, duplicate or reorder
 * them (POST /_emulator/events/...), as tests of a consumer need.
 */
import { randomUUID } from 'node:crypto';

/** An event as EventBridge delivers it to a target. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** ISO 8601 without milliseconds, as AWS writes it. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface EventOrigin {
  readonly accountId: string;
  readonly region: string;
}

export type Release = { readonly order?: 'sent' | 'reverse'; readonly duplicate?: boolean };

/** Most events the bus holds back; older ones are dropped (AWS drops what it cannot deliver, too). */
const HOLD_MAX = 100_000;

export class EventBus {
  private readonly subscribers: ((event: BusEvent) => void)[] = [];
  private held: BusEvent[] | undefined;
  private emitted = 0;

  constructor(private readonly now: () => number) {}

  subscribe(deliver: (event: BusEvent) => void): void {
    this.subscribers.push(deliver);
  }

  emit(origin: EventOrigin, source: string, detailType: string, detail: Record<string, unknown>, resources: readonly string[] = []): BusEvent {
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: origin.accountId,
      time: new Date(Math.floor(this.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      region: origin.region,
      resources,
      detail,
    };
    this.emitted += 1;
    if (this.held) {
      if (this.held.length >= HOLD_MAX) this.held.shift();
      this.held.push(event);
    } else this.deliver(event);
    return event;
  }

  /** Holds every event from now on until release or drop. */
  hold(): void {
    this.held ??= [];
  }

  /** Delivers the held events (in the order sent, or reversed; each twice when duplicating) and stops holding. */
  release(how: Release = {}): number {
    const events = this.held ?? [];
    this.held = undefined;
    const ordered = how.order === 'reverse' ? [...events].reverse() : events;
    for (const event of ordered) {
      this.deliver(event);
      if (how.duplicate) this.deliver(event);
    }
    return events.length;
  }

  /** Loses the held events and stops holding. */
  drop(): number {
    const lost = this.held?.length ?? 0;
    this.held = undefined;
    return lost;
  }

  stats(): { emitted: number; held: number; holding: boolean } {
    return { emitted: this.emitted, held: this.held?.length ?? 0, holding: this.held !== undefined };
  }

  private deliver(event: BusEvent): void {
    for (const subscriber of this.subscribers) subscriber(event);
  }
}

/** A bus nobody listens to: for a store made without an emulator (tests of the handlers alone). */
export const silentBus = (): EventBus => new EventBus(Date.now);

/** `ECR Image Action` (PUSH or DELETE): one event per tag, or one without a tag for an untagged image. */
export function imageActions(bus: EventBus, origin: EventOrigin, repositoryName: string, digest: string, action: 'PUSH' | 'DELETE', tags: readonly string[] | undefined): void {
  for (const tag of tags && tags.length > 0 ? tags : [undefined])
    bus.emit(origin, 'aws.ecr', 'ECR Image Action', {
      result: 'SUCCESS',
      'repository-name': repositoryName,
      'image-digest': digest,
      'action-type': action,
      ...(tag !== undefined ? { 'image-tag': tag } : {}),
    });
}

/** An ECR API call as EventBridge receives it from CloudTrail (e.g. PutLifecyclePolicy, DeleteRepository). */
export function apiCall(bus: EventBus, origin: EventOrigin, eventName: string, requestParameters: Record<string, unknown>): void {
  bus.emit(origin, 'aws.ecr', 'AWS API Call via CloudTrail', {
    eventVersion: '1.08',
    eventSource: 'ecr.amazonaws.com',
    eventName,
    awsRegion: origin.region,
    requestParameters,
  });
}
