/**
 * Requests let in a few per turn of the event loop (arrival-turns.ts). A poll of the sockets hands over every request
 * that came since the last one; each request's route then runs up to its first wait at once. Here each waits for its
 * turn first, and gives the turn back as soon as its route has begun: what it waits on after that (a query's steps,
 * the plan, a write to the store) holds no one.
 */
import type { MiddlewareHandler } from 'hono';
import type { ArrivalTurns } from '../arrival-turns.js';

export function takeTurns(turns: ArrivalTurns): MiddlewareHandler {
  return async (_c, next) => {
    const done = await turns.enter();
    let handled: Promise<void>;
    try {
      handled = next();
    } finally {
      done();
    }
    await handled;
  };
}
