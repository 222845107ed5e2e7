/**
 * Bad input: fast-check generates 10,000 request bodies and query strings for the query, cleanup plan,
 * variables and annotations endpoints, sent in-process through the Hono app (app.request), plus a
 * sample over real HTTP to the running sidecar. Every answer is a 2xx, or a 4xx with a JSON error
 * body; never a 5xx, never a hang. The generators live in test/support/hostile-inputs.ts, shared with the
 * campaign benchmark (bench/hostile.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { QUERY_FILTERS } from '@ecr-lens/contract';
import type { RunningEmulator } from '../../src/demo/index.js';
import { createApp } from '../../src/http/app.js';
import { cleanupWiring } from '../../src/app/cleanup-wiring.js';
import type { AppEnv } from '../../src/http/deps.js';
import { metricsRoute } from '../../src/http/metrics.js';
import { metricsConfigFromEnv } from '../../src/metrics/config.js';
import { VARIABLE_KINDS } from '../../src/query/variables.js';
import {
  contentType,
  enc,
  hostileGlob,
  httpRequest,
  nasty,
  nastyNumber,
  queryBody,
  queryString,
} from '../support/hostile-inputs.js';
import type { TestSidecar } from './support.js';
import { smallFixture, startSidecar, startSmallEmulator } from './support.js';

/** Runs per endpoint, in-process: 10,000 in all. */
const RUNS = { query: 4_000, plan: 2_500, variables: 1_750, annotations: 1_750 } as const;
const HTTP_RUNS = 300;
const PER_REQUEST_MS = 5_000;

let emulator: RunningEmulator;
let sidecar: TestSidecar;
let app: OpenAPIHono<AppEnv>;

beforeAll(async () => {
  emulator = await startSmallEmulator(smallFixture({}, false));
  sidecar = await startSidecar({ emulator });
  const inventory = sidecar.server.inventory;
  const cleanup = cleanupWiring({
    config: sidecar.config.cleanup,
    inventory,
    prices: sidecar.config.pricing,
    clientFor: () => undefined,
    audit: sidecar.server.store.audit,
  });
  app = createApp({
    inventory,
    query: { now: Date.now, prices: sidecar.config.pricing, reclaimable: cleanup.reclaimable },
    queryTypes: cleanup.queryTypes,
    annotationKinds: cleanup.annotationKinds,
    routes: [cleanup.route, metricsRoute({ inventory, config: metricsConfigFromEnv({}), cleanup: cleanup.service })],
  });
});

afterAll(async () => {
  await sidecar?.close();
  await emulator?.close();
});

// ---- checks -----------------------------------------------------------------------------------

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PER_REQUEST_MS} ms: ${what}`)), PER_REQUEST_MS);
    }),
  ]);
}

/** Answers by status class, so that each run can show it reached the handlers (2xx) and the validation (4xx). */
const classes = new Map<string, number>();

/** A 2xx, or a 4xx whose body is a JSON error naming the problem. */
async function expectWellFormed(res: Response, what: string): Promise<void> {
  const text = await res.text();
  classes.set(`${Math.floor(res.status / 100)}xx`, (classes.get(`${Math.floor(res.status / 100)}xx`) ?? 0) + 1);
  expect(res.status, `${what} -> ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    expect(typeof body.error, `${what}: ${text.slice(0, 200)}`).toBe('string');
    expect(typeof body.message, what).toBe('string');
  } else if (/json/.test(res.headers.get('content-type') ?? '')) {
    expect(() => JSON.parse(text), what).not.toThrow();
  }
}

const inProcess = async (path: string, init?: RequestInit): Promise<void> => {
  const what = `${init?.method ?? 'GET'} ${path.slice(0, 200)} ${typeof init?.body === 'string' ? init.body.slice(0, 200) : ''}`;
  await expectWellFormed(await within(Promise.resolve(app.request(path, init)), what), what);
};

/** Both outcomes occur: a fuzz that only ever hits validation (or only ever passes it) tests little. */
function expectBothOutcomes(): void {
  const seen = Object.fromEntries(classes);
  classes.clear();
  expect(seen['2xx'] ?? 0, JSON.stringify(seen)).toBeGreaterThan(0);
  expect(seen['4xx'] ?? 0, JSON.stringify(seen)).toBeGreaterThan(0);
  expect(Object.keys(seen).sort(), JSON.stringify(seen)).toEqual(['2xx', '4xx']);
}

describe('fuzz, in-process (10,000 generated requests)', () => {
  it(`POST /api/v1/query: ${RUNS.query} bodies`, { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(queryBody, contentType, async (body, type) => {
        await inProcess('/api/v1/query', { method: 'POST', headers: type ? { 'content-type': type } : {}, body });
      }),
      { numRuns: RUNS.query },
    );
    expectBothOutcomes();
  });

  it(`GET /api/v1/cleanup/plan: ${RUNS.plan} query strings`, { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(queryString([...QUERY_FILTERS.cleanup, 'format', 'limit', 'offset']), fc.boolean(), async (qs, csv) => {
        await inProcess(`/api/v1/cleanup/plan${csv ? '.csv' : ''}?${qs}`);
      }),
      { numRuns: RUNS.plan },
    );
    expectBothOutcomes();
  });

  it(`GET /api/v1/variables/{kind}: ${RUNS.variables} kinds and query strings`, { timeout: 120_000 }, async () => {
    const kind = fc.oneof(
      fc.constantFrom(...VARIABLE_KINDS),
      nasty.map(enc),
      fc.constantFrom('%2e%2e', '..%2f', '%ZZ', 'tags%00'),
    );
    await fc.assert(
      fc.asyncProperty(kind, queryString(['registry', 'region', 'repository']), async (k, qs) => {
        await inProcess(`/api/v1/variables/${k}?${qs}`);
      }),
      { numRuns: RUNS.variables },
    );
    expectBothOutcomes();
  });

  it(`GET /api/v1/annotations: ${RUNS.annotations} query strings`, { timeout: 120_000 }, async () => {
    const time = fc.oneof(
      fc.integer({ min: 0, max: 2_000_000_000_000 }).map(String),
      nasty,
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    );
    const annotation = fc.record(
      {
        from: time,
        to: time,
        kind: fc.oneof(fc.constantFrom('push', 'cleanup'), nasty),
        limit: fc.oneof(nastyNumber.map(String), nasty),
        extra: nasty,
      },
      { requiredKeys: [] },
    );
    // Hostile records are valid only a few times in 1,750 (none, in about one run in twenty): well-formed ones as well,
    // so that every run reaches the handler.
    const wellFormed = fc
      .tuple(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.integer({ min: 0, max: 1_000_000_000 }), fc.constantFrom('push', 'cleanup'), fc.integer({ min: 1, max: 10_000 }))
      .map(([from, span, kind, limit]) => ({ from: String(from), to: String(from + span), kind, limit: String(limit) }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(annotation, wellFormed), async (q) => {
        await inProcess(`/api/v1/annotations?${new URLSearchParams(Object.entries(q)).toString()}`);
      }),
      { numRuns: RUNS.annotations },
    );
    expectBothOutcomes();
  });
});

describe('fuzz: hostile globs', () => {
  it('are answered 200 or 400 on every route that takes a glob, never a hang or a 5xx', { timeout: 120_000 }, async () => {
    const statuses = new Set<number>();
    const expectAnswered = async (path: string, init?: RequestInit): Promise<void> => {
      const what = `${init?.method ?? 'GET'} ${path.slice(0, 300)} ${typeof init?.body === 'string' ? init.body.slice(0, 300) : ''}`;
      const res = await within(Promise.resolve(app.request(path, init)), what);
      statuses.add(res.status);
      expect([200, 400], `${what} -> ${res.status}`).toContain(res.status);
      await expectWellFormed(res, what);
    };
    await fc.assert(
      fc.asyncProperty(hostileGlob, hostileGlob, async (repository, tag) => {
        const body = JSON.stringify({ queryType: 'images', filters: { repository: [repository, `${repository}x`], tag } });
        await expectAnswered('/api/v1/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const qs = new URLSearchParams({ repository, tag }).toString();
        await expectAnswered(`/api/v1/cleanup/plan?${qs}`);
        await expectAnswered(`/api/v1/cleanup/lifecycle?${new URLSearchParams({ repository }).toString()}`);
      }),
      { numRuns: 300 },
    );
    classes.clear();
    expect([...statuses].sort()).toEqual([200, 400]);
  });
});

describe('fuzz over real HTTP', () => {
  it(`${HTTP_RUNS} mixed requests to the running sidecar`, { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(httpRequest, async ({ path, init }) => {
        const what = `${init.method ?? 'GET'} ${path.slice(0, 200)}`;
        const res = await fetch(`${sidecar.url}${path}`, {
          ...init,
          signal: AbortSignal.timeout(PER_REQUEST_MS),
        } as RequestInit);
        await expectWellFormed(res, what);
      }),
      { numRuns: HTTP_RUNS },
    );
    expectBothOutcomes();
  });
});
