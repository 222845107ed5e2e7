/**
 * The plugin's routes as Grafana's proxies apply them (test/support/grafana-proxy.ts models ds_proxy.go and
 * pluginproxy.go): the data source reads with the API token and cannot execute; the app's execute and refresh
 * routes are for the role the app is set to (Admin, or Editor), the admin token is added only there, and the audit
 * names the Grafana user that the proxy vouches for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSidecar, type DemoSidecar } from '../../sidecar/src/app/demo-sidecar.js';
import { APP_ID, DIST_DIR, ensurePluginBuilt } from '../support/browser-build.js';
import { GRAFANA_DS_AUTH_FAILED, startGrafanaProxy, type GrafanaProxy, type PluginRoute } from '../support/grafana-proxy.js';

const UID = 'ecr-lens';
const API = 'proxy-routes-api-token';
const ADMIN = 'proxy-routes-admin-token-0123456789';

const ADMINS_ONLY = { sidecarUrl: '', executeRole: 'Admin', editorSidecarUrl: '' };
let sidecar: DemoSidecar;
let proxy: GrafanaProxy;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  ensurePluginBuilt();
  const routesOf = (file: string) => (JSON.parse(readFileSync(join(DIST_DIR, file), 'utf8')) as { routes: PluginRoute[] }).routes;
  sidecar = await startDemoSidecar({
    synthetic: { accounts: 1, regions: 1, repositories: 4, imagesPerRepository: 6 },
    env: { SIDECAR_API_TOKEN: API, SIDECAR_ADMIN_TOKEN: ADMIN, CLEANUP_DELETE_ENABLED: 'true', TRUSTED_PROXIES: '127.0.0.1', REFRESH_MIN_INTERVAL: '0' },
  });
  proxy = await startGrafanaProxy({
    uid: UID,
    routes: routesOf('datasource/plugin.json'),
    jsonData: { sidecarUrl: sidecar.url },
    secureJsonData: { apiToken: API },
    app: { id: APP_ID, routes: routesOf('plugin.json'), jsonData: { ...ADMINS_ONLY, sidecarUrl: sidecar.url }, secureJsonData: { apiToken: API, adminToken: ADMIN } },
    mounts: {},
    sendUserHeader: true,
  });
});

afterAll(async () => {
  await proxy?.close();
  await sidecar?.close();
});

const viaDatasource = (path: string, init: RequestInit = {}) => fetch(`${proxy.url}/api/datasources/proxy/uid/${UID}/${path}`, init);
const viaApp = (path: string, init: RequestInit = {}) => fetch(`${proxy.url}/api/plugin-proxy/${APP_ID}/${path}`, init);

async function planId(): Promise<string> {
  const res = await viaApp('sidecar/api/v1/cleanup/plan');
  expect(res.status).toBe(200);
  return ((await res.json()) as { planId: string }).planId;
}

const post = (via: typeof viaApp, path: string, body: unknown, headers: Record<string, string> = {}) =>
  via(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const execute = (path: string, body: unknown, headers: Record<string, string> = {}) => post(viaApp, path, body, headers);
const appSettings = (jsonData: Record<string, unknown>, secureJsonData: Record<string, string> = { apiToken: API, adminToken: ADMIN }) =>
  proxy.setAppSettings({ jsonData: { ...jsonData, sidecarUrl: sidecar.url }, secureJsonData });

async function auditedRuns(): Promise<{ event: string; who: Record<string, unknown> }[]> {
  const res = await fetch(`${sidecar.url}/api/v1/cleanup/audit`, { headers: { authorization: `Bearer ${API}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: { entry: { event: string; who: Record<string, unknown> } }[] }).entries.map((e) => e.entry);
}

describe('the data source proxy', () => {
  it("answers the sidecar's 401 as Grafana's ds_proxy does: a 400 with a plain-text body", async () => {
    proxy.setSecureJsonData({ apiToken: 'not-the-token' });
    try {
      const res = await viaDatasource('sidecar/api/v1/status');
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe(GRAFANA_DS_AUTH_FAILED);
      expect(proxy.requests.at(-1)?.status).toBe(401);
    } finally {
      proxy.setSecureJsonData({ apiToken: API });
    }
    expect((await viaDatasource('sidecar/api/v1/status')).status).toBe(200);
  });

  it('forwards only GETs and the query POST: nobody refreshes or executes through the data source, whatever their role', async () => {
    const id = await planId();
    for (const role of ['Viewer', 'Admin'] as const) {
      proxy.setUser({ login: `ds-${role.toLowerCase()}`, role });
      const before = proxy.requests.length;
      const refresh = await viaDatasource('sidecar/api/v1/refresh', { method: 'POST' });
      const executed = await post(viaDatasource, 'sidecar/api/v1/cleanup/execute', { planId: id });
      expect([refresh.status, executed.status], role).toEqual([404, 404]);
      expect(proxy.requests.slice(before), role).toEqual([]);
    }
    const query = await post(viaDatasource, 'sidecar/api/v1/query', { queryType: 'repositories' });
    expect(query.status).toBe(200);
    expect(proxy.requests.at(-1)).toMatchObject({ method: 'POST', target: `${sidecar.url}/api/v1/query`, status: 200 });
    expect((await auditedRuns()).filter((e) => e.event === 'cleanup.started')).toEqual([]);
  });
});

describe('the app proxy, executions for Admins', () => {
  beforeAll(() => appSettings(ADMINS_ONLY));

  it('lets every role read through the GET-only route, and nothing else reaches it', async () => {
    for (const role of ['Viewer', 'Editor', 'Admin'] as const) {
      proxy.setUser({ login: `a-${role.toLowerCase()}`, role });
      const res = await viaApp('sidecar/api/v1/cleanup/sources');
      expect(res.status, role).toBe(200);
      expect(proxy.requests.at(-1)!.target).toBe(`${sidecar.url}/api/v1/cleanup/sources`);
    }
    // The query string goes along; a POST to a read path matches no route.
    expect((await viaApp('sidecar/api/v1/cleanup/runs?limit=1')).status).toBe(200);
    expect(proxy.requests.at(-1)!.target).toBe(`${sidecar.url}/api/v1/cleanup/runs?limit=1`);
    const posted = await post(viaApp, 'sidecar/api/v1/cleanup/plan', {});
    expect(posted.status).toBe(404);
    expect(await posted.json()).toEqual({ message: 'plugin route match not found' });
  });

  it('refuses viewers and editors with 403 from Grafana: the sidecar never sees them', async () => {
    const id = await planId();
    const before = proxy.requests.length;
    for (const role of ['Viewer', 'Editor'] as const) {
      proxy.setUser({ login: `a-${role.toLowerCase()}`, role });
      for (const res of [await execute('sidecar/api/v1/cleanup/execute', { planId: id }), await viaApp('sidecar/api/v1/refresh', { method: 'POST' })]) {
        expect(res.status).toBe(403);
        expect(await res.json()).toEqual({ message: 'plugin proxy route access denied' });
      }
    }
    expect(proxy.requests.slice(before)).toEqual([]);
    expect(await auditedRuns()).toEqual([]);
  });

  it('leads the Editor routes nowhere while the app is set to Admins', async () => {
    const id = await planId();
    proxy.setUser({ login: 'eve', role: 'Editor' });
    const res = await execute('editor/api/v1/cleanup/execute', { planId: id, dryRun: false });
    expect(res.status).toBe(502);
    expect(proxy.requests.at(-1)).toMatchObject({ target: '/api/v1/cleanup/execute', status: 502 });
    proxy.setUser({ login: 'mallory', role: 'Viewer' });
    expect((await execute('editor/api/v1/cleanup/execute', { planId: id })).status).toBe(403);
    expect((await auditedRuns()).filter((e) => e.event === 'cleanup.started')).toEqual([]);
  });

  it('never adds the admin token outside the execute routes, whatever path a viewer tries', async () => {
    const id = await planId();
    proxy.setUser({ login: 'mallory', role: 'Viewer' });
    const sneaky = ['sidecar//api/v1/cleanup/execute', 'sidecar/api/v1/cleanup//execute', 'sidecar/./api/v1/cleanup/execute', 'sidecar/api/v1/cleanup/%65xecute', 'sidecar/api/v1/Cleanup/execute', 'sidecar/api/v1/cleanup/execute/'];
    for (const path of sneaky) {
      const res = await execute(path, { planId: id, dryRun: false });
      expect(res.status, path).not.toBe(200);
      expect([403, 404], path).toContain(res.status);
    }
    // A viewer who sends the header itself reaches the execute route's role check first.
    const forged = await execute('sidecar/api/v1/cleanup/execute', { planId: id, dryRun: false }, { 'x-admin-token': ADMIN });
    expect(forged.status).toBe(403);
    expect((await auditedRuns()).filter((e) => e.event === 'cleanup.started')).toEqual([]);
  });

  it('lets an admin execute, and the audit names the Grafana user, not what the browser claims', async () => {
    proxy.setUser({ login: 'alice', role: 'Admin' });
    // The route's own X-Admin-Token replaces one the browser sends (addHeaders sets it).
    const res = await execute('sidecar/api/v1/cleanup/execute', { planId: await planId() }, { 'x-grafana-user': 'forged-by-browser', 'x-admin-token': 'a-guess-0123456789' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'dry_run', dryRun: true });
    const started = (await auditedRuns()).filter((e) => e.event === 'cleanup.started');
    expect(started).toHaveLength(1);
    expect(started[0]!.who).toMatchObject({ user: 'alice', via: '127.0.0.1', remoteAddress: '127.0.0.1' });

    const refresh = await viaApp('sidecar/api/v1/refresh', { method: 'POST' });
    expect([200, 202]).toContain(refresh.status);
  });

  it('lets a Grafana server admin execute whatever their org role, as SignedInUser.HasRole does', async () => {
    proxy.setUser({ login: 'root', role: 'Viewer', isGrafanaAdmin: true });
    const res = await execute('sidecar/api/v1/cleanup/execute', { planId: await planId() });
    expect(res.status).toBe(200);
    const started = (await auditedRuns()).filter((e) => e.event === 'cleanup.started');
    expect(started.at(-1)!.who).toMatchObject({ user: 'root' });
  });

  it('without an admin token stored, even an admin is refused by the sidecar', async () => {
    proxy.setUser({ login: 'alice', role: 'Admin' });
    appSettings(ADMINS_ONLY, { apiToken: API });
    try {
      const res = await execute('sidecar/api/v1/cleanup/execute', { planId: await planId() });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'forbidden' });
    } finally {
      appSettings(ADMINS_ONLY);
    }
  });

  it('answers 404 while the app is disabled', async () => {
    proxy.setAppSettings({ enabled: false });
    try {
      expect((await viaApp('sidecar/api/v1/cleanup/sources')).status).toBe(404);
    } finally {
      proxy.setAppSettings({ enabled: true });
    }
  });
});

describe('the app proxy, executions for Editors', () => {
  beforeAll(() => appSettings({ executeRole: 'Editor', editorSidecarUrl: sidecar.url }));
  afterAll(() => appSettings(ADMINS_ONLY));

  it('lets an editor execute through the Editor route, audited under their name; a viewer still gets 403', async () => {
    const id = await planId();
    proxy.setUser({ login: 'erin', role: 'Editor' });
    const res = await execute('editor/api/v1/cleanup/execute', { planId: id });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'dry_run' });
    const started = (await auditedRuns()).filter((e) => e.event === 'cleanup.started');
    expect(started.at(-1)!.who).toMatchObject({ user: 'erin' });
    // The Admin route stays Admin-only.
    expect((await execute('sidecar/api/v1/cleanup/execute', { planId: id })).status).toBe(403);

    proxy.setUser({ login: 'mallory', role: 'Viewer' });
    expect((await execute('editor/api/v1/cleanup/execute', { planId: id })).status).toBe(403);
    expect((await viaApp('editor/api/v1/refresh', { method: 'POST' })).status).toBe(403);
  });
});
