/**
 * AWS responses parsed a few per turn of the event loop, not all of those that arrived together. The SDK parses a
 * response (JSON, then its shapes) in the callback that read its last bytes, so the answers of many calls in flight
 * that land in one poll of the sockets were all parsed in that one turn, with the collector's scavenges and marking
 * steps their garbage brings: the requests the sidecar serves waited for all of it. Here a client's body is read in
 * full as it arrives, then waits its turn to be parsed (arrival-turns.ts), with the requests the sidecar answers.
 */
import { Readable } from 'node:stream';
import { streamCollector } from '@smithy/core/serde';
import type { ArrivalTurns, Done } from '../arrival-turns.js';

type Handler = (args: object) => Promise<{ response?: unknown }>;
type Middleware = (next: Handler) => Handler;

/** The part of an SDK client's middleware stack used here. */
export interface PacedStack {
  add(middleware: never, options: { step: 'finalizeRequest'; name: string; priority: 'low'; override: boolean }): void;
  add(middleware: never, options: { step: 'deserialize'; name: string; priority: 'low'; override: boolean }): void;
}

interface WithBody {
  body?: unknown;
  headers?: Record<string, string | undefined>;
}

/** An event stream is read by its caller as it comes: never gathered here. */
const EVENT_STREAM = 'application/vnd.amazon.eventstream';

/** A body that fails as the one read here did, for the deserializer to meet. */
function failingBody(error: unknown): Readable {
  return new Readable({
    read() {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  });
}

/**
 * Adds the pacing to a client: inside the deserializer, the attempt's response body is read in full and then waits
 * for its turn; around the whole deserialize step (inside the retries), the turn is given back once parsed. Each
 * HTTP attempt is one entry, linked from the outer middleware to the inner one by the attempt's arguments object,
 * which the deserializer passes on as it is.
 */
export function paceParsing(stack: PacedStack, turns: ArrivalTurns): void {
  const entries = new WeakMap<object, { parsed?: Done }>();
  const release: Middleware = (next) => async (args) => {
    const entry: { parsed?: Done } = {};
    entries.set(args, entry);
    try {
      return await next(args);
    } finally {
      entry.parsed?.();
    }
  };
  const wait: Middleware = (next) => async (args) => {
    const output = await next(args);
    const entry = entries.get(args);
    const response = output.response as WithBody | undefined;
    if (!entry || !response || response.body == null || response.body instanceof Uint8Array) return output;
    if (response.headers?.['content-type']?.startsWith(EVENT_STREAM)) return output;
    try {
      response.body = await streamCollector(response.body as Parameters<typeof streamCollector>[0]);
    } catch (error) {
      // Met by the deserializer as it would have met it, so the error keeps the response's status and request id
      // ($metadata, $response), by which a throttled call is told from a failed one.
      response.body = failingBody(error);
      return output;
    }
    entry.parsed = await turns.enter();
    return output;
  };
  stack.add(release as never, { step: 'finalizeRequest', name: 'ecrLensParseTurnsRelease', priority: 'low', override: true });
  stack.add(wait as never, { step: 'deserialize', name: 'ecrLensParseTurnsWait', priority: 'low', override: true });
}
