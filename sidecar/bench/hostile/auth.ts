/**
 * Auth probes: every wrong way of presenting the API token (the security test's probes) on every /api/*
 * route the OpenAPI document lists plus the security test's own routes; every wrong metrics token on
 * /metrics; every wrong admin token on the execution route. Each must be refused (401, or 403 for the
 * admin token) with a JSON error; anything else is an auth bypass.
 */
import { API_ROUTES, probeTarget, wrongCredentials } from '../../test/support/auth-probes.js';
import type { Campaign, PartResult } from './part.js';
import { fmt, malformed, pool, statusList } from './part.js';

export interface AuthTarget {
  readonly url: string;
  readonly apiToken: string;
  readonly adminToken: string;
  readonly metricsToken: string;
  readonly wrongToken: string;
}

interface Probe {
  readonly what: string;
  readonly path: string;
  readonly init: RequestInit;
  readonly expect: number;
}

/** Every operation of the OpenAPI document under /api/, path parameters filled in. */
async function documentedRoutes(url: string): Promise<[string, string, string?][]> {
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const routes: [string, string, string?][] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const method of Object.keys(operations)) {
      const concrete = path.replace(/\{kind\}/g, 'repositories').replace(/\{[^}]+\}/g, 'x');
      routes.push([method.toUpperCase(), concrete, method === 'post' ? '{}' : undefined]);
    }
  }
  return routes;
}

export async function authPart(campaign: Campaign, t: AuthTarget): Promise<PartResult> {
  const part = 'auth';
  campaign.recorder.part = part;
  const documented = await documentedRoutes(t.url);
  const seen = new Set<string>();
  const routes = [...API_ROUTES, ...documented].filter(([method, path]) => !seen.has(`${method} ${path}`) && seen.add(`${method} ${path}`));
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const json = { 'content-type': 'application/json' };
  const probes: Probe[] = [];
  for (const [name, headers] of wrongCredentials({ api: t.apiToken, admin: t.adminToken, wrong: t.wrongToken }))
    for (const [method, path, body] of routes)
      probes.push({
        what: `${method} ${path} with ${name}`,
        path: probeTarget(name, path, t.apiToken),
        init: { method, headers: { ...json, ...headers }, ...(body ? { body } : {}) },
        expect: 401,
      });
  const metricsProbes: [string, Record<string, string>, string?][] = [
    ['no header', {}],
    ['the API token', bearer(t.apiToken)],
    ['the admin token', bearer(t.adminToken)],
    ['a wrong token', bearer(t.wrongToken)],
    ['a prefix of the metrics token', bearer(t.metricsToken.slice(0, -1))],
    ['the metrics token in another case', bearer(t.metricsToken.toUpperCase())],
    ['the bare metrics token', { authorization: t.metricsToken }],
    ['the metrics token in a query string', {}, `?token=${t.metricsToken}`],
  ];
  for (const [name, headers, query] of metricsProbes) probes.push({ what: `GET /metrics with ${name}`, path: `/metrics${query ?? ''}`, init: { headers }, expect: 401 });
  // The admin token is checked before the body is read: a valid API token and a wrong admin token get 403.
  const executeBody = JSON.stringify({ planId: '0'.repeat(64), dryRun: false });
  const adminProbes: [string, Record<string, string>, string?][] = [
    ['no admin token', {}],
    ['a wrong admin token', { 'x-admin-token': t.wrongToken }],
    ['the API token as admin token', { 'x-admin-token': t.apiToken }],
    ['the metrics token as admin token', { 'x-admin-token': t.metricsToken }],
    ['a truncated admin token', { 'x-admin-token': `Bearer ${t.adminToken.slice(1)}` }],
    ['the admin token in another case', { 'x-admin-token': t.adminToken.toUpperCase() }],
    ['the admin token with a suffix', { 'x-admin-token': `${t.adminToken}x` }],
    ['no admin token and a body that is not JSON', {}, 'not even json'],
  ];
  for (const [name, headers, body] of adminProbes)
    probes.push({
      what: `POST /api/v1/cleanup/execute with ${name}`,
      path: '/api/v1/cleanup/execute',
      init: { method: 'POST', headers: { ...json, ...bearer(t.apiToken), ...headers }, body: body ?? executeBody },
      expect: 403,
    });

  const failures: string[] = [];
  await pool(probes, campaign.concurrency, async (p) => {
    try {
      const res = await fetch(`${t.url}${p.path}`, p.init);
      const text = await res.text();
      if (res.status !== p.expect) failures.push(`${p.what} -> ${res.status} (expected ${p.expect}): ${text.slice(0, 120)}`);
      else if (p.expect === 401 && !/^Bearer/.test(res.headers.get('www-authenticate') ?? '')) failures.push(`${p.what}: 401 without WWW-Authenticate: Bearer`);
      const problem = malformed(res.status, res.headers.get('content-type'), text);
      if (problem) failures.push(`${p.what}: ${problem}`);
    } catch (error) {
      // Hangs are counted by the recorder; a connection closed mid-answer fails the check here too.
      if ((error as Error).name !== 'TimeoutError') failures.push(`${p.what}: ${(error as Error).message}`);
    }
  });
  // The right tokens open what they should: the probes above were refused for the right reason.
  const controls: [string, string, RequestInit][] = [
    ['the API token on a query', '/api/v1/query', { method: 'POST', headers: { ...json, ...bearer(t.apiToken) }, body: '{"queryType":"repositories","limit":1}' }],
    ['the metrics token on /metrics', '/metrics', { headers: bearer(t.metricsToken) }],
  ];
  for (const [what, path, init] of controls) {
    const res = await fetch(`${t.url}${path}`, init);
    await res.arrayBuffer();
    if (res.status !== 200) failures.push(`${what} -> ${res.status} (expected 200)`);
  }
  const bypasses = failures.filter((f) => / -> 2\d\d /.test(f)).length;
  return {
    part,
    kind: 'auth probes',
    inputs: probes.length,
    failures,
    lines: [
      `${routes.length} /api/* routes (${documented.length} from /openapi.json) x ${wrongCredentials({ api: 'x', admin: 'y', wrong: 'z' }).length} wrong credentials, ${metricsProbes.length} on /metrics, ${adminProbes.length} wrong admin tokens: ${fmt(probes.length)} probes`,
      `answers: ${statusList(campaign.recorder.of(part).byStatus)}; auth bypasses (a 2xx to a probe): ${bypasses}`,
    ],
  };
}
