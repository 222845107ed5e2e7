/**
 * Bad input: fast-check generates 10,000 request bodies and query strings for the query, cleanup plan,
 * variables and annotations endpoints, sent in-process through the Hono app (app.request), plus a
 * sample over real HTTP to the running sidecar. Every answer is a 2xx, or a 4xx with a JSON error
 * body; never a 5xx, never a hang.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { PLAN_FILTERS } from '../../src/cleanup/select.js';
import type { RunningEmulator } from '../../src/demo/index.js';
import { createApp } from '../../src/http/app.js';
import { cleanupWiring } from '../../src/http/cleanup-wiring.js';
import type { AppEnv } from '../../src/http/deps.js';
import { metricsRoute } from '../../src/http/metrics.js';
import { metricsConfigFromEnv } from '../../src/metrics/config.js';
import { Filters, QUERY_TYPES } from '../../src/query/request.js';
import { VARIABLE_KINDS } from '../../src/query/variables.js';
import { IMAGE_KINDS, SCAN_STATES, SEVERITIES, USE_KINDS } from '../../src/snapshot/model.js';
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

// ---- generators -------------------------------------------------------------------------------

// Every filter the schema knows, so a new filter is fuzzed too.
const FILTER_NAMES = Object.keys(Filters.shape);

/** Strings that tend to break parsers: globs, unicode, control characters, huge numbers, path tricks. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '*',
    '**',
    '{',
    '{a,b',
    '{'.repeat(300),
    '[',
    '[!',
    '?',
    '\\',
    '..',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '\uffff',
    '\ud800',
    'sha256:',
    `sha256:${'a'.repeat(64)}`,
    `sha256:${'g'.repeat(64)}`,
    '111111111111',
    '1'.repeat(13),
    'us-east-1',
    'US-EAST-1',
    '1e309',
    '-0',
    'NaN',
    'Infinity',
    '9007199254740993',
    '0x10',
    '2026-01-01T00:00:00Z',
    '2026-13-45T99:99:99Z',
    'true',
    'false',
    'null',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    "'; DROP TABLE images; --",
    '<script>alert(1)</script>',
    'a'.repeat(5_000),
  ),
);
const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    10_001,
    1_000_000_000,
    0.5,
    36_501,
  ),
);
const leaf = fc.oneof(nasty, nastyNumber, fc.boolean(), fc.constant(null));
const value = fc.oneof(
  leaf,
  fc.array(leaf, { maxLength: 5 }),
  fc.dictionary(nasty, leaf, { maxKeys: 3 }),
  fc.array(fc.constantFrom('a', 'b'), { minLength: 1001, maxLength: 1200 }),
);
const wellTyped = fc.oneof(
  fc.constantFrom(
    ...SEVERITIES,
    ...SCAN_STATES,
    ...IMAGE_KINDS,
    'delete',
    'keep',
    'blocked',
    'repository',
    'image',
    ...USE_KINDS,
  ),
  fc.constantFrom('111111111111', 'us-east-1', 'eu-west-1', 'web/*', '*', 'latest', 'v1.*'),
  fc.integer({ min: 0, max: 2_000_000_000_000 }),
  // Day counts (olderThanDays, notPulledForDays, notUsedForDays) in their valid range.
  fc.integer({ min: 0, max: 400 }),
  fc.boolean(),
);
const filters = fc.dictionary(fc.oneof(fc.constantFrom(...FILTER_NAMES), nasty), fc.oneof(wellTyped, value), {
  maxKeys: 5,
});

/** Valid requests with odd but legal values (globs, unicode names, extreme limits). */
const validQuery = fc
  .record(
    {
      queryType: fc.constantFrom(...QUERY_TYPES),
      filters: fc.record(
        {
          repository: fc.oneof(
            fc.constantFrom('*', 'web/*', '{a,b}*', '?'),
            fc.string({ minLength: 1, maxLength: 30 }),
          ),
          region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-south-2'),
          registry: fc.constantFrom('111111111111', '999999999999'),
        },
        { requiredKeys: [] },
      ),
      limit: fc.integer({ min: 1, max: 10_000 }),
      offset: fc.integer({ min: 0, max: 10_000_000 }),
    },
    { requiredKeys: ['queryType'] },
  )
  .map((o) => JSON.stringify(o));

/** POST /api/v1/query bodies: valid and near-valid requests, arbitrary JSON, and broken text. */
const queryBody = fc.oneof(
  validQuery,
  fc
    .record(
      {
        queryType: fc.oneof(fc.constantFrom(...QUERY_TYPES), nasty),
        filters: fc.oneof(filters, value),
        sort: fc.oneof(
          fc.record({
            field: fc.oneof(fc.constantFrom('name', 'sizeBytes', 'pushedAt', 'repository'), nasty),
            order: fc.oneof(fc.constantFrom('asc', 'desc'), nasty),
          }),
          value,
        ),
        limit: fc.oneof(nastyNumber, value),
        offset: fc.oneof(nastyNumber, value),
        range: fc.oneof(fc.record({ from: fc.oneof(nastyNumber, nasty), to: fc.oneof(nastyNumber, nasty) }), value),
      },
      { requiredKeys: ['queryType'] },
    )
    .map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.oneof(
    nasty,
    fc.constantFrom(
      '{',
      '{"queryType":',
      '[1,2',
      '{"queryType":"images"}}',
      '\u0000',
      '{"a":1e999999}',
      '{"queryType":"images","limit":1e999}',
      '[]'.repeat(10_000),
      `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
    ),
  ),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  'application/json; charset=latin1',
);

/** encodeURIComponent, with lone surrogates as raw invalid UTF-8 (which it refuses to encode). */
const enc = (text: string): string =>
  encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\u0001')).replace(/%01/g, '%ED%A0%80');

/** A query string: known and unknown keys, repeated keys, broken percent-encoding. */
const queryString = (keys: readonly string[]) =>
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), nasty), fc.oneof(wellTyped.map(String), nasty)), {
      maxLength: 6,
    })
    .chain((pairs) =>
      fc.oneof(
        fc.constant(pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')),
        fc
          .constantFrom(
            '%',
            '%E0%A4%A',
            'a=%zz',
            '=&=&',
            '&&&',
            'limit=1&limit=2&limit=x',
            'repository',
            `x=${'%41'.repeat(3_000)}`,
          )
          .map((raw) => [raw, ...pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`)].join('&')),
      ),
    );

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
      fc.asyncProperty(queryString([...PLAN_FILTERS, 'format', 'limit', 'offset']), fc.boolean(), async (qs, csv) => {
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
    await fc.assert(
      fc.asyncProperty(annotation, async (q) => {
        await inProcess(`/api/v1/annotations?${new URLSearchParams(Object.entries(q)).toString()}`);
      }),
      { numRuns: RUNS.annotations },
    );
    expectBothOutcomes();
  });
});

/** Globs built to make a backtracking matcher hang: stars, extglobs, classes, braces, up to past the length limit. */
const hostileGlob = fc
  .array(fc.constantFrom('*', '**', '?', 'a', 'x', '/', '.', '-', '+(', '*(', '@(', '!(', '?(', ')', '|', '[a-z]', '[!a]', '[', ']', '{', '}', ',', '\\', '!'), {
    minLength: 1,
    maxLength: 160,
  })
  .map((parts) => parts.join(''));

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
    const request = fc.oneof(
      fc
        .tuple(queryBody, contentType)
        .map(([body, type]) => ({
          path: '/api/v1/query',
          init: { method: 'POST', headers: type ? { 'content-type': type } : {}, body } as RequestInit,
        })),
      queryString([...PLAN_FILTERS, 'format', 'limit']).map((qs) => ({
        path: `/api/v1/cleanup/plan?${qs}`,
        init: {} as RequestInit,
      })),
      queryString(['registry', 'region', 'repository']).map((qs) => ({
        path: `/api/v1/variables/repositories?${qs}`,
        init: {} as RequestInit,
      })),
      queryString(['from', 'to', 'kind', 'limit']).map((qs) => ({
        path: `/api/v1/annotations?${qs}`,
        init: {} as RequestInit,
      })),
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ path, init }) => {
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
