/**
 * The SQS queue an EventBridge rule sends ECR, ECS and Inspector events to: I/O only. Long polling (20 s) keeps
 * an idle queue at about three receives a minute; messages are deleted once handled, and a message not deleted
 * comes back after the visibility timeout.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';

export interface QueuedMessage {
  readonly id: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** When SQS accepted it (epoch ms), when it says so. */
  readonly sentAt?: number;
}

/** SQS's most messages per receive and per delete batch. */
export const BATCH_MAX = 10;
/** The longest long poll SQS allows. */
export const LONG_POLL_SECONDS = 20;
/** Long enough for a targeted read under throttling; a message that outlives it is handled again (reads are idempotent). */
const VISIBILITY_SECONDS = 120;

export class EventQueue {
  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
  ) {}

  /** Up to ten messages, waiting up to `waitSeconds` (default 20) for the first; `signal` cuts the wait short. */
  async receive(signal?: AbortSignal, waitSeconds = LONG_POLL_SECONDS): Promise<QueuedMessage[]> {
    const out = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: BATCH_MAX,
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: VISIBILITY_SECONDS,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
      signal ? { abortSignal: signal } : {},
    );
    const messages: QueuedMessage[] = [];
    for (const m of out.Messages ?? []) {
      // A message without a handle cannot be deleted, and one without a body says nothing: skip it (it comes back).
      if (!m.ReceiptHandle || m.Body === undefined) continue;
      const sent = Number(m.Attributes?.SentTimestamp);
      messages.push({ id: m.MessageId ?? m.ReceiptHandle, receiptHandle: m.ReceiptHandle, body: m.Body, ...(Number.isFinite(sent) && sent > 0 ? { sentAt: sent } : {}) });
    }
    return messages;
  }

  /** Deletes handled messages; returns how many SQS refused (they come back and are handled again). */
  async delete(messages: readonly QueuedMessage[]): Promise<number> {
    let failed = 0;
    for (let i = 0; i < messages.length; i += BATCH_MAX) {
      const batch = messages.slice(i, i + BATCH_MAX);
      const out = await this.client.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch.map((m, n) => ({ Id: String(n), ReceiptHandle: m.receiptHandle })) }),
      );
      failed += out.Failed?.length ?? 0;
    }
    return failed;
  }
}
