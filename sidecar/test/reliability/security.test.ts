/**
 * Security, over real HTTP against the sidecar with every secret configured: bearer auth on /api/*,
 * the admin token for cleanup execution, no secret in the logs (captured at debug level through error
 * paths) nor in any answer, CORS closed by default, safe response headers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { configSecrets } from '../../src/secrets.js';
import type { RunningEmulator } from '../../src/demo/index.js';
import { API_ROUTES, probeTarget, wrongCredentials } from '../support/auth-probes.js';
import type { TestSidecar } from './support.js';
import {
  capturingLogger,
  fetchWithin,
  smallFixture,
  startSidecar,
  startSmallEmulator,
  triggerRefresh,
} from './support.js';

const API = 'api-Tok3n-reliability-0123456789';
const ADMIN = 'admin-Tok3n-reliability-abcdef0123';
const GRAFANA = 'glsa_grafanaServiceAccountToken_0123456789abcdef';
const METRICS = 'metrics-Tok3n-reliability-42';
const AWS = { accessKeyId: 'AKIARELIABILITY00001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYRELIABILITYKEY' };
/** Presented by a caller, never configured: must not be echoed or logged either. */
const WRONG = 'wrong-Tok3n-presented-by-a-caller-987';
const SECRETS = [API, ADMIN, GRAFANA, METRICS, AWS.secretAccessKey, WRONG];

const fixture = smallFixture({}, false);
let emulator: RunningEmulator;
let sidecar: TestSidecar;
let dir: string;
let auditLog: string;
const captured = { lines: [] as string[] };
/** Every response body seen in this file, checked for secrets at the end. */
const bodies: string[] = [];

const env = () => ({
  SIDECAR_API_TOKEN: API,
  SIDECAR_ADMIN_TOKEN: ADMIN,
  CLEANUP_DELETE_ENABLED: 'true',
  CLEANUP_DEFAULT_RULE: 'true',
  CLEANUP_AUDIT_LOG: auditLog,
  // Unreachable: the annotation after an execution fails, an error path that must not log the token.
  GRAFANA_URL: 'http://127.0.0.1:9/grafana',
  GRAFANA_TOKEN: GRAFANA,
  METRICS_TOKEN: METRICS,
  LOG_LEVEL: 'debug',
  AWS_MAX_ATTEMPTS: '2', // the AWS error paths below fail fast
});

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetchWithin(`${sidecar.url}${path}`, init);
  const text = await res.clone().text();
  // Reflecting what the caller sent is no leak: only answers to requests without a secret in the URL or body count.
  const sent = `${path} ${typeof init.body === 'string' ? init.body : ''}`;
  if (!SECRETS.some((secret) => sent.includes(secret)))
    bodies.push(`${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`);
  return res;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-lens-security-'));
  auditLog = join(dir, 'audit.jsonl');
  emulator = await startSmallEmulator(fixture);
  // As main.ts builds it: redacting the configured secrets.
  const { log, lines } = capturingLogger(configSecrets(loadConfig({ AWS_REGION: 'us-east-1', ...env() })));
  captured.lines = lines;
  sidecar = await startSidecar({ emulator, env: env(), log, credentials: AWS });
});

afterAll(async () => {
  await sidecar?.close();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  const wrong = wrongCredentials({ api: API, admin: ADMIN, wrong: WRONG });
  it.each(wrong)('401 JSON on every /api/* route with %s', async (_, headers) => {
    for (const [method, path, body] of API_ROUTES) {
      const target = probeTarget(_, path, API);
      const res = await call(target, { method, headers: { ...json, ...headers }, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.json()).toEqual({ error: 'unauthorized', message: expect.any(String) });
    }
  });

  it('the right token opens /api/*; health and readiness need none', async () => {
    expect(
      (
        await call('/api/v1/query', {
          method: 'POST',
          headers: { ...json, ...bearer(API) },
          body: '{"queryType":"repositories"}',
        })
      ).status,
    ).toBe(200);
    expect((await call('/api/v1/cleanup/plan?limit=1', { headers: bearer(API) })).status).toBe(200);
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/readyz')).status).toBe(200);
  });

  it('/metrics takes its own token (METRICS_TOKEN)', async () => {
    expect((await call('/metrics')).status).toBe(401);
    expect((await call('/metrics', { headers: bearer(API) })).status).toBe(401);
    expect((await call('/metrics', { headers: bearer(METRICS) })).status).toBe(200);
  });
});

describe('cleanup execution', () => {
  const execute = (body: unknown, headers: Record<string, string>) =>
    call('/api/v1/cleanup/execute', {
      method: 'POST',
      headers: { ...json, ...bearer(API), ...headers },
      body: JSON.stringify(body),
    });

  it('403 without the admin token, or with a wrong one, before the body is even read', async () => {
    const plan = (await (await call('/api/v1/cleanup/plan?limit=1', { headers: bearer(API) })).json()) as {
      planId: string;
    };
    for (const headers of [
      {} as Record<string, string>,
      { 'x-admin-token': WRONG },
      { 'x-admin-token': API },
      { 'x-admin-token': `Bearer ${ADMIN.slice(1)}` },
    ]) {
      const res = await execute({ planId: plan.planId, dryRun: false }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'forbidden' });
    }
    expect((await execute('not even json', {})).status).toBe(403);
    expect(readAudit()).toEqual([]);
  });

  it('403 when execution is not enabled, even with the admin token', async () => {
    const { CLEANUP_DELETE_ENABLED: _off, ...rest } = env();
    const other = await startSidecar({ emulator, env: rest, credentials: AWS });
    try {
      const res = await fetchWithin(`${other.url}/api/v1/cleanup/execute`, {
        method: 'POST',
        headers: { ...json, ...bearer(API), 'x-admin-token': ADMIN },
        body: JSON.stringify({ planId: 'a'.repeat(64) }),
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({
        error: 'forbidden',
        message: expect.stringContaining('CLEANUP_DELETE_ENABLED'),
      });
    } finally {
      await other.close();
    }
  });

  it('with the admin token: a real run, audited by token fingerprint, never by token', async () => {
    const repository = fixture.registries[0]!.repositories[0]!.name;
    const plan = (await (
      await call(`/api/v1/cleanup/plan?repository=${encodeURIComponent(repository)}&limit=1`, { headers: bearer(API) })
    ).json()) as {
      planId: string;
    };
    const res = await execute(
      { planId: plan.planId, repositories: [repository], dryRun: false },
      { 'x-admin-token': ADMIN },
    );
    expect(res.status).toBe(200);
    const audit = readAudit();
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain(ADMIN);
  });
});

function readAudit(): unknown[] {
  try {
    return readFileSync(auditLog, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
  } catch {
    return [];
  }
}

describe('CORS and headers', () => {
  it('CORS is closed by default: no Access-Control-* on cross-origin requests or preflights', async () => {
    const origin = 'https://evil.example';
    const answers = [
      await call('/api/v1/query', {
        method: 'POST',
        headers: { ...json, ...bearer(API), origin },
        body: '{"queryType":"repositories"}',
      }),
      await call('/api/v1/query', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      }),
      await call('/metrics', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } }),
      await call('/healthz', { headers: { origin } }),
    ];
    for (const res of answers) {
      for (const name of res.headers.keys()) expect(name).not.toMatch(/^access-control-/);
    }
    expect(answers[1]!.status).toBeGreaterThanOrEqual(400);
  });

  it('safe headers on successes and errors alike', async () => {
    const answers = [
      await call('/healthz'),
      await call('/api/v1/query', {
        method: 'POST',
        headers: { ...json, ...bearer(API) },
        body: '{"queryType":"repositories"}',
      }),
      await call('/api/v1/query', { method: 'POST', headers: json, body: '{}' }),
      await call('/api/v1/query', { method: 'POST', headers: { ...json, ...bearer(API) }, body: '{"queryType":1}' }),
      await call('/nope'),
      await call('/api/v1/query', { method: 'POST', headers: { ...json, ...bearer(API) }, body: 'x'.repeat(100_000) }),
      await call('/metrics', { headers: bearer(METRICS) }),
    ];
    for (const res of answers) {
      const h = res.headers;
      const where = `${res.status} ${res.url}`;
      expect(h.get('x-content-type-options'), where).toBe('nosniff');
      const framing =
        /^(DENY|SAMEORIGIN)$/i.test(h.get('x-frame-options') ?? '') ||
        /frame-ancestors/.test(h.get('content-security-policy') ?? '');
      expect(framing, where).toBe(true);
      expect(h.get('referrer-policy'), where).toBeTruthy();
      expect(h.get('x-powered-by'), where).toBeNull();
      expect(h.get('server') ?? '', where).not.toMatch(/\d/); // no version banner
    }
  });
});

describe('no secret in the logs or in any answer', () => {
  it('error paths included: bad input, AWS failures, a failed refresh, a failed Grafana annotation', async () => {
    // AWS errors of every kind, then AWS gone: refresh failures are logged.
    emulator.controls.update({
      faults: { 'ecr:*': { serverErrorProbability: 0.3 }, 'ecs:*': { throttleProbability: 0.5 } },
    });
    await triggerRefresh(sidecar, bearer(API));
    emulator.controls.update({ faults: { '*': { serverErrorProbability: 1 } } });
    await triggerRefresh(sidecar, bearer(API));
    emulator.controls.clearFaults();
    await call('/api/v1/query', {
      method: 'POST',
      headers: { ...json, ...bearer(API) },
      body: `{"queryType":"${API}"}`,
    });
    await call('/api/v1/query', { method: 'POST', headers: { ...json, authorization: `Bearer ${WRONG}` }, body: '{}' });
    await call(`/api/v1/variables/bogus?repository=${ADMIN}`, { headers: bearer(API) });
    await call(`/api/v1/no-route?token=${API}`, { headers: bearer(API) });

    const logs = captured.lines.join('\n');
    expect(captured.lines.length).toBeGreaterThan(20);
    expect(logs).toMatch(/level=error/); // the error paths were really taken
    for (const secret of SECRETS) {
      expect(logs.includes(secret), `a log line holds ${secret.slice(0, 6)}…`).toBe(false);
      for (const body of bodies)
        expect(body.includes(secret), `an answer holds ${secret.slice(0, 6)}…: ${body.slice(0, 300)}`).toBe(false);
    }
    expect(readFileSync(auditLog, 'utf8')).not.toMatch(
      new RegExp(SECRETS.map((s) => s.replace(/[/+]/g, '\\$&')).join('|')),
    );
  });
});
