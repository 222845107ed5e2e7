/**
 * Every panel's query against real data: a demo sidecar (embedded AWS emulator) answers the ECR Lens
 * targets as the plugin sends them, and a real Prometheus scraping it answers every PromQL expression.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSidecar } from '../../sidecar/src/app/demo-sidecar.js';
import { startPrometheus, type PrometheusHandle } from '../support/prometheus.js';
import {
  alertRuleExpressions,
  DASHBOARD_FILES,
  ecrAnnotationTargets,
  ecrPanelTargets,
  ecrVariableQueries,
  promExpressions,
  promForTest,
  readDashboard,
  ROOT,
  type Json,
} from './dashboards-support.js';
import { panelRange, pluginQueryRequest, type VariableValues } from './plugin-request.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

type Sidecar = Awaited<ReturnType<typeof startDemoSidecar>>;
let sidecar: Sidecar;
let prometheus: PrometheusHandle;
/** "All" for every scope variable, as Grafana sends it, plus a digest picked from the data. */
let values: VariableValues;
const now = Date.now();
const RANGE = { from: now - 30 * 86_400_000, to: now };

const dashboards = DASHBOARD_FILES.map(readDashboard);

async function call<T>(path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (sidecar.token) headers.authorization = `Bearer ${sidecar.token}`;
  const res = await fetch(`${sidecar.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as T };
}

const variable = async (kind: string): Promise<string[]> =>
  (await call<{ value: string }[]>(`/api/v1/variables/${kind}`)).json.map((v) => v.value);

beforeAll(async () => {
  sidecar = await startDemoSidecar();
  values = { registry: await variable('registries'), region: await variable('regions'), repository: await variable('repositories') };
  const images = await call<{ frame: { fields: { name: string; values: unknown[] }[] } }>('/api/v1/query', {
    queryType: 'images',
    filters: { minSeverity: 'HIGH' },
    limit: 1,
  });
  const digest = images.json.frame.fields.find((f) => f.name === 'digest')?.values[0];
  values = { ...values, digest: String(digest) };
  prometheus = await startPrometheus({
    scrapeConfigs: [
      {
        job_name: 'ecr-lens',
        metrics_path: '/metrics',
        static_configs: [{ targets: [new URL(sidecar.url).host] }],
      },
    ],
    ruleFiles: [join(ROOT, 'provisioning/prometheus/rules/ecr-lens.yml')],
  });
});

afterAll(async () => {
  await prometheus?.stop();
  await sidecar?.close();
});

describe('ECR Lens panels against a demo sidecar', () => {
  it('the variables have values', () => {
    expect(values.registry.length).toBeGreaterThan(0);
    expect(values.region.length).toBeGreaterThan(0);
    expect(values.repository.length).toBeGreaterThan(0);
    expect(values.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it.each(dashboards.flatMap((d) => ecrPanelTargets(d).map((t) => [t.where, t] as const)))(
    '%s returns a non-empty frame',
    async (_where, { value, panel }) => {
      const body = await pluginQueryRequest(value, values, panelRange(panel as Json | undefined, RANGE));
      const res = await call<{ frame?: { fields: { values: unknown[] }[]; meta: { totalRows: number } } }>('/api/v1/query', body);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json.frame!.fields.length).toBeGreaterThan(0);
      expect(res.json.frame!.meta.totalRows).toBeGreaterThan(0);
      expect(res.json.frame!.fields[0]!.values.length).toBeGreaterThan(0);
    },
  );

  it.each(dashboards.flatMap((d) => ecrAnnotationTargets(d).map((t) => [t.where, t.value] as const)))(
    '%s returns events',
    async (_where, target) => {
      const res = await call<unknown[]>(
        `/api/v1/annotations?from=${now - 3650 * 86_400_000}&to=${now}&kind=${String(target.annotationKind)}`,
      );
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json.length).toBeGreaterThan(0);
    },
  );

  it.each(dashboards.flatMap((d) => ecrVariableQueries(d).map((v) => [v.where, v.value] as const)))(
    '%s lists values',
    async (_where, query) => {
      expect((await variable(String(query.kind))).length).toBeGreaterThan(0);
    },
  );
});

describe('PromQL against a Prometheus scraping the demo sidecar', () => {
  const expressions = [...dashboards.flatMap(promExpressions), ...alertRuleExpressions()];

  it('scrapes the sidecar', async () => {
    await prometheus.waitFor('up{job="ecr-lens"}', (s) => s.length === 1 && s[0]!.value === 1, 60_000);
  });

  it.each(expressions.map((e) => [e.where, e.value] as const))('%s returns data', async (_where, expr) => {
    // rate() and increase() need two scrapes, recording rules one evaluation: wait for a result.
    const samples = await prometheus.waitFor(promForTest(expr), (s) => s.length > 0, 60_000);
    expect(samples.every((s) => Number.isFinite(s.value))).toBe(true);
  });
});
