/**
 * No configured secret in any output of a full run of the real entry point, in demo mode and in real mode
 * (against the emulator through AWS_ENDPOINT_URL*): every token and key set to a distinctive random value,
 * user:password in every URL setting, Grafana, Prometheus and a keep list served by a local stand-in.
 * The run: startup, queries, a plan, a real cleanup execution, the audit export, /metrics with the token in
 * every form a client might try, wrong tokens, status, shutdown. Then stdout and stderr, every response
 * (status, headers, body), the JSON-lines audit, the data directory's files (SQLite) and what the stand-in
 * received (its Authorization headers aside) are searched for every secret.
 */
import { CleanupRunsPage } from '@ecr-lens/contract';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PARAMS, generateFixture } from '../../src/demo/generate.js';
import type { RunningEmulator } from '../../src/demo/server.js';
import { startEmulator } from '../../src/demo/server.js';
import type { SidecarProcess } from './sidecar-process.js';
import { spawnSidecar } from './sidecar-process.js';
import type { StandIn } from './stand-in.js';
import { startStandIn } from './stand-in.js';
import { freePort } from '../support/free-port.js';

/** Random cores, each with the secret's prefix: any core found anywhere is a leak, whatever the encoding around it. */
const cores = new Map<string, string>();
const secret = (prefix: string, suffix = ''): string => {
  const core = randomBytes(12).toString('hex');
  cores.set(core, prefix);
  return `${prefix}${core}${suffix}`;
};

const S = {
  api: secret('api-'),
  admin: secret('admin-'),
  metrics: secret('metrics-'),
  grafanaToken: secret('glsa_'),
  // '/' and '@' are percent-encoded in the URL: both spellings must stay hidden.
  grafanaPassword: secret('gp/', '@x'),
  prometheusPassword: secret('pp-'),
  prometheusToken: secret('kpt-'),
  keepListPassword: secret('kl-'),
  awsSecretAccessKey: secret('wJalr/'),
  awsSessionToken: secret('IQoJb3JpZ2luX2Vj'),
  awsEndpointPassword: secret('ep-'),
};
const WRONG = 'wrong-token-presented-by-a-client-0123';

const withCredentials = (base: string, path: string, user: string, password: string): string => {
  const url = new URL(path, base);
  url.username = user;
  url.password = encodeURIComponent(password);
  return url.toString();
};

/** Released after each test, newest first: the sidecar stops before its stand-ins and its data directory go. */
const free: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const release of free.splice(0).reverse()) await release();
});

const tempDir = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `ecr-lens-${name}-`));
  free.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

async function standIn(grafanaStatus: number): Promise<StandIn> {
  const server = await startStandIn(grafanaStatus);
  free.push(() => server.close());
  return server;
}

function spawn(args: string[], env: Record<string, string>): SidecarProcess {
  const child = spawnSidecar(args, env);
  free.push(() => child.stop());
  return child;
}


/** Settings both modes share: every token, and credentials in the Grafana and keep-list URLs. */
function commonEnv(stand: StandIn, dataDir: string): Record<string, string> {
  return {
    LOG_LEVEL: 'debug',
    SIDECAR_API_TOKEN: S.api,
    SIDECAR_ADMIN_TOKEN: S.admin,
    METRICS_TOKEN: S.metrics,
    GRAFANA_URL: withCredentials(stand.url, '/grafana', 'grafana-user', S.grafanaPassword),
    GRAFANA_TOKEN: S.grafanaToken,
    IN_USE_KEEP_LISTS: withCredentials(stand.url, '/keep.txt', 'keep-user', S.keepListPassword),
    AWS_SECRET_ACCESS_KEY: S.awsSecretAccessKey,
    AWS_SESSION_TOKEN: S.awsSessionToken,
    CLEANUP_DELETE_ENABLED: 'true',
    CLEANUP_MAX_DELETIONS_PER_RUN: '5',
    CLEANUP_AUDIT_LOG: join(dataDir, 'audit.jsonl'),
    ECRLENS_DATA_DIR: dataDir,
  };
}

/** Every file of a directory (SQLite database, WAL, the audit copy), as text: the secrets are ASCII. */
const filesOf = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name)).toString('latin1')]));

/** The requests of a run, every response kept as status, headers and body. */
function client(base: string) {
  const responses: string[] = [];
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(`${base}${path}`, init);
    const body = await res.clone().text();
    // Only what the sidecar sent: the request (which may carry a token in its path) is not kept.
    responses.push(`${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body}`);
    return res;
  };
  return { responses, call };
}

const api = { authorization: `Bearer ${S.api}` };
const json = { 'content-type': 'application/json' };

/** The full run against a started sidecar; returns every response. `grafana`: the execute report's field. */
async function exercise(base: string, grafana: RegExp): Promise<string[]> {
  const { responses, call } = client(base);
  expect((await call('/healthz')).status).toBe(200);
  expect((await call('/readyz')).status).toBe(200);
  expect((await call('/api/v1/query', { method: 'POST', headers: { ...api, ...json }, body: JSON.stringify({ queryType: 'repositories' }) })).status).toBe(200);
  expect((await call('/api/v1/variables/repositories', { headers: api })).status).toBe(200);
  expect((await call(`/api/v1/annotations?kind=cleanup&from=0&to=${Date.now()}`, { headers: api })).status).toBe(200);
  const status = await call('/api/v1/status', { headers: api });
  expect(status.status).toBe(200);
  // The in-use sources are shown without their credentials.
  const sources = ((await status.json()) as { sources: { source: string; description: string }[] }).sources;
  expect(sources.map((s) => s.source)).toEqual(expect.arrayContaining(['kubernetes', 'keep-list']));

  const planRes = await call('/api/v1/cleanup/plan?limit=5', { headers: api });
  expect(planRes.status).toBe(200);
  const plan = (await planRes.json()) as { planId: string; summary: { delete: number } };
  expect(plan.summary.delete).toBeGreaterThan(0);
  const execute = (adminToken: string) =>
    call('/api/v1/cleanup/execute', { method: 'POST', headers: { ...api, ...json, 'x-admin-token': adminToken }, body: JSON.stringify({ planId: plan.planId, dryRun: false }) });
  expect((await execute(WRONG)).status).toBe(403);
  const run = await execute(S.admin);
  const report = (await run.json()) as { runId: string; deleted: unknown[]; deletedBytes: number; grafana: string; grafanaAnnotationId?: number };
  expect(run.status, JSON.stringify(report)).toBe(200);
  expect(report.deleted.length).toBeGreaterThan(0);
  expect(report.grafana).toMatch(grafana);
  // The stand-in answers as Grafana does, {"id":1}: the run keeps the id of the annotation it made.
  expect(report.grafanaAnnotationId).toBe(report.grafana === 'posted' ? 1 : undefined);

  // The Runs page's row: this run, the newest (the wrong token's 403 is not audited).
  const runs = await call('/api/v1/cleanup/runs?limit=1', { headers: api });
  expect(runs.status).toBe(200);
  const page = CleanupRunsPage.parse(await runs.json());
  expect(page.runs[0]).toMatchObject({
    runId: report.runId,
    planId: plan.planId,
    dryRun: false,
    outcome: 'succeeded',
    deleted: report.deleted.length,
    bytes: report.deletedBytes,
    grafana: report.grafana,
    grafanaAnnotationId: report.grafanaAnnotationId ?? null,
  });

  const audit = await call('/api/v1/cleanup/audit', { headers: api });
  expect(audit.status).toBe(200);
  expect(((await audit.json()) as { entries: unknown[] }).entries.length).toBeGreaterThan(0);
  const jsonl = await call('/api/v1/cleanup/audit?format=jsonl', { headers: api });
  expect((await jsonl.text()).trim().split('\n').length).toBeGreaterThan(1);

  // /metrics: the accepted form, then what a client might try instead (token in the path, the query, no scheme).
  const metrics = await call('/metrics', { headers: { authorization: `Bearer ${S.metrics}` } });
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain('ecr');
  const inPath = await call(`/metrics/${S.metrics}`);
  expect(inPath.status).toBe(404);
  expect(await inPath.json()).toEqual({ error: 'not_found', message: 'no route GET /metrics/[REDACTED]' });
  expect((await call(`/metrics?token=${S.metrics}`)).status).toBe(401);
  expect((await call('/metrics', { headers: { authorization: S.metrics } })).status).toBe(401);
  expect((await call('/metrics', { headers: { authorization: `Bearer ${WRONG}` } })).status).toBe(401);
  expect((await call('/api/v1/status', { headers: { authorization: `Bearer ${WRONG}` } })).status).toBe(401);
  expect((await call(`/api/v1/status?token=${S.api}`)).status).toBe(401);
  return responses;
}

/** Every output holding a secret, as `source: the secret …`. */
function leaks(outputs: Readonly<Record<string, string>>): string[] {
  return Object.entries(outputs).flatMap(([source, text]) =>
    [...cores].filter(([core]) => text.includes(core)).map(([core, prefix]) => `${source}: the secret ${prefix}${core}`),
  );
}

/** What the stand-in received, Authorization headers aside; and checks they carried the right secrets. */
function received(stand: StandIn, prometheusAuthorization: string): string {
  const grafana = stand.received.filter((r) => r.url === '/grafana/api/annotations');
  expect(grafana.map((r) => r.authorization)).toEqual([`Bearer ${S.grafanaToken}`]);
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const prometheus = stand.received.filter((r) => r.url.startsWith('/prometheus/'));
  expect(prometheus.length).toBeGreaterThan(0);
  expect(new Set(prometheus.map((r) => r.authorization))).toEqual(new Set([prometheusAuthorization]));
  const keepList = stand.received.filter((r) => r.url === '/keep.txt');
  expect(keepList.length).toBeGreaterThan(0);
  expect(new Set(keepList.map((r) => r.authorization))).toEqual(new Set([basic('keep-user', S.keepListPassword)]));
  return JSON.stringify(stand.received.map(({ authorization: _, ...rest }) => rest));
}

describe('no configured secret in any output of a full run', () => {
  it('main.ts --demo', async () => {
    // Grafana fails the post: the error, which names the endpoint, reaches the response, the audit and the log.
    const stand = await standIn(502);
    const dataDir = tempDir('secrets-demo');
    const child = spawn(['--demo'], {
      ...commonEnv(stand, dataDir),
      APP_PORT: '0',
      KUBERNETES_PROMETHEUS_URL: withCredentials(stand.url, '/prometheus', 'prom-user', S.prometheusPassword),
    });
    const banner = await child.waitFor('ECR Lens demo is running.');
    const base = /sidecar\s+(http:\/\/\S+)/.exec(banner)![1]!;
    const responses = await exercise(base, /^failed: POST http:\/\/\*\*\*@127\.0\.0\.1:\d+\/grafana\/api\/annotations: Grafana answered HTTP 502$/);
    expect(await child.stop()).toBe(0);

    const output = child.output();
    const auditLog = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8');
    // Where a URL setting is mentioned, it is masked; the token a client put in a path is masked in the log.
    expect(output).toMatch(/ {2}grafana {3}http:\/\/\*\*\*@127\.0\.0\.1:\d+\/grafana /);
    expect(output).toMatch(/ {2}pods {6}http:\/\/\*\*\*@127\.0\.0\.1:\d+\/prometheus /);
    expect(output).toMatch(/msg=listening .*grafana=http:\/\/\*\*\*@127\.0\.0\.1:\d+\/grafana prometheus=http:\/\/\*\*\*@/);
    expect(output).toMatch(/msg="grafana annotation failed" .*error="POST http:\/\/\*\*\*@127\.0\.0\.1:\d+\/grafana\/api\/annotations: Grafana answered HTTP 502"/);
    expect(output).toContain('path=/metrics/[REDACTED] status=404');
    expect(auditLog).toMatch(/"grafana":"failed: POST http:\/\/\*\*\*@127\.0\.0\.1:\d+\/grafana\/api\/annotations/);

    const prometheusAuth = `Basic ${Buffer.from(`prom-user:${S.prometheusPassword}`).toString('base64')}`;
    expect(leaks({ output, responses: responses.join('\n'), auditLog, ...filesOf(dataDir), standIn: received(stand, prometheusAuth) })).toEqual([]);
  }, 180_000);

  it('main.ts against AWS (the emulator, through AWS_ENDPOINT_URL with credentials)', async () => {
    const stand = await standIn(200);
    const dataDir = tempDir('secrets-real');
    const emulator: RunningEmulator = await startEmulator({
      fixture: generateFixture({ ...DEMO_PARAMS, accounts: 1, regions: 1, repositories: 4, imagesPerRepository: 15, repositoryPolicyShare: 0, lambdaFunctionsPerRegistry: 1 }),
      host: '127.0.0.1',
    });
    free.push(() => emulator.close());
    const port = await freePort();
    const endpoint = withCredentials(emulator.url, '/', 'aws-user', S.awsEndpointPassword);
    const child = spawn([], {
      ...commonEnv(stand, dataDir),
      APP_HOST: '127.0.0.1',
      APP_PORT: String(port),
      AWS_REGION: emulator.store.defaultRegion,
      AWS_ACCESS_KEY_ID: 'AKIASECRETSTEST00001',
      // The SDK drops credentials in an endpoint URL; they must not show either.
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_ECR: endpoint,
      AWS_ENDPOINT_URL_ECS: emulator.url,
      AWS_ENDPOINT_URL_LAMBDA: emulator.url,
      AWS_ENDPOINT_URL_STS: emulator.url,
      CLEANUP_DEFAULT_RULE: 'true',
      KUBERNETES_PROMETHEUS_URL: `${stand.url}/prometheus`,
      KUBERNETES_PROMETHEUS_TOKEN: S.prometheusToken,
    });
    await child.waitFor(/msg="refresh done"/);
    const responses = await exercise(`http://127.0.0.1:${port}`, /^posted$/);
    expect(await child.stop()).toBe(0);

    const output = child.output();
    expect(output).toMatch(/msg=listening .*grafana=http:\/\/\*\*\*@127\.0\.0\.1:\d+\/grafana prometheus=http:\/\/127\.0\.0\.1:\d+\/prometheus/);
    expect(output).toContain('path=/metrics/[REDACTED] status=404');
    const auditLog = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8');
    expect(auditLog).toContain('"grafana":"posted"');
    expect(leaks({ output, responses: responses.join('\n'), auditLog, ...filesOf(dataDir), standIn: received(stand, `Bearer ${S.prometheusToken}`) })).toEqual([]);
  }, 180_000);

  it('a bad URL setting fails startup naming the variable, without echoing the password', async () => {
    const child = spawn([], {
      AWS_REGION: 'us-east-1',
      ECRLENS_DATA_DIR: tempDir('secrets-bad'),
      // Not a URL (a space in the host): nothing can find its password, so nothing may echo the value.
      GRAFANA_URL: `http://grafana-user:${S.grafanaPassword}@grafana example/`,
      GRAFANA_TOKEN: S.grafanaToken,
      KUBERNETES_PROMETHEUS_URL: `http://prom-user:${S.prometheusPassword}@127.0.0.1:9/`,
      KUBERNETES_PROMETHEUS_TOKEN: S.prometheusToken,
      METRICS_TOKEN: S.metrics,
    });
    expect(await child.exited).toBe(2);
    const output = child.output();
    expect(output).toContain('GRAFANA_URL: must be an http(s) URL');
    expect(output).toContain('KUBERNETES_PROMETHEUS_TOKEN: cannot be combined with user:password in KUBERNETES_PROMETHEUS_URL');
    expect(leaks({ output })).toEqual([]);
  }, 60_000);
});
