/**
 * The emulator's SQS standard queue, as AWS documents it: once each and in order by default; with the controls'
 * `sqs` settings, at-least-once delivery (two copies of one message, one MessageId, each with its own receipt
 * handle and deleted on its own) and best-effort ordering (any visible messages, in any order).
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/demo/prng.js';
import { SqsQueue } from '../../src/demo/sqs.js';

const VISIBILITY_MS = 30_000;
const bodies = (n: number): string[] => Array.from({ length: n }, (_, i) => `message-${i}`);

/** Receives until the queue has nothing visible, deleting each message; the bodies in the order received. */
function drain(queue: SqsQueue, now: number): { bodies: string[]; ids: string[] } {
  const out = { bodies: [] as string[], ids: [] as string[] };
  for (let round = 0; round < 100; round++) {
    const taken = queue.take(10, VISIBILITY_MS, now);
    if (taken.length === 0) break;
    for (const m of taken) {
      out.bodies.push(m.body);
      out.ids.push(m.id);
      queue.delete(m.receiptHandle!);
    }
  }
  return out;
}

describe('the emulator SQS queue', () => {
  it('delivers each message once, in the order sent, by default', () => {
    const queue = new SqsQueue('111111111111', 'q');
    for (const body of bodies(25)) queue.send(body, 0);
    expect(drain(queue, 0).bodies).toEqual(bodies(25));
    expect(queue.counts(0)).toEqual({ visible: 0, invisible: 0 });
  });

  it('with best-effort ordering, delivers every message once but not in the order sent', () => {
    const queue = new SqsQueue('111111111111', 'q', () => ({ duplicateProbability: 0, unordered: true, random: createRandom(7) }));
    for (const body of bodies(25)) queue.send(body, 0);
    const received = drain(queue, 0).bodies;
    expect([...received].sort()).toEqual([...bodies(25)].sort());
    expect(received).not.toEqual(bodies(25));
  });

  it('with at-least-once delivery, stores two copies: one MessageId, two receipt handles, each deleted on its own', () => {
    const random = createRandom(3);
    const queue = new SqsQueue('111111111111', 'q', () => ({ duplicateProbability: 1, unordered: false, random }));
    const sent = queue.send('twice', 0);
    expect(queue.counts(0)).toEqual({ visible: 2, invisible: 0 });
    const [a, b] = queue.take(10, VISIBILITY_MS, 0);
    expect([a!.id, b!.id]).toEqual([sent.id, sent.id]);
    expect(a!.receiptHandle).not.toBe(b!.receiptHandle);
    queue.delete(a!.receiptHandle!);
    expect(queue.counts(0)).toEqual({ visible: 0, invisible: 1 });
    // The copy not deleted comes back after its visibility timeout.
    expect(queue.take(10, VISIBILITY_MS, VISIBILITY_MS).map((m) => m.body)).toEqual(['twice']);
  });
});
