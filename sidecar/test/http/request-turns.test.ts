/**
 * Requests are let in a few per turn of the event loop (http/request-turns.ts), in the turns AWS responses are parsed
 * in (arrival-turns.ts): with an injected clock, the routes that begin in one turn, and what holds a turn.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ArrivalTurns } from '../../src/arrival-turns.js';
import { createApp } from '../../src/http/app.js';
import type { AppEnv } from '../../src/http/deps.js';
import { takeTurns } from '../../src/http/request-turns.js';
import { fakeInventory } from '../support/builders.js';
import { testContext } from '../support/frames.js';
import { sampleSnapshot } from '../support/sample.js';
import { countTurns } from '../support/turns.js';

/** Resolves once every pending promise reaction has run (a tick queued from one runs after the microtasks drain). */
const settled = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('requests in turns', () => {
  it('begins routes until a turn has lasted its time; the rest begin in later turns of the event loop', async () => {
    let clock = 0;
    const turns = new ArrivalTurns(8, () => clock);
    const loop = countTurns();
    const began: Record<string, number> = {};
    const app = new Hono();
    app.use('*', takeTurns(turns));
    app.get('/:name', (c) => {
      began[c.req.param('name')] = loop.now();
      clock += 5; // each route runs 5 ms
      return c.text('ok');
    });
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => app.request(`/${name}`)));
    loop.stop();
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // a (0-5 ms) and b (5-10 ms) in the first turn; c and d in the next; e in a third.
    expect(began.b).toBe(began.a);
    expect(began.c).toBeGreaterThan(began.b!);
    expect(began.d).toBe(began.c);
    expect(began.e).toBeGreaterThan(began.d!);
    expect(turns.waiting).toBe(0);
  });

  it('gives the turn back once a route has begun, not when it answers', async () => {
    const turns = new ArrivalTurns(8, () => 0);
    const order: string[] = [];
    let release: () => void = () => {};
    const app = new Hono();
    app.use('*', takeTurns(turns));
    app.get('/slow', async (c) => {
      order.push('slow began');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('slow answered');
      return c.text('slow');
    });
    app.get('/fast', (c) => {
      order.push('fast');
      return c.text('fast');
    });
    const slow = app.request('/slow');
    const fast = await app.request('/fast');
    expect(await fast.text()).toBe('fast');
    expect(order).toEqual(['slow began', 'fast']);
    release();
    expect(await (await slow).text()).toBe('slow');
    expect(order).toEqual(['slow began', 'fast', 'slow answered']);
  });

  it('gives the turn back when what follows it fails, even at once', async () => {
    const turns = new ArrivalTurns(8, () => 0);
    const gate = takeTurns(turns);
    const c = {}; // any context: the gate does not read it
    await expect(
      gate(c as never, () => {
        throw new Error('thrown before any wait');
      }),
    ).rejects.toThrow('thrown before any wait');
    await expect(gate(c as never, () => Promise.reject(new Error('failed later')))).rejects.toThrow('failed later');
    // The turn is free: the next piece of work begins at once.
    const done = await turns.enter();
    expect(turns.waiting).toBe(0);
    done();
  });

  it("the sidecar's app waits for its turn before any route", async () => {
    const turns = new ArrivalTurns();
    const app = createApp({ inventory: fakeInventory(sampleSnapshot()), query: testContext(), turns });
    const held = await turns.enter(); // an AWS response being parsed
    let answered = false;
    const health = Promise.resolve(app.request('/healthz')).then((r) => {
      answered = true;
      return r;
    });
    await settled();
    expect(answered).toBe(false);
    expect(turns.waiting).toBe(1);
    held();
    expect((await health).status).toBe(200);
    expect(turns.waiting).toBe(0);
  });

  it('counts the wait for a turn within the request time budget, and runs nothing for a request answered meanwhile', async () => {
    const turns = new ArrivalTurns();
    let ran = 0;
    const probe = (app: OpenAPIHono<AppEnv>) =>
      void app.get('/probe', (c) => {
        ran += 1;
        return c.text('ran');
      });
    const app = createApp({ inventory: fakeInventory(sampleSnapshot()), query: testContext(), turns, limits: { timeoutMs: 1 }, routes: [probe] });
    const held = await turns.enter(); // held until the answer: only the time budget can end the request
    const answer = await app.request('/probe');
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: 'unavailable', message: 'request timed out' });
    held();
    // Once the queue has moved past it, the timed-out request has not run its route.
    (await turns.enter())();
    expect(turns.waiting).toBe(0);
    expect(ran).toBe(0);
    // With the turn free, the same route runs.
    const timely = createApp({ inventory: fakeInventory(sampleSnapshot()), query: testContext(), turns, routes: [probe] });
    expect(await (await timely.request('/probe')).text()).toBe('ran');
    expect(ran).toBe(1);
  });
});
