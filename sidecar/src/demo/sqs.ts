/**
 * SQS over the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Operation>`), as the SDK's SQSClient speaks
 * it: a standard queue per account with visibility timeouts, receipt handles, long polling and the MD5 of
 * each body (the SDK checks it). The controls' `sqs` settings add what AWS documents for standard queues:
 * at-least-once delivery (duplicates) and best-effort ordering. One queue, `ecr-lens-events`, is subscribed to the event bus, as an
 * EventBridge rule with an SQS target would be. Queue URLs are `<emulator>/<account>/<name>`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AwsError } from './errors.js';
import type { SqsDelivery } from './controls.js';
import type { BusEvent } from './events.js';
import { createRandom, type Random } from './prng.js';

export const SQS_TARGET_PREFIX = 'AmazonSQS';
export const EVENTS_QUEUE = 'ecr-lens-events';

/** Messages a queue keeps; beyond it the oldest go (the emulator bounds its memory; SQS bounds by age). */
const QUEUE_MAX = 100_000;
const BODY_MAX = 1024 * 1024;
const DEFAULT_VISIBILITY_S = 30;

interface Message {
  /** This copy's own key: a duplicate (at-least-once delivery) is a second copy with the same MessageId. */
  readonly key: string;
  readonly id: string;
  readonly body: string;
  readonly md5: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** Epoch ms until which it is not delivered again. */
  invisibleUntil: number;
  receiptHandle: string | undefined;
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** How a queue delivers (controls.ts SqsDeliverySchema); by default once each, in the order sent. */
export type Delivery = () => SqsDelivery & { readonly random: Random };
const EXACT: Delivery = () => ({ duplicateProbability: 0, unordered: false, random: createRandom(1) });

export class SqsQueue {
  private readonly messages = new Map<string, Message>();
  private readonly byHandle = new Map<string, string>();
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly accountId: string,
    readonly name: string,
    private readonly delivery: Delivery = EXACT,
  ) {}

  send(body: string, now: number): Message {
    const { duplicateProbability, random } = this.delivery();
    const copies = duplicateProbability > 0 && random.chance(duplicateProbability) ? 2 : 1;
    const id = randomUUID();
    let first: Message | undefined;
    for (let i = 0; i < copies; i++) {
      if (this.messages.size >= QUEUE_MAX) this.forget(this.messages.keys().next().value!);
      const message: Message = { key: randomUUID(), id, body, md5: md5(body), sentAt: now, receiveCount: 0, firstReceivedAt: undefined, invisibleUntil: 0, receiptHandle: undefined };
      this.messages.set(message.key, message);
      first ??= message;
    }
    for (const wake of [...this.waiters]) wake();
    return first!;
  }

  /** Up to `max` visible messages, made invisible for `visibilityMs` with a new receipt handle each. */
  take(max: number, visibilityMs: number, now: number): Message[] {
    const { unordered, random } = this.delivery();
    const visible: Message[] = [];
    for (const message of this.messages.values()) {
      if (message.invisibleUntil > now) continue;
      visible.push(message);
      if (!unordered && visible.length >= max) break;
    }
    // Best-effort ordering: any visible messages, in any order (a partial Fisher-Yates shuffle).
    if (unordered)
      for (let i = 0; i < Math.min(max, visible.length); i++) {
        const j = i + Math.floor(random.next() * (visible.length - i));
        [visible[i], visible[j]] = [visible[j]!, visible[i]!];
      }
    const out: Message[] = [];
    for (const message of visible.slice(0, max)) {
      if (message.receiptHandle) this.byHandle.delete(message.receiptHandle);
      message.receiptHandle = randomUUID();
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.invisibleUntil = now + visibilityMs;
      this.byHandle.set(message.receiptHandle, message.key);
      out.push(message);
    }
    return out;
  }

  /** Waits until a message is sent or `ms` pass (long polling); `close` ends every wait. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.waiters.add(done);
    });
  }

  /** Deletes by receipt handle; a handle of a message already gone is accepted, as SQS does. */
  delete(handle: string): void {
    const key = this.byHandle.get(handle);
    if (key !== undefined) this.forget(key);
  }

  counts(now: number): { visible: number; invisible: number } {
    let invisible = 0;
    for (const m of this.messages.values()) if (m.invisibleUntil > now) invisible += 1;
    return { visible: this.messages.size - invisible, invisible };
  }

  purge(): void {
    for (const id of [...this.messages.keys()]) this.forget(id);
  }

  close(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private forget(key: string): void {
    const message = this.messages.get(key);
    if (message?.receiptHandle) this.byHandle.delete(message.receiptHandle);
    this.messages.delete(key);
  }
}

export class SqsState {
  private readonly queues = new Map<string, SqsQueue>();

  constructor(private readonly delivery: Delivery = EXACT) {}

  /** The queue `name` of `accountId`, made on first use. */
  queue(accountId: string, name: string): SqsQueue {
    const key = `${accountId}/${name}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new SqsQueue(accountId, name, this.delivery);
      this.queues.set(key, queue);
    }
    return queue;
  }

  /** The queue a URL names (`.../<account>/<name>`), if it exists. */
  byUrl(url: string): SqsQueue | undefined {
    const [name, accountId] = url.split('/').filter((part) => part.length > 0).reverse();
    return name !== undefined && accountId !== undefined ? this.queues.get(`${accountId}/${name}`) : undefined;
  }

  /** Delivers bus events to the events queue of `accountId`: the body is the event, as an EventBridge SQS target sends it. */
  subscribe(accountId: string, now: () => number): (event: BusEvent) => void {
    const queue = this.queue(accountId, EVENTS_QUEUE);
    return (event) => queue.send(JSON.stringify(event), now());
  }

  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }
}

const noQueue = (): AwsError => new AwsError('com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');

const QueueInput = z.object({ QueueUrl: z.string().min(1) });
const ReceiveInput = QueueInput.extend({
  MaxNumberOfMessages: z.number().int().min(1).max(10).optional(),
  VisibilityTimeout: z.number().int().min(0).max(43_200).optional(),
  WaitTimeSeconds: z.number().int().min(0).max(20).optional(),
  MessageSystemAttributeNames: z.array(z.string()).optional(),
  AttributeNames: z.array(z.string()).optional(),
});
const DeleteInput = QueueInput.extend({ ReceiptHandle: z.string().min(1) });
const DeleteBatchInput = QueueInput.extend({
  Entries: z.array(z.object({ Id: z.string().min(1).max(80), ReceiptHandle: z.string().min(1) })).min(1).max(10),
});
const SendInput = QueueInput.extend({ MessageBody: z.string().min(1) });
const QueueNameInput = z.object({ QueueName: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/), QueueOwnerAWSAccountId: z.string().optional() });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new AwsError('com.amazonaws.sqs#InvalidParameterValue', `${issue.path.join('.') || 'input'}: ${issue.message}`);
  }
  return result.data;
}

export interface SqsCall {
  readonly accountId: string;
  /** The emulator's own URL, for the queue URLs it answers. */
  readonly baseUrl: string;
  readonly now: () => number;
}

const ATTRIBUTE_NAMES = ['SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'] as const;

/** One SQS operation; ReceiveMessage waits up to WaitTimeSeconds for a message. */
export async function handleSqs(state: SqsState, operation: string, body: unknown, call: SqsCall): Promise<unknown> {
  const queueOf = (url: string): SqsQueue => state.byUrl(url) ?? (() => { throw noQueue(); })();
  switch (operation) {
    case 'GetQueueUrl': {
      const input = parse(QueueNameInput, body);
      const owner = input.QueueOwnerAWSAccountId ?? call.accountId;
      if (!state.byUrl(`/${owner}/${input.QueueName}`)) throw noQueue();
      return { QueueUrl: `${call.baseUrl}/${owner}/${input.QueueName}` };
    }
    case 'ReceiveMessage': {
      const input = parse(ReceiveInput, body);
      const queue = queueOf(input.QueueUrl);
      const take = (): Message[] => queue.take(input.MaxNumberOfMessages ?? 1, (input.VisibilityTimeout ?? DEFAULT_VISIBILITY_S) * 1000, call.now());
      let messages = take();
      if (messages.length === 0 && (input.WaitTimeSeconds ?? 0) > 0) {
        await queue.wait(input.WaitTimeSeconds! * 1000);
        messages = take();
      }
      const wanted = new Set([...(input.MessageSystemAttributeNames ?? []), ...(input.AttributeNames ?? [])]);
      const all = wanted.has('All');
      return {
        Messages: messages.map((m) => {
          const values: Record<(typeof ATTRIBUTE_NAMES)[number], string> = {
            SentTimestamp: String(m.sentAt),
            ApproximateReceiveCount: String(m.receiveCount),
            ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
          };
          const attributes = Object.fromEntries(ATTRIBUTE_NAMES.filter((n) => all || wanted.has(n)).map((n) => [n, values[n]]));
          return { MessageId: m.id, ReceiptHandle: m.receiptHandle, MD5OfBody: m.md5, Body: m.body, ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}) };
        }),
      };
    }
    case 'DeleteMessage': {
      const input = parse(DeleteInput, body);
      queueOf(input.QueueUrl).delete(input.ReceiptHandle);
      return {};
    }
    case 'DeleteMessageBatch': {
      const input = parse(DeleteBatchInput, body);
      const queue = queueOf(input.QueueUrl);
      for (const entry of input.Entries) queue.delete(entry.ReceiptHandle);
      return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
    }
    case 'SendMessage': {
      const input = parse(SendInput, body);
      if (Buffer.byteLength(input.MessageBody) > BODY_MAX) throw new AwsError('com.amazonaws.sqs#InvalidParameterValue', 'MessageBody: longer than 1 MiB');
      const message = queueOf(input.QueueUrl).send(input.MessageBody, call.now());
      return { MessageId: message.id, MD5OfMessageBody: message.md5 };
    }
    case 'GetQueueAttributes': {
      const input = parse(QueueInput, body);
      const counts = queueOf(input.QueueUrl).counts(call.now());
      return { Attributes: { ApproximateNumberOfMessages: String(counts.visible), ApproximateNumberOfMessagesNotVisible: String(counts.invisible) } };
    }
    case 'PurgeQueue': {
      queueOf(parse(QueueInput, body).QueueUrl).purge();
      return {};
    }
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation AmazonSQS.${operation}`);
  }
}
