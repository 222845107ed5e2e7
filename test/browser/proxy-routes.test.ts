/**
 * The plugin's routes as Grafana's data source proxy applies them (test/support/grafana-proxy.ts models
 * ds_proxy.go): executing a cleanup and forcing a refresh are for Grafana admins only, the admin token is
 * added only on the admin route, and the audit names the Grafana user that the proxy vouches for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSidecar, type DemoSidecar } from '../../sidecar/src/app/demo-sidecar.js';
import { DIST_DIR, ensurePluginBuilt } from '../support/browser-build.js';
import { GRAFANA_DS_AUTH_FAILED, startGrafanaProxy, type GrafanaProxy, type PluginRoute } from '../support/grafana-proxy.js';

const UID = 'ecr-lens';
const API = 'proxy-routes-api-token';
const ADMIN = 'proxy-routes-admin-token-0123456789';

let sidecar: DemoSidecar;
let proxy: GrafanaProxy;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  ensurePluginBuilt();
  const { routes } = JSON.parse(readFileSync(join(DIST_DIR, 'plugin.json'), 'utf8')) as { routes: PluginRoute[] };
  sidecar = await startDemoSidecar({
    synthetic: { accounts: 1, regions: 1, repositories: 4, imagesPerRepository: 6 },
    env: { SIDECAR_API_TOKEN: API, SIDECAR_ADMIN_TOKEN: ADMIN, CLEANUP_DELETE_ENABLED: 'true', TRUSTED_PROXIES: '127.0.0.1', REFRESH_MIN_INTERVAL: '0' },
  });
  proxy = await startGrafanaProxy({
    uid: UID,
    routes,
    jsonData: { sidecarUrl: sidecar.url },
    secureJsonData: { apiToken: API, adminToken: ADMIN },
    mounts: {},
    sendUserHeader: true,
  });
});

afterAll(async () => {
  await proxy?.close();
  await sidecar?.close();
});

const viaProxy = (path: string, init: RequestInit = {}) => fetch(`${proxy.url}/api/datasources/proxy/uid/${UID}/${path}`, init);

async function planId(): Promise<string> {
  const res = await viaProxy('sidecar/api/v1/cleanup/plan');
  expect(res.status).toBe(200);
  return ((await res.json()) as { planId: string }).planId;
}

const execute = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  viaProxy(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function auditedRuns(): Promise<{ event: string; who: Record<string, unknown> }[]> {
  const res = await fetch(`${sidecar.url}/api/v1/cleanup/audit`, { headers: { authorization: `Bearer ${API}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: { entry: { event: string; who: Record<string, unknown> } }[] }).entries.map((e) => e.entry);
}

describe('plugin routes through the Grafana proxy', () => {
  it("answers the sidecar's 401 as Grafana's ds_proxy does: a 400 with a plain-text body", async () => {
    proxy.setSecureJsonData({ apiToken: 'not-the-token', adminToken: ADMIN });
    try {
      const res = await viaProxy('sidecar/api/v1/status');
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe(GRAFANA_DS_AUTH_FAILED);
      expect(proxy.requests.at(-1)?.status).toBe(401);
    } finally {
      proxy.setSecureJsonData({ apiToken: API, adminToken: ADMIN });
    }
    expect((await viaProxy('sidecar/api/v1/status')).status).toBe(200);
  });

  it('lets viewers and editors read but not execute or refresh', async () => {
    const id = await planId();
    for (const role of ['Viewer', 'Editor'] as const) {
      proxy.setUser({ login: `a-${role.toLowerCase()}`, role });
      expect((await viaProxy('sidecar/api/v1/status')).status).toBe(200);
      for (const res of [await execute('sidecar/api/v1/cleanup/execute', { planId: id }), await viaProxy('sidecar/api/v1/refresh', { method: 'POST' })]) {
        expect(res.status).toBe(403);
        expect(await res.json()).toEqual({ message: 'plugin proxy route access denied' });
      }
    }
    // Refused by Grafana: the sidecar never saw them.
    expect(proxy.requests.filter((r) => /execute|refresh/.test(r.path))).toEqual([]);
    expect(await auditedRuns()).toEqual([]);
  });

  it('never adds the admin token outside the admin route, whatever path a viewer tries', async () => {
    const id = await planId();
    proxy.setUser({ login: 'mallory', role: 'Viewer' });
    const sneaky = ['sidecar//api/v1/cleanup/execute', 'sidecar/api/v1/cleanup//execute', 'sidecar/./api/v1/cleanup/execute', 'sidecar/api/v1/cleanup/%65xecute', 'sidecar/api/v1/Cleanup/execute'];
    for (const path of sneaky) {
      const res = await execute(path, { planId: id, dryRun: false });
      expect(res.status, path).not.toBe(200);
      expect([401, 403, 404, 400], path).toContain(res.status);
    }
    // A viewer who sends the header itself reaches the admin route's role check first.
    const forged = await execute('sidecar/api/v1/cleanup/execute', { planId: id, dryRun: false }, { 'x-admin-token': ADMIN });
    expect(forged.status).toBe(403);
    expect((await auditedRuns()).filter((e) => e.event === 'cleanup.started')).toEqual([]);
  });

  it('lets an admin execute, and the audit names the Grafana user', async () => {
    proxy.setUser({ login: 'alice', role: 'Admin' });
    const res = await execute('sidecar/api/v1/cleanup/execute', { planId: await planId() }, { 'x-grafana-user': 'forged-by-browser' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'dry_run', dryRun: true });
    const started = (await auditedRuns()).filter((e) => e.event === 'cleanup.started');
    expect(started).toHaveLength(1);
    expect(started[0]!.who).toMatchObject({ user: 'alice', via: '127.0.0.1', remoteAddress: '127.0.0.1' });

    const refresh = await viaProxy('sidecar/api/v1/refresh', { method: 'POST' });
    expect([200, 202]).toContain(refresh.status);
  });

  it('without an admin token stored, even an admin is refused by the sidecar', async () => {
    proxy.setUser({ login: 'alice', role: 'Admin' });
    proxy.setSecureJsonData({ apiToken: API });
    try {
      const res = await execute('sidecar/api/v1/cleanup/execute', { planId: await planId() });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'forbidden' });
    } finally {
      proxy.setSecureJsonData({ apiToken: API, adminToken: ADMIN });
    }
  });
});
