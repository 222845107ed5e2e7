/**
 * Requests let in a few per turn of the event loop (arrival-turns.ts). A poll of the sockets hands over every request
 * that came since the last one, and each ran at once as far as it could without waiting. Here each waits for its turn
 * first, then runs what follows (the remaining checks, and the route) up to its first wait, and gives the turn back:
 * what it waits on after that (its body, which a validated route reads before its handler runs; a query's steps; the
 * plan) holds no one, and runs outside the turns.
 */
import type { MiddlewareHandler } from 'hono';
import type { ArrivalTurns } from '../arrival-turns.js';

export function takeTurns(turns: ArrivalTurns): MiddlewareHandler {
  return async (c, next) => {
    const done = await turns.enter();
    // Answered while it waited (its time budget ran out): nothing is run for a reply already sent.
    if (c.finalized) return done();
    let handled: Promise<void>;
    try {
      handled = next(); // Hono's compose is async, so this returns, but the turn must come back even if it threw
    } finally {
      done();
    }
    await handled;
  };
}
