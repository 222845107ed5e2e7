/**
 * The built plugin in a real browser, loaded the way Grafana loads it: Debian Chromium, SystemJS + AMD,
 * Grafana's shared modules, and every request through a stand-in for Grafana's data source proxy to a sidecar.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FIELD_TITLES, type AnyFieldName } from '@ecr-lens/contract';
import type { HarnessApi, QuerySummary } from './host/api.js';
import { launchChromium, type Browser, waitForHarness } from '../support/browser.js';
import { APP_ID, DIST_DIR, ROOT, ensurePluginBuilt, harnessConfig } from '../support/browser-build.js';
import { SYSTEMJS_DIR, buildHostBundle, hostPage } from '../support/browser-host.js';
import { SIDECAR_TOKEN, startSidecarForBrowser } from '../support/browser-sidecar.js';
import { startGrafanaProxy, type GrafanaProxy, type PluginRoute } from '../support/grafana-proxy.js';

const UID = 'ecr-lens';
const SCREENSHOTS = join(ROOT, 'test/artifacts/screenshots');
const HOST_DIR = join(ROOT, 'test/artifacts/browser-host');
const QUERY_TYPES = [
  'repositories',
  'images',
  'cost',
  'severity',
  'findings',
  'usage',
  'cleanup',
  'lifecycle',
] as const;
const DAY = 86_400_000;

let sidecar: { url: string; close(): Promise<void> };
let proxy: GrafanaProxy;
let browser: Browser;

type HarnessMethod = Exclude<keyof HarnessApi, 'configOptions' | 'renderConfigEditor'>;

/** Calls a harness method in the page. */
async function call<K extends HarnessMethod>(
  method: K,
  ...args: Parameters<HarnessApi[K]>
): Promise<Awaited<ReturnType<HarnessApi[K]>>> {
  return browser.page.evaluate(
    ([m, a]) =>
      (window as unknown as { harness: Record<string, (...x: unknown[]) => unknown> }).harness[m](...(a as unknown[])),
    [method, args] as const,
  ) as Promise<Awaited<ReturnType<HarnessApi[K]>>>;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const screenshot = (name: string) =>
  browser.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  ensurePluginBuilt();
  await buildHostBundle(HOST_DIR);
  mkdirSync(SCREENSHOTS, { recursive: true });
  sidecar = await startSidecarForBrowser();
  const pluginJson = JSON.parse(readFileSync(join(DIST_DIR, 'datasource/plugin.json'), 'utf8')) as { routes: PluginRoute[] };
  const now = Date.now();
  const config = harnessConfig(UID, sidecar.url, { from: now - 365 * DAY, to: now });
  proxy = await startGrafanaProxy({
    uid: UID,
    routes: pluginJson.routes,
    jsonData: { sidecarUrl: sidecar.url },
    secureJsonData: { apiToken: SIDECAR_TOKEN },
    mounts: { [`/public/plugins/${APP_ID}/`]: DIST_DIR, '/host/': HOST_DIR, '/vendor/systemjs/': SYSTEMJS_DIR },
    pages: { '/': hostPage(config) },
  });
  browser = await launchChromium();
  await browser.page.goto(proxy.url);
  await waitForHarness(browser, ['harness']);
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await sidecar?.close();
});

describe('ECR Lens plugin in Chromium', () => {
  it('loads dist/module.js through SystemJS and renders the ConfigEditor', async () => {
    const { page } = browser;
    await page.evaluate(() => (window as unknown as { harness: HarnessApi }).harness.renderConfigEditor());
    await page.getByLabel('Sidecar URL').fill('http://sidecar.internal:8080');
    await page.getByLabel('API token').fill('s3cret');
    const options = await page.evaluate(() => (window as unknown as { harness: HarnessApi }).harness.configOptions());
    expect(options.jsonData).toEqual({ sidecarUrl: 'http://sidecar.internal:8080' });
    expect(options.secureJsonData).toEqual({ apiToken: 's3cret' });
    await screenshot('config-editor');
  });

  it('reports health in plain words, and a rejected token', async () => {
    const ok = await call('testDatasource');
    expect(ok.status).toBe('success');
    expect(ok.message).toMatch(/^The sidecar is reachable and accepted the API token\. Inventory refreshed .+ ago\./);

    proxy.setSecureJsonData({ apiToken: 'not-the-token' });
    try {
      const rejected = await call('testDatasource');
      expect(rejected.status).toBe('error');
      expect(rejected.message).toMatch(/^The sidecar rejected the API token\./);
    } finally {
      proxy.setSecureJsonData({ apiToken: SIDECAR_TOKEN });
    }
  });

  const results: Partial<Record<(typeof QUERY_TYPES)[number], QuerySummary>> = {};

  for (const queryType of QUERY_TYPES) {
    it(`runs a ${queryType} query through the proxy and renders it in a Table`, async () => {
      const filters: Record<string, unknown> = {};
      if (queryType === 'findings') {
        // Findings need one image: take a scanned image from the images query.
        const images = await call(
          'runQuery',
          [{ refId: 'A', queryType: 'images', filters: { scanState: ['complete'] } }],
          'images',
        );
        const digest = images.columns.digest?.[0];
        expect(typeof digest).toBe('string');
        filters.digest = digest;
      }
      const summary = await call('runQuery', [{ refId: 'A', queryType, filters }], `ECR Lens: ${queryType}`);
      results[queryType] = summary;
      expect(summary.errors).toEqual([]);
      expect(summary.frames).toHaveLength(1);
      const [frame] = summary.frames;
      expect(frame.refId).toBe('A');
      expect(frame.preferredVisualisationType).toBe('table');
      expect(frame.fields.length).toBeGreaterThan(0);
      expect(frame.rows).toBeGreaterThan(0);
      // The Table shows the frame: its header titles the first column, the query editor shows the type.
      // Playwright waits for the page to render each (no polling interval of ours).
      const table = browser.page.getByTestId('frame-A');
      const title = FIELD_TITLES[frame.fields[0].name as AnyFieldName];
      await table.filter({ hasText: new RegExp(escapeRegExp(title)) }).waitFor({ state: 'attached' });
      // The query type combobox names the type (its label is the type, capitalised).
      const label = queryType.charAt(0).toUpperCase() + queryType.slice(1);
      await browser.page.waitForFunction(
        (want) => (document.querySelector('#ecr-lens-query-type') as HTMLInputElement | null)?.value === want,
        label,
      );
      await screenshot(queryType);
    });
  }

  it('gives frames Grafana units and AWS console links', () => {
    const fields = Object.values(results).flatMap((r) => r?.frames.flatMap((f) => f.fields) ?? []);
    const units = new Set(fields.map((f) => f.unit));
    expect(units).toContain('bytes');
    const links = fields.flatMap((f) => f.links);
    expect(
      links.some((l) =>
        /^https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/ecr\/repositories\/private\/\d{12}\/[^?]+\?region=[a-z0-9-]+$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(links.some((l) => /\/_\/image\/sha256:[a-f0-9]{64}\/details\?region=/.test(l))).toBe(true);
  });

  it('shows a failing query on that query alone', async () => {
    const summary = await call(
      'runQuery',
      [
        { refId: 'A', queryType: 'repositories', filters: {} },
        { refId: 'B', queryType: 'images', filters: { region: 'not a region' } },
      ],
      'ECR Lens: one failing query',
    );
    expect(summary.frames.map((f) => f.refId)).toEqual(['A']);
    expect(summary.errors).toHaveLength(1);
    expect(summary.errors[0].refId).toBe('B');
    expect(summary.errors[0].message).toMatch(/region/);
    await screenshot('per-query-error');
  });

  it('lists variable values and annotations through the proxy', async () => {
    const regions = await call('variableValues', { kind: 'regions' });
    expect(regions.length).toBeGreaterThan(0);
    expect(regions[0].text).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
    const pushes = await call('annotations', 'push');
    expect(pushes.errors).toEqual([]);
    expect(pushes.frames[0].fields.map((f) => f.name).slice(0, 3)).toEqual(['time', 'text', 'tags']);
    expect(pushes.frames[0].rows).toBeGreaterThan(0);
  });

  it('sent every request through the proxy route, which added the token the browser never saw', () => {
    expect(proxy.requests.length).toBeGreaterThan(QUERY_TYPES.length);
    for (const r of proxy.requests) {
      expect(r.target.startsWith(sidecar.url)).toBe(true);
      expect(r.browserAuthorization).toBeNull();
    }
    const tokens = new Set(proxy.requests.map((r) => r.upstreamAuthorization));
    expect(tokens).toEqual(new Set([`Bearer ${SIDECAR_TOKEN}`, 'Bearer not-the-token']));
  });

  it('logged no errors in the page', () => {
    // Expected noise: failed loads for the deliberate 401 and 400 above, and @grafana/runtime's warning that
    // Grafana's boot data is absent (the harness does not emulate Grafana's server-rendered boot config).
    const expected = /Failed to load resource|grafanaBootData was not set/;
    expect(browser.errors.filter((e) => !expected.test(e))).toEqual([]);
  });
});
