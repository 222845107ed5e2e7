/**
 * Oversized bodies and slow clients, over real sockets. The server answers 413 JSON to bodies over the
 * limit (with or without Content-Length), and its header and request timeouts cut clients that trickle
 * bytes, while every other request keeps being served.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/demo/index.js';
import { DEFAULT_BODY_LIMIT } from '../../src/http/app.js';
import { HTTP_TIMEOUTS } from '../../src/app/server.js';
import type { TestSidecar } from './support.js';
import { fetchWithin, smallFixture, startSidecar, startSmallEmulator } from './support.js';

const TIMEOUTS = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 1_000, checkIntervalMs: 200 };

let emulator: RunningEmulator;
let sidecar: TestSidecar;
let port: number;

beforeAll(async () => {
  emulator = await startSmallEmulator(smallFixture({}, false));
  sidecar = await startSidecar({ emulator, httpTimeouts: TIMEOUTS });
  port = sidecar.server.port;
});

afterAll(async () => {
  await sidecar?.close();
  await emulator?.close();
});

/** A raw connection: what it received and when the server closed it. */
function rawClient(): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined); // a reset is one way of being cut
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, received: () => data, closed };
}

/** Writes `text` one byte every `everyMs` until the socket closes. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++]!);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** Fails (instead of hanging the suite) when the server never closes the connection. */
const closedWithin = (closed: Promise<void>, ms: number, what: string): Promise<void> =>
  Promise.race([
    closed,
    new Promise<void>((_, reject) =>
      setTimeout(() => reject(new Error(`server kept ${what} open for ${ms} ms`)), ms).unref(),
    ),
  ]);

async function expectServing(): Promise<void> {
  const [health, query] = await Promise.all([
    fetchWithin(`${sidecar.url}/healthz`, {}, 5_000),
    fetchWithin(
      `${sidecar.url}/api/v1/query`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"queryType":"repositories"}' },
      5_000,
    ),
  ]);
  expect(health.status).toBe(200);
  expect(query.status).toBe(200);
}

describe('oversized bodies', () => {
  it('413 JSON with Content-Length over the limit', async () => {
    const body = JSON.stringify({
      queryType: 'images',
      filters: { repository: Array.from({ length: 20_000 }, (_, i) => `r${i}`) },
    });
    expect(body.length).toBeGreaterThan(DEFAULT_BODY_LIMIT);
    const res = await fetchWithin(`${sidecar.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({
      error: 'payload_too_large',
      message: expect.stringContaining(String(DEFAULT_BODY_LIMIT)),
    });
    await expectServing();
  });

  it('413 JSON for a chunked body (no Content-Length) that grows past the limit', async () => {
    const chunk = new TextEncoder().encode(`"${'x'.repeat(16 * 1024)}",`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64)
          controller.enqueue(chunk); // 1 MiB in all
        else controller.close();
      },
    });
    const res = await fetchWithin(`${sidecar.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
    await expectServing();
  });

  it('a 20 MB body is refused, not buffered: the sidecar keeps serving', async () => {
    const res = await fetchWithin(`${sidecar.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(20 * 1024 * 1024),
    }).catch((error: unknown) => error as Error);
    // Either the 413 arrives, or the server cut the upload short after answering it.
    if (!(res instanceof Error)) expect(res.status).toBe(413);
    else expect(String(res)).toMatch(/fetch failed|socket|reset|closed/i);
    await expectServing();
  });
});

describe('long URLs', () => {
  it('a 20 KB URL gets a JSON 414 from the running server, not an empty 431', async () => {
    const res = await fetchWithin(`${sidecar.url}/api/v1/annotations?from=0&to=10&repository=${'a'.repeat(20 * 1024)}`);
    expect(res.status).toBe(414);
    expect(await res.json()).toMatchObject({ error: 'uri_too_long' });
    await expectServing();
  });
});

describe('requests Node refuses before the app', () => {
  it('headers over 64 KiB get a JSON 431, malformed HTTP a JSON 400, and the server keeps serving', async () => {
    for (const [request, status, error] of [
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`, 431, 'request_header_fields_too_large'],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 400, 'bad_request'],
    ] as const) {
      const c = rawClient();
      c.socket.write(request);
      await closedWithin(c.closed, 15_000, 'a refused client');
      const [head = '', body = ''] = c.received().split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(head).toMatch(/content-type: application\/json/i);
      expect(JSON.parse(body)).toMatchObject({ error });
      await expectServing();
    }
  });
});

describe('slow clients', () => {
  it("the default timeouts are finite and tighter than Node's (60 s headers, 300 s request)", () => {
    expect(HTTP_TIMEOUTS.headersTimeoutMs).toBeLessThanOrEqual(15_000);
    expect(HTTP_TIMEOUTS.requestTimeoutMs).toBeLessThanOrEqual(60_000);
    expect(HTTP_TIMEOUTS.headersTimeoutMs).toBeLessThanOrEqual(HTTP_TIMEOUTS.requestTimeoutMs);
  });

  it('headers trickled one byte at a time: cut with 408 by the headers timeout; others are served meanwhile', async () => {
    const slow = Array.from({ length: 20 }, () => rawClient());
    for (const c of slow)
      trickle(c.socket, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(1_000)}\r\n\r\n`, 100);
    // While twenty sockets dribble, normal requests are answered.
    for (let i = 0; i < 5; i++) await expectServing();
    await Promise.all(slow.map((c) => closedWithin(c.closed, 15_000, 'a slow-header client')));
    for (const c of slow) expect(c.received()).toMatch(/^HTTP\/1\.1 408 [^]*"error":"request_timeout"/);
    await expectServing();
  });

  it('a body trickled slowly: cut by the request timeout', async () => {
    const c = rawClient();
    c.socket.write(
      'POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    trickle(c.socket, `{"queryType":"images"${' '.repeat(1_000)}`, 100);
    await expectServing();
    await closedWithin(c.closed, 15_000, 'a slow-body client');
    expect(c.received()).not.toMatch(/^HTTP\/1\.1 200/);
    await expectServing();
  });

  it('an idle connection that never sends a request is closed', async () => {
    const c = rawClient();
    await closedWithin(c.closed, 15_000, 'an idle client');
    await expectServing();
  });
});
