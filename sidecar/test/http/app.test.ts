import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import type { AppDeps, Logger } from '../../src/http/deps.js';
import { tokenMatches } from '../../src/http/auth.js';
import { NOW } from '../support/builders.js';
import { fakeInventory } from '../support/builders.js';
import { apiV1, sampleSnapshot } from '../support/sample.js';
import { testContext } from '../support/frames.js';

const TOKEN = 's3cret-token-value';

function app(patch: Partial<AppDeps> = {}, lines: string[] = []) {
  const logger: Logger = {
    debug: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`),
    info: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`),
    warn: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`),
    error: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`),
  };
  return createApp({ inventory: fakeInventory(sampleSnapshot()), query: testContext(), logger, ...patch });
}

const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('health', () => {
  it('healthz is always 200; readyz is 503 before the first snapshot, then 200 with freshness', async () => {
    const inventory = fakeInventory(undefined);
    const a = app({ inventory });
    expect((await a.request('/healthz')).status).toBe(200);
    const before = await a.request('/readyz');
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ ready: false, lastSuccessAt: null });
    expect((await a.request('/api/v1/query', post({ queryType: 'repositories' }))).status).toBe(503);
    inventory.set(sampleSnapshot(), { stale: true });
    const after = await a.request('/readyz');
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ ready: true, stale: true, snapshotVersion: 7, lastSuccessAt: NOW, refreshing: false, incomplete: true, incompleteCount: 1 });
  });
});

describe('request shape', () => {
  it('answers an oversized URL with a JSON 414 and a non-UTF-8 charset with a 415', async () => {
    const a = app();
    const long = await a.request(`/api/v1/annotations?from=0&to=10&repository=${'a'.repeat(17 * 1024)}`);
    expect(long.status).toBe(414);
    expect(await long.json()).toMatchObject({ error: 'uri_too_long' });
    const utf16 = await a.request('/api/v1/query', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-16' }, body: '{}' });
    expect(utf16.status).toBe(415);
    expect(await utf16.json()).toMatchObject({ error: 'unsupported_media_type', message: 'charset utf-16 is not supported: send UTF-8' });
    const utf8 = await a.request('/api/v1/query', post({ queryType: 'repositories' }, { 'content-type': 'application/json; charset=UTF-8' }));
    expect(utf8.status).toBe(200);
  });
});

describe('reports', () => {
  it('refuses an unsupported repository glob with a 400 before streaming, on every report', async () => {
    const a = app();
    for (const report of ['images.csv', 'images.json', 'repositories.csv', 'repositories.json']) {
      const res = await a.request(`/api/v1/reports/${report}?repository=${encodeURIComponent('+(*)+(*)x')}`);
      expect(res.status, report).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'bad_request', message: expect.stringContaining('extglob') });
    }
    expect((await a.request(`/api/v1/reports/images.csv?repository=${encodeURIComponent('*a*a*a*a*b')}`)).status).toBe(200);
  });
});

describe('request log', () => {
  it('logs the 503s of startup at debug level, not as errors', async () => {
    const levels: string[] = [];
    const logger: Logger = {
      debug: (m) => levels.push(`debug ${m}`),
      info: (m) => levels.push(`info ${m}`),
      warn: (m) => levels.push(`warn ${m}`),
      error: (m) => levels.push(`error ${m}`),
    };
    const inventory = fakeInventory(undefined);
    const a = createApp({ inventory, query: testContext(), logger });
    expect((await a.request('/readyz')).status).toBe(503);
    expect((await a.request('/api/v1/query', post({ queryType: 'repositories' }))).status).toBe(503);
    expect(levels).toEqual(['debug request', 'debug request']);
  });
});

describe('query', () => {
  it('answers a frame and the total, cached on repeat', async () => {
    const a = app();
    const res = await a.request('/api/v1/query', post({ queryType: 'images', filters: { tag: 'v1' } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('miss');
    const body = (await res.json()) as { total: number; frame: { fields: { name: string; values: unknown[] }[] } };
    expect(body.total).toBe(1);
    expect(body.frame.fields.find((f) => f.name === 'digest')?.values).toEqual([apiV1.digest]);
    expect((await a.request('/api/v1/query', post({ queryType: 'images', filters: { tag: 'v1' } }))).headers.get('x-cache')).toBe('hit');
  });

  const BAD: [string, unknown, string][] = [
    ['wrong type', { queryType: 'images', limit: 'ten' }, 'limit'],
    ['unknown queryType', { queryType: 'everything' }, 'queryType'],
    ['huge limit', { queryType: 'images', limit: 1_000_000 }, 'limit'],
    ['negative offset', { queryType: 'images', offset: -1 }, 'offset'],
    ['unknown field', { queryType: 'images', colour: 'red' }, 'colour'],
    ['unknown filter', { queryType: 'images', filters: { size: 1 } }, 'filters.size'],
    ['bad severity', { queryType: 'images', filters: { minSeverity: 'SEVERE' } }, 'filters.minSeverity'],
    ['bad registry', { queryType: 'images', filters: { registry: 'abc' } }, 'filters.registry'],
    ['bad time', { queryType: 'images', filters: { pushedAfter: 'yesterday' } }, 'filters.pushedAfter'],
    ['bad sort order', { queryType: 'images', sort: { field: 'digest', order: 'up' } }, 'sort.order'],
    ['unknown sort column', { queryType: 'images', sort: { field: 'colour' } }, 'sort.field'],
    ['filter not for type', { queryType: 'cost', filters: { tag: 'v1' } }, 'filters.tag'],
    ['findings without digest', { queryType: 'findings' }, 'filters.digest'],
    ['missing queryType', {}, 'queryType'],
    ['array body', [1, 2], '(root)'],
    ['malformed JSON', '{"queryType": ', 'body'],
  ];
  it.each(BAD)('answers 400 JSON naming the field: %s', async (_name, body, path) => {
    const res = await app().request('/api/v1/query', post(body));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const json = (await res.json()) as { error: string; message: string; issues: { path: string }[] };
    expect(json.error).toBe('bad_request');
    expect(json.issues.map((i) => i.path)).toContain(path);
  });

  it('rejects a body over the limit with 413 JSON and a wrong media type with 415 JSON', async () => {
    const big = await app().request('/api/v1/query', post({ queryType: 'images', filters: { repository: ['x'.repeat(200)] }, pad: 'y'.repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toBe('payload_too_large');
    const text = await app().request('/api/v1/query', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: string }).error).toBe('unsupported_media_type');
  });

  it('answers unexpected errors with a 500 JSON free of internals', async () => {
    const a = app({ query: { ...testContext(), now: () => { throw new Error('db password=hunter2'); } } });
    const res = await a.request('/api/v1/query', post({ queryType: 'repositories' }));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error":"internal","message":"internal error"}');
  });
});

describe('auth', () => {
  it('requires the bearer token on /api/* only, and never echoes or logs it', async () => {
    const lines: string[] = [];
    const a = app({ apiToken: TOKEN }, lines);
    const none = await a.request('/api/v1/status');
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'unauthorized', message: 'missing or invalid bearer token' });
    const wrong = await a.request('/api/v1/status', { headers: { authorization: 'Bearer s3cret-token-valuf' } });
    expect(wrong.status).toBe(401);
    expect((await a.request('/api/v1/query', post({ queryType: 'cost' }, { authorization: `Basic ${TOKEN}` }))).status).toBe(401);
    const right = await a.request('/api/v1/status', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect((await a.request('/healthz')).status).toBe(200);
    expect((await a.request('/openapi.json')).status).toBe(200);
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(lines.join('\n')).not.toContain('valuf');
  });

  it('compares tokens in full', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
  });
});

describe('headers, CORS, not found', () => {
  it('sets secure headers, keeps CORS closed by default, opens it for configured origins', async () => {
    const closed = await app().request('/healthz', { headers: { origin: 'https://evil.example' } });
    expect(closed.headers.get('x-content-type-options')).toBe('nosniff');
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();
    const open = await app({ corsOrigins: ['https://grafana.example'] }).request('/healthz', { headers: { origin: 'https://grafana.example' } });
    expect(open.headers.get('access-control-allow-origin')).toBe('https://grafana.example');
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await app().request('/api/v1/nothing');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found', message: 'no route GET /api/v1/nothing' });
  });
});

describe('variables and annotations', () => {
  it('serves template variables as [{text, value}]', async () => {
    const a = app();
    const get = async (path: string) => (await a.request(path)).json();
    expect(await get('/api/v1/variables/registries')).toEqual([
      { text: '111111111111', value: '111111111111' },
      { text: '222222222222', value: '222222222222' },
    ]);
    expect(await get('/api/v1/variables/regions?registry=111111111111')).toEqual([
      { text: 'eu-west-1', value: 'eu-west-1' },
      { text: 'us-east-1', value: 'us-east-1' },
    ]);
    expect(await get('/api/v1/variables/repositories?region=us-east-1')).toEqual([
      { text: 'empty', value: 'empty' },
      { text: 'team/api', value: 'team/api' },
    ]);
    expect(await get('/api/v1/variables/tags?repository=team/api')).toEqual([
      { text: 'v1', value: 'v1' },
      { text: 'latest', value: 'latest' },
      { text: 'v0', value: 'v0' },
    ]);
    expect(await get('/api/v1/variables/clusters')).toEqual([
      { text: 'prod', value: 'prod' },
      { text: 'staging', value: 'staging' },
    ]);
    // Chained: lists (as multi-value variables send them) and repository globs narrow every kind.
    expect(await get('/api/v1/variables/repositories?registry=111111111111,222222222222&region=us-east-1,eu-west-1')).toEqual(
      await get('/api/v1/variables/repositories'),
    );
    expect(await get('/api/v1/variables/tags?repository=team/api,empty')).toEqual(await get('/api/v1/variables/tags?repository=team/*'));
    expect(await get('/api/v1/variables/tags?repository=team/api&registry=222222222222')).toEqual([]);
    const badRegistry = await a.request('/api/v1/variables/repositories?registry=111111111111,nope');
    expect(badRegistry.status).toBe(400);
    expect(((await badRegistry.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('registry');
    const missing = await a.request('/api/v1/variables/tags');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('repository');
    const badKind = await a.request('/api/v1/variables/planets');
    expect(badKind.status).toBe(400);
    expect(((await badKind.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('kind');
  });

  it('serves image pushes in the range, newest first, and plugged-in kinds', async () => {
    const a = app({ annotationKinds: { cleanup: () => [{ time: 1, title: 'Deleted', text: 'x', tags: ['cleanup'] }] } });
    const res = await a.request(`/api/v1/annotations?from=${NOW - 3 * 86_400_000}&to=${new Date(NOW).toISOString()}&kind=push`);
    expect(res.status).toBe(200);
    const events = (await res.json()) as { time: number; text: string; tags: string[] }[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ time: apiV1.pushedAt, title: 'Push to team/api', tags: ['push', 'team/api', 'v1', 'latest'] });
    expect(events[0]!.text).toBe(`team/api: v1, latest (image, ${apiV1.digest})`);
    expect(await (await a.request('/api/v1/annotations?from=0&to=10&kind=cleanup')).json()).toHaveLength(1);
    const bad = await a.request('/api/v1/annotations?from=abc&to=10');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('from');
    const unknownKind = await a.request('/api/v1/annotations?from=0&to=10&kind=deploy');
    expect(((await unknownKind.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('kind');
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const polluting = await a.request(`/api/v1/annotations?from=0&to=10&${key}=1`);
      expect(polluting.status, key).toBe(400);
      expect(((await polluting.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe(key);
    }
    const hexLimit = await a.request('/api/v1/annotations?from=0&to=10&limit=0x10');
    expect(hexLimit.status).toBe(400);
    expect(((await hexLimit.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('limit');
  });
  it('narrows annotations to a registry, region and repository scope given as comma lists', async () => {
    const a = app();
    const range = `from=${NOW - 3 * 86_400_000}&to=${NOW}&kind=push`;
    const count = async (scope: string) => ((await (await a.request(`/api/v1/annotations?${range}&${scope}`)).json()) as unknown[]).length;
    expect(await count('repository=team/api')).toBe(1);
    expect(await count('repository=other,team/*')).toBe(1);
    expect(await count('repository={web,team/api}')).toBe(1);
    expect(await count('repository=web')).toBe(0);
    expect(await count('registry=222222222222')).toBe(0);
    expect(await count('region=us-east-1,eu-west-1')).toBe(1);
    const bad = await a.request(`/api/v1/annotations?${range}&region=us-east-1,mars`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('region');
  });
});

describe('refresh and status', () => {
  it('runs a refresh and reports the outcome; 429 when rate-limited', async () => {
    const inventory = fakeInventory(sampleSnapshot());
    const ok = await app({ inventory }).request('/api/v1/refresh', { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ started: true, status: { ready: true, snapshotVersion: 7 } });
    expect(inventory.refreshCalls).toBe(1);
    const limited = fakeInventory(sampleSnapshot(), (status) => ({ started: false, reason: 'rate-limited', status }));
    expect((await app({ inventory: limited }).request('/api/v1/refresh', { method: 'POST' })).status).toBe(429);
    // A refresh that ends only when the test says so: the route stops waiting after refreshWaitMs and answers 202.
    let finish!: () => void;
    const slow = fakeInventory(sampleSnapshot(), (status) => new Promise((r) => (finish = () => r({ started: true, status }))));
    expect((await app({ inventory: slow, limits: { refreshWaitMs: 10 } }).request('/api/v1/refresh', { method: 'POST' })).status).toBe(202);
    finish();
  });

  it('reports status with the snapshot summary', async () => {
    const body = (await (await app().request('/api/v1/status')).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ ready: true, stale: false, snapshotVersion: 7, snapshot: { repositories: 3, images: 7, clusters: 2, registries: 3 } });
    expect((body.incomplete as unknown[]).length).toBe(1);
  });
});

describe('extension and OpenAPI', () => {
  it('mounts extra route modules behind auth, and documents every route', async () => {
    const a = app({
      apiToken: TOKEN,
      routes: [(r) => r.get('/api/v1/cleanup/ping', (c) => c.json({ pong: true }))],
    });
    expect((await a.request('/api/v1/cleanup/ping')).status).toBe(401);
    expect((await a.request('/api/v1/cleanup/ping', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    const doc = (await (await a.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, object> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/v1/annotations',
        '/api/v1/query',
        '/api/v1/refresh',
        '/api/v1/reports/images.csv',
        '/api/v1/reports/images.json',
        '/api/v1/reports/repositories.csv',
        '/api/v1/reports/repositories.json',
        '/api/v1/status',
        '/api/v1/variables/{kind}',
        '/healthz',
        '/readyz',
      ].sort(),
    );
  });
});
