process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { CleanupPlan } from '@ecr-lens/contract';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BatchDeleteImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CleanupService } from '../../src/cleanup/service.js';
import { ADMIN, d, EXPECTED_DELETES, startCleanupHarness, type CleanupHarness } from '../support/cleanup-fixture.js';

let harness: CleanupHarness;
let ecr: ECRClient;
let dir: string;
const listDigests = (name: string) => harness.listDigests(name);
const makeApp = (service: CleanupService) => harness.makeApp(service);
const serviceWith = (env: Record<string, string>) => harness.serviceWith(env);

beforeAll(async () => {
  harness = await startCleanupHarness();
  ({ ecr, dir } = harness);
});

afterAll(async () => {
  await harness?.close();
});

const post = (app: ReturnType<typeof makeApp>, body: unknown, headers: Record<string, string> = {}) =>
  app.request('/api/v1/cleanup/execute', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('cleanup against the emulator', () => {
  it('plans: exactly the expected deletions, with reasons, CSV and a query frame', async () => {
    const service = serviceWith({ CLEANUP_AUDIT_LOG: join(dir, 'a.jsonl') });
    const app = makeApp(service);
    const res = await app.request('/api/v1/cleanup/plan?repository=api&limit=100');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { planId: string; images: { digest: string; decision: string; reasons: { code: string; text: string }[] }[]; repositories: { status: string }[] };
    expect(body.planId).toMatch(/^[a-f0-9]{64}$/);
    expect(body.images.filter((i) => i.decision === 'delete').map((i) => i.digest).sort()).toEqual(EXPECTED_DELETES);
    const v3 = body.images.find((i) => i.digest === d('v3'))!;
    expect(v3.reasons.map((r) => r.text)).toContain('kept: used by service api in cluster prod (running task 3f2a1b2c…), by digest');
    expect(body.images.find((i) => i.digest === d('rel-amd'))!.reasons[0]!.code).toBe('index-child');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    // The whole plan, as the contract defines it, and the same text twice (its repositories are made once per plan).
    const whole = await app.request('/api/v1/cleanup/plan?limit=5');
    const text = await whole.text();
    const parsed = CleanupPlan.parse(JSON.parse(text));
    // Sent as UTF-8 bytes with their length in bytes.
    expect(Number(whole.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(parsed.images).toHaveLength(5);
    expect(parsed.repositories.map((r) => r.repository)).toContain('api');
    expect(await (await app.request('/api/v1/cleanup/plan?limit=5')).text()).toBe(text);

    const csv = await (await app.request('/api/v1/cleanup/plan.csv?repository=api')).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('repository,digest,tags');
    expect(lines.slice(1).map((l) => l.split(',')[1]).sort()).toEqual(EXPECTED_DELETES);
    expect(lines).toContain(`api,${d('v1')},v1`);

    const all = (await (await app.request('/api/v1/cleanup/plan?decision=keep&repository=worker')).json()) as { images: { reasons: { code: string }[] }[] };
    expect(all.images.map((i) => i.reasons[0]!.code)).toEqual(['no-rule', 'no-rule']);

    const frame = await app.request('/api/v1/query', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ queryType: 'cleanup', filters: { repository: 'api', decision: 'delete' } }),
    });
    expect(frame.status).toBe(200);
    const f = ((await frame.json()) as { frame: { fields: { name: string; values: unknown[] }[] } }).frame;
    expect((f.fields.find((x) => x.name === 'digest')!.values as string[]).sort()).toEqual(EXPECTED_DELETES);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = (await (await makeApp(serviceWith({})).request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/cleanup'))).toEqual([
      '/api/v1/cleanup/plan',
      '/api/v1/cleanup/plan.csv',
      '/api/v1/cleanup/lifecycle',
      '/api/v1/cleanup/sources',
      '/api/v1/cleanup/execute',
    ]);
  });

  it('answers 400 naming the field for bad filters', async () => {
    const app = makeApp(serviceWith({}));
    const res = await app.request('/api/v1/cleanup/plan?olderThanDays=soon&bogus=1');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: { path: string }[] };
    expect(body.issues.map((i) => i.path)).toEqual(['bogus']);
    const res2 = await app.request('/api/v1/cleanup/plan?olderThanDays=soon');
    expect(((await res2.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['olderThanDays']);
    // Numbers are decimal digits: hex, blanks, exponents and empty values are refused, not read as numbers.
    for (const query of ['limit=0x10', 'limit=%205', 'offset=', 'limit=1e3', 'notPulledForDays=0x1e', 'olderThanDays=%2030']) {
      const bad = await app.request(`/api/v1/cleanup/plan?${query}`);
      expect(bad.status, query).toBe(400);
      const path = query.slice(0, query.indexOf('='));
      expect(((await bad.json()) as { issues: { path: string }[] }).issues.map((i) => i.path), query).toEqual([path]);
    }
    expect((await app.request('/api/v1/cleanup/plan?limit=16&offset=0&olderThanDays=2.5')).status).toBe(200);
  });

  it('takes a repeated parameter as several values', async () => {
    const app = makeApp(serviceWith({}));
    const both = await app.request('/api/v1/cleanup/plan?repository=api&repository=worker');
    expect(both.status).toBe(200);
    const plan = (await both.json()) as { repositories: { repository: string }[] };
    expect(plan.repositories.map((r) => r.repository).sort()).toEqual(['api', 'worker']);
    const one = (await (await app.request('/api/v1/cleanup/plan?repository=api')).json()) as { repositories: { repository: string }[] };
    expect(one.repositories.map((r) => r.repository)).toEqual(['api']);
  });

  it('refuses execution without the flag or without the admin token', async () => {
    const disabled = makeApp(serviceWith({ SIDECAR_ADMIN_TOKEN: ADMIN }));
    const planId = 'a'.repeat(64);
    let res = await post(disabled, { planId }, { 'X-Admin-Token': ADMIN });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/CLEANUP_DELETE_ENABLED/);

    const enabled = makeApp(serviceWith({ SIDECAR_ADMIN_TOKEN: ADMIN, CLEANUP_DELETE_ENABLED: 'true', CLEANUP_AUDIT_LOG: join(dir, 'x.jsonl') }));
    res = await post(enabled, { planId });
    expect(res.status).toBe(403);
    res = await post(enabled, { planId }, { Authorization: 'Bearer wrong-token-0123456789' });
    expect(res.status).toBe(403);
    const noToken = makeApp(serviceWith({ CLEANUP_DELETE_ENABLED: 'true' }));
    res = await post(noToken, { planId }, { Authorization: `Bearer ${ADMIN}` });
    expect(res.status).toBe(403);
    res = await post(enabled, { planId: 'nope' }, { 'X-Admin-Token': ADMIN });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('planId');
  });

  it('dry-runs by default, refuses a stale plan id, then deletes exactly the plan', async () => {
    const audit = join(dir, 'audit', 'cleanup.jsonl');
    let grafanaBodies: unknown[] = [];
    const grafana = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        grafanaBodies.push({ auth: req.headers.authorization, url: req.url, body: JSON.parse(text) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1}');
      });
    });
    await new Promise<void>((r) => grafana.listen(0, '127.0.0.1', r));
    const grafanaUrl = `http://127.0.0.1:${(grafana.address() as AddressInfo).port}`;
    const service = serviceWith({
      SIDECAR_ADMIN_TOKEN: ADMIN,
      CLEANUP_DELETE_ENABLED: 'true',
      CLEANUP_AUDIT_LOG: audit,
      GRAFANA_URL: grafanaUrl,
      GRAFANA_TOKEN: 'glsa_test',
    });
    const app = makeApp(service);
    const before = await listDigests('api');
    const workerBefore = await listDigests('worker');

    const plan = (await (await app.request('/api/v1/cleanup/plan?repository=api')).json()) as { planId: string };
    let res = await post(app, { planId: plan.planId, repositories: ['api'] }, { 'X-Admin-Token': ADMIN });
    expect(res.status).toBe(200);
    const dry = (await res.json()) as { dryRun: boolean; outcome: string; deleted: { digest: string }[]; grafana: string };
    expect(dry).toMatchObject({ dryRun: true, outcome: 'dry_run', grafana: 'skipped-dry-run' });
    expect(dry.deleted.map((x) => x.digest).sort()).toEqual(EXPECTED_DELETES);
    expect(await listDigests('api')).toEqual(before);

    // The plan id covers its scope: without `repositories` the whole registry is in scope, another id.
    res = await post(app, { planId: plan.planId, dryRun: false }, { 'X-Admin-Token': ADMIN });
    expect(res.status).toBe(409);

    // Someone deletes v2 behind our back: the plan changes and the old id is refused.
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'api', imageIds: [{ imageDigest: d('v2') }] }));
    res = await post(app, { planId: plan.planId, repositories: ['api'], dryRun: false }, { 'X-Admin-Token': ADMIN });
    expect(res.status).toBe(409);
    const conflict = (await res.json()) as { currentPlanId: string };
    expect(conflict.currentPlanId).not.toBe(plan.planId);
    expect(await listDigests('api')).toEqual(before.filter((x) => x !== d('v2')));

    const fresh = (await (await app.request('/api/v1/cleanup/plan?repository=api')).json()) as { planId: string };
    expect(fresh.planId).toBe(conflict.currentPlanId);
    grafanaBodies = [];
    res = await post(app, { planId: fresh.planId, repositories: ['api'], dryRun: false }, { Authorization: `Bearer ${ADMIN}`, 'X-Grafana-User': 'alice' });
    expect(res.status).toBe(200);
    const run = (await res.json()) as { outcome: string; deleted: { digest: string }[]; failures: unknown[]; deletedBytes: number; grafana: string; runId: string };
    const expected = EXPECTED_DELETES.filter((x) => x !== d('v2'));
    expect(run.failures).toEqual([]);
    expect(run.outcome).toBe('succeeded');
    expect(run.deleted.map((x) => x.digest).sort()).toEqual(expected);
    expect(await listDigests('api')).toEqual(before.filter((x) => x !== d('v2') && !expected.includes(x)));
    expect(await listDigests('worker')).toEqual(workerBefore);
    expect(run.grafana).toBe('posted');
    expect(grafanaBodies).toHaveLength(1);
    expect(grafanaBodies[0]).toMatchObject({ auth: 'Bearer glsa_test', url: '/api/annotations', body: { tags: ['ecr-lens', 'cleanup'] } });
    expect(service.executions()).toMatchObject({ deletedImages: expected.length, executions: { dry_run: 1, refused: 2, succeeded: 1 } });

    const lines = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The real run audits each BatchDeleteImage call before and after it is sent: one call per index level here.
    const batchEvents = lines.slice(4, -1).map((l) => l.event);
    expect(lines.map((l) => l.event)).toEqual([
      'cleanup.started',
      'cleanup.finished',
      'cleanup.refused',
      'cleanup.refused',
      'cleanup.started',
      ...batchEvents.slice(1),
      'cleanup.finished',
    ]);
    expect(batchEvents.slice(1)).toEqual(['cleanup.batch.started', 'cleanup.batch.finished', 'cleanup.batch.started', 'cleanup.batch.finished']);
    const batches = lines.filter((l) => l.event === 'cleanup.batch.finished').flatMap((l) => l.deleted as string[]);
    expect(batches.sort()).toEqual(expected);
    const finished = lines[lines.length - 1]!;
    expect(finished).toMatchObject({ runId: run.runId, outcome: 'succeeded', dryRun: false, bytes: run.deletedBytes });
    expect((finished.deleted as string[]).map((x) => x.split('@')[1]).sort()).toEqual(expected);
    expect(finished.who).toMatchObject({ tokenFingerprint: createHash('sha256').update(ADMIN).digest('hex').slice(0, 12), user: null }); // X-Grafana-User from an untrusted sender is ignored
    expect(JSON.stringify(lines)).not.toContain(ADMIN);
    await new Promise<void>((r) => grafana.close(() => r()));
  });

  it('runs even when Grafana is down, and reports it', async () => {
    const service = serviceWith({
      SIDECAR_ADMIN_TOKEN: ADMIN,
      CLEANUP_DELETE_ENABLED: 'true',
      CLEANUP_AUDIT_LOG: join(dir, 'down.jsonl'),
      GRAFANA_URL: 'http://127.0.0.1:9',
      GRAFANA_TOKEN: 'glsa_test',
    });
    const app = makeApp(service);
    const plan = (await (await app.request('/api/v1/cleanup/plan?repository=worker')).json()) as { planId: string };
    const res = await post(app, { planId: plan.planId, repositories: ['worker'], dryRun: false }, { 'X-Admin-Token': ADMIN });
    expect(res.status).toBe(200);
    const run = (await res.json()) as { outcome: string; deleted: unknown[]; grafana: string };
    expect(run.deleted).toEqual([]);
    expect(run.grafana).toMatch(/^failed: /);
  });
});
