/**
 * A smoke test of the provisioned dashboards in a real browser, on their default time range and variables: for each
 * one, the built plugin (loaded as Grafana loads it) runs every ECR Lens panel's targets from the committed JSON
 * through DataSource.query(), and every Prometheus panel's PromQL runs against a real Prometheus scraping the same
 * demo sidecar, both via the stand-in for Grafana's data source proxy. Each panel is drawn with @grafana/ui's own
 * visualisation after its field config (units, thresholds, overrides) is applied; a panel error, or a panel without
 * data where the demo has data, fails the test. A full-page screenshot is saved to
 * test/artifacts/dashboards/<uid>.png (the README's screenshots come from there).
 */
import { FIELD_TITLES, type AnyFieldName } from '@ecr-lens/contract';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { HarnessApi } from './host/api.js';
import type { DashboardApi, DashboardPanelSpec, DashboardSpec } from './host/dashboard-api.js';
import { launchChromium, type Browser, waitForHarness } from '../support/browser.js';
import { APP_ID, DIST_DIR, ROOT, ensurePluginBuilt, harnessConfig } from '../support/browser-build.js';
import { SYSTEMJS_DIR, buildHostBundle, hostPage } from '../support/browser-host.js';
import { SIDECAR_TOKEN, startSidecarForBrowser } from '../support/browser-sidecar.js';
import { startGrafanaProxy, type GrafanaProxy, type PluginRoute } from '../support/grafana-proxy.js';
import { startPrometheus, type PrometheusHandle } from '../support/prometheus.js';
import { GRAFANA_TAGS, postGrafanaAnnotation } from '../../sidecar/src/cleanup/execute/grafana.js';
import {
  allPanels,
  DASHBOARD_FILES,
  ecrAnnotationTargets,
  ecrVariableQueries,
  isEcrLens,
  isPrometheus,
  readDashboard,
  type Dashboard,
  type DataSourceRef,
  type Json,
} from '../provisioning/dashboards-support.js';
import { panelRange } from '../provisioning/plugin-request.js';

const UID = 'ecr-lens';
const SCREENSHOTS = join(ROOT, 'test/artifacts/dashboards');
const HOST_DIR = join(ROOT, 'test/artifacts/dashboards-host');
const GRAFANA_UI_IMG = join(ROOT, 'node_modules/@grafana/ui/dist/public/img');
const DASHBOARD_ENTRY = join(ROOT, 'test/browser/host/dashboard-entry.ts');

/** A relative range ending now, evaluated when asked, as Grafana evaluates "now" when it runs the queries. */
const lastPeriod = (timeFrom: string) => panelRange({ timeFrom }, { from: Date.now(), to: Date.now() });

let sidecar: { url: string; close(): Promise<void> };
let prometheus: PrometheusHandle;
let proxy: GrafanaProxy;
let browser: Browser;
/** Responses the page got with an error status, by path. */
const failedLoads: string[] = [];

const dashboards = DASHBOARD_FILES.map(readDashboard);

/** The dashboard's own range: "now-30d" to "now". */
function dashboardRange(d: Dashboard): { from: number; to: number } {
  const time = d.time as { from: string; to: string };
  expect(time.to).toBe('now');
  return lastPeriod(time.from.replace(/^now-/, ''));
}

/** Grafana's panel data source: the panel's, else the first target's. */
function panelDatasource(panel: Json): DataSourceRef | undefined {
  const targets = (panel.targets ?? []) as Json[];
  return (panel.datasource as DataSourceRef | undefined) ?? (targets[0]?.datasource as DataSourceRef | undefined);
}

const inPage = {
  variableValues: (query: Json) =>
    browser.page.evaluate(
      (q) => (window as unknown as { harness: HarnessApi }).harness.variableValues(q as never),
      query,
    ),
  column: (target: Json, field: string, range: { from: number; to: number }) =>
    browser.page.evaluate(([t, f, r]) => (window as unknown as { dashboard: DashboardApi }).dashboard.column(t, f, r), [
      target,
      field,
      range,
    ] as const),
  render: (spec: DashboardSpec) =>
    browser.page.evaluate((s) => (window as unknown as { dashboard: DashboardApi }).dashboard.render(s), spec),
};

/**
 * Variable values as Grafana resolves them on load: in order, each query interpolated with the variables before it
 * (they chain), and each at its default "All", which is the variable's custom all value (`.*`) when it has one.
 */
async function variables(d: Dashboard): Promise<Record<string, string | string[]>> {
  const values: Record<string, string | string[]> = {};
  const interpolate = (text: unknown) =>
    typeof text === 'string'
      ? text.replace(/\$(\w+)/g, (match, name: string) => {
          const value = values[name];
          return value === undefined ? match : Array.isArray(value) ? value.join(',') : value;
        })
      : text;
  for (const v of ecrVariableQueries(d)) {
    const name = v.where.replace(/^.* variable /, '');
    const query = Object.fromEntries(Object.entries(v.value).map(([key, value]) => [key, interpolate(value)]));
    const options = await inPage.variableValues(query);
    expect(options.length, `${v.where} lists values`).toBeGreaterThan(0);
    const allValue = d.templating.list.find((t) => t.name === name)?.allValue;
    values[name] = typeof allValue === 'string' ? allValue : options.map((o) => String(o.value ?? o.text));
  }
  if (d.templating.list.some((v) => v.name === 'digest')) {
    const [digest] = await inPage.column(
      { queryType: 'images', filters: { minSeverity: 'HIGH' }, limit: 1 },
      'digest',
      lastPeriod('10y'),
    );
    values.digest = String(digest);
  }
  return values;
}

async function spec(d: Dashboard): Promise<DashboardSpec> {
  const range = dashboardRange(d);
  const panels: DashboardPanelSpec[] = allPanels(d).map((p) => {
    const ds = panelDatasource(p);
    return {
      id: Number(p.id),
      type: p.type,
      title: p.title ?? '',
      gridPos: p.gridPos as DashboardPanelSpec['gridPos'],
      ecrLens: isEcrLens(ds),
      ...(ds && isPrometheus(ds)
        ? { otherDatasource: 'prometheus' }
        : ds && !isEcrLens(ds) && ds.type
          ? { otherDatasource: ds.type }
          : {}),
      targets: (p.targets ?? []) as Json[],
      fieldConfig: (p.fieldConfig ?? { defaults: {}, overrides: [] }) as DashboardPanelSpec['fieldConfig'],
      options: (p.options ?? {}) as Json,
      range: panelRange(p, range),
    };
  });
  return {
    uid: d.uid,
    title: d.title,
    panels,
    variables: await variables(d),
    annotations: ecrAnnotationTargets(d).map((a) => ({
      name: a.where.replace(/^.* annotation /, ''),
      target: a.value,
      range,
    })),
  };
}

beforeAll(async () => {
  ensurePluginBuilt();
  await buildHostBundle(HOST_DIR, DASHBOARD_ENTRY);
  mkdirSync(SCREENSHOTS, { recursive: true });
  sidecar = await startSidecarForBrowser();
  prometheus = await startPrometheus({
    ruleFiles: [join(ROOT, 'provisioning/prometheus/rules/ecr-lens.yml')],
    scrapeConfigs: [
      {
        job_name: 'ecr-lens',
        static_configs: [{ targets: [new URL(sidecar.url).host] }],
        authorization: { type: 'Bearer', credentials: SIDECAR_TOKEN },
      },
    ],
  });
  // A few scrapes, so that trends and time series have points to draw.
  await prometheus.waitFor('count_over_time(ecrlens_inventory_ready[1m]) >= 3', (r) => r.length > 0);
  const pluginJson = JSON.parse(readFileSync(join(DIST_DIR, 'datasource/plugin.json'), 'utf8')) as { routes: PluginRoute[] };
  const config = harnessConfig(UID, sidecar.url, lastPeriod('10y'));
  proxy = await startGrafanaProxy({
    uid: UID,
    routes: pluginJson.routes,
    jsonData: { sidecarUrl: sidecar.url },
    secureJsonData: { apiToken: SIDECAR_TOKEN },
    datasources: { prometheus: prometheus.url },
    mounts: {
      [`/public/plugins/${APP_ID}/`]: DIST_DIR,
      // @grafana/ui's icons, where Grafana serves them (the tables' column filter buttons use them).
      '/public/build/img/': GRAFANA_UI_IMG,
      '/host/': HOST_DIR,
      '/vendor/systemjs/': SYSTEMJS_DIR,
    },
    pages: { '/': hostPage(config) },
  });
  // What the sidecar posts to Grafana after an executed cleanup (its own poster), for the annotation list to show.
  const posted = await postGrafanaAnnotation(
    { url: proxy.url, token: 'grafana-service-account-token' },
    {
      time: Date.now() - 3_600_000,
      text: 'ECR Lens cleanup succeeded: deleted 42 images (1 GiB) in 3 repositories; plan 710d858fba05, run 00000000-0000-4000-8000-000000000000.',
      tags: [...GRAFANA_TAGS],
    },
  );
  // Grafana answers with the new annotation's id, which the run keeps (the stand-in numbers them from 1).
  expect(posted).toEqual({ ok: true, id: 1 });
  browser = await launchChromium({ width: 1600, height: 1000 });
  browser.page.on('response', (r) => {
    if (r.status() >= 400) failedLoads.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await browser.page.goto(proxy.url);
  await waitForHarness(browser, ['harness', 'dashboard']);
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await prometheus?.stop();
  await sidecar?.close();
});

describe('provisioned dashboards in Chromium', () => {
  it.each(dashboards.map((d) => [d.uid, d] as const))(
    '%s renders every panel with data and no error, on its default range and variables',
    async (uid, d) => {
      const dashboardSpec = await spec(d);
      for (const [name, value] of Object.entries(dashboardSpec.variables)) {
        expect(value.length, `variable ${name}`).toBeGreaterThan(0);
      }
      const queried = dashboardSpec.panels.filter(
        (p) => p.ecrLens || p.otherDatasource === 'prometheus' || p.type === 'annolist',
      );
      expect(queried.some((p) => p.ecrLens)).toBe(true);

      const result = await inPage.render(dashboardSpec);

      expect(result.panels.map((p) => p.id)).toEqual(queried.map((p) => p.id));
      for (const panel of result.panels) {
        const where = `${uid} / ${panel.title}`;
        expect(panel.errors, where).toEqual([]);
        if (panel.source !== 'grafana') expect(panel.frames, `${where}: no data`).toBeGreaterThan(0);
        expect(panel.rows, `${where}: no data`).toBeGreaterThan(0);
        expect(panel.shown.length, where).toBeGreaterThan(0);
        // What the panel shows is on the page: a value, a bar, a series' name, or the table's header and first row.
        const text = await browser.page.locator(`[data-panel-id="${panel.id}"]`).textContent();
        expect(text, where).toContain(panel.title);
        expect(text, where).not.toContain('No data');
        if (panel.type === 'table') {
          // The header shows the column's title (config.displayName), not its machine name.
          expect(text, where).toContain(FIELD_TITLES[panel.fields[0] as AnyFieldName]);
        }
        for (const cell of panel.shown) {
          expect(text, where).toContain(cell);
        }
      }
      // Annotation queries run over the dashboard's range, as Grafana runs them (test/provisioning/demo-data.test.ts
      // checks they return events).
      for (const a of result.annotations) {
        expect(a.errors, `${uid} / annotation ${a.name}`).toEqual([]);
      }
      // No panel is left as a placeholder.
      expect(dashboardSpec.panels.filter((x) => !queried.includes(x) && x.type !== 'row')).toEqual([]);
      await browser.page.screenshot({ path: join(SCREENSHOTS, `${uid}.png`), fullPage: true });
    },
  );

  it('sent every ECR Lens query through the proxy route with the token', () => {
    expect(proxy.requests.length).toBeGreaterThan(dashboards.length);
    for (const r of proxy.requests) {
      expect(r.target.startsWith(sidecar.url)).toBe(true);
      expect(r.browserAuthorization).toBeNull();
      expect(r.upstreamAuthorization).toBe(`Bearer ${SIDECAR_TOKEN}`);
      expect(r.status).toBe(200);
    }
  });

  it('logged no errors in the page', () => {
    // @grafana/runtime warns that Grafana's server-rendered boot data is absent; the harness does not emulate it.
    expect(failedLoads).toEqual([]);
    expect(browser.errors.filter((e) => !/grafanaBootData was not set/.test(e))).toEqual([]);
  });
});
