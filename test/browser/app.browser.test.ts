/**
 * The ECR Lens app in a real browser: its built module.js loaded as Grafana's AppRootPage loads it, its pages
 * against a demo sidecar through the stand-in's app proxy (plugin.json routes, reqRole), for each role.
 * A Viewer sees the plan and no execute button; an Admin approves images, previews them as a dry run, executes
 * them, and exactly those are gone from the emulator; a changed plan is shown as a diff; the run is on the Runs
 * page with its Grafana annotation. Screenshots of the pages go to test/artifacts/app (docs/screenshots has copies).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ECRClient, paginateListImages } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CleanupPlan, PlannedImage } from '@ecr-lens/contract';

import { startDemoSidecar, DEMO_CREDENTIALS, type DemoSidecar } from '../../sidecar/src/app/demo-sidecar.js';
import type { Fixture } from '../../sidecar/src/demo/index.js';
import { ACCOUNT, REGION, URI, d, fixture as cleanupFixture } from '../../sidecar/test/support/cleanup-fixture.js';
import type { Locator } from 'playwright-core';
import { launchChromium, type Browser } from '../support/browser.js';
import { APP_ID, DIST_DIR, ROOT, ensurePluginBuilt } from '../support/browser-build.js';
import { SYSTEMJS_DIR, appHostPage, buildHostBundle } from '../support/browser-host.js';
import { startGrafanaProxy, type GrafanaProxy, type OrgRole, type PluginRoute } from '../support/grafana-proxy.js';

const HOST_DIR = join(ROOT, 'test/artifacts/app-host');
const APP_ENTRY = join(ROOT, 'test/browser/host/app-entry.ts');
const SCREENSHOTS = join(ROOT, 'test/artifacts/app');
const API = 'app-browser-api-token';
const ADMIN = 'app-browser-admin-token-0123456789';
const GRAFANA_TOKEN = 'app-browser-grafana-token';
const USERS: Record<OrgRole, string> = { Viewer: 'vera', Editor: 'ed', Admin: 'alice' };

const DAY_S = 86_400;
const NOW_S = Math.floor(Date.now() / 1000);
/** The cleanup tests' registry, plus a `batch` repository of old plain images: enough to approve after a run. */
const batchImage = (n: number) => ({
  digest: d(`batch-${n}`),
  tags: [`b${n}`],
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  pushedAt: NOW_S - (200 + n) * DAY_S,
  config: { digest: d(`batch-${n}-config`), size: 1000 },
  layers: [{ digest: d(`batch-${n}-layer`), size: 2_000_000 + n }],
});
const [registry] = cleanupFixture.registries;
const fixture: Fixture = {
  ...cleanupFixture,
  registries: [
    {
      ...registry!,
      repositories: [...registry!.repositories, { name: 'batch', createdAt: NOW_S - 400 * DAY_S, images: [1, 2, 3, 4, 5, 6, 7, 8].map(batchImage) }],
    },
  ],
};

let sidecar: DemoSidecar;
let proxy: GrafanaProxy;
let browser: Browser;
let ecr: ECRClient;

const routesOf = (file: string) => (JSON.parse(readFileSync(join(DIST_DIR, file), 'utf8')) as { routes: PluginRoute[] }).routes;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  ensurePluginBuilt();
  await buildHostBundle(HOST_DIR, APP_ENTRY);
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Grafana first: the sidecar posts each executed run's annotation to it.
  proxy = await startGrafanaProxy({
    uid: 'ecr-lens',
    routes: routesOf('datasource/plugin.json'),
    jsonData: {},
    secureJsonData: {},
    sendUserHeader: true,
    app: {
      id: APP_ID,
      routes: routesOf('plugin.json'),
      jsonData: {},
      secureJsonData: { apiToken: API, adminToken: ADMIN },
      page: (user, settings, view) =>
        appHostPage({
          appId: APP_ID,
          moduleUrl: `/public/plugins/${APP_ID}/module.js`,
          jsonData: settings.jsonData,
          secureJsonFields: settings.secureJsonFields,
          enabled: settings.enabled,
          view,
          user: { login: user.login, role: user.role, isGrafanaAdmin: user.isGrafanaAdmin },
        }),
    },
    mounts: { [`/public/plugins/${APP_ID}/`]: DIST_DIR, '/host/': HOST_DIR, '/vendor/systemjs/': SYSTEMJS_DIR },
  });
  sidecar = await startDemoSidecar({
    fixture,
    env: {
      SIDECAR_API_TOKEN: API,
      SIDECAR_ADMIN_TOKEN: ADMIN,
      CLEANUP_DELETE_ENABLED: 'true',
      TRUSTED_PROXIES: '127.0.0.1',
      REFRESH_MIN_INTERVAL: '0',
      GRAFANA_URL: proxy.url,
      GRAFANA_TOKEN,
    },
  });
  proxy.setAppSettings({ jsonData: appJsonData() });
  ecr = new ECRClient({ region: REGION, endpoint: sidecar.emulator.url, credentials: DEMO_CREDENTIALS });
  browser = await launchChromium({ width: 1500, height: 1100 });
});

afterAll(async () => {
  ecr?.destroy();
  await browser?.close();
  await sidecar?.close();
  await proxy?.close();
});

function appJsonData(): Record<string, unknown> {
  return { sidecarUrl: sidecar?.url ?? '', executeRole: 'Admin', editorSidecarUrl: '' };
}

async function openAs(who: OrgRole, page: 'plan' | 'runs' | 'sources' | 'config'): Promise<void> {
  proxy.setUser({ login: USERS[who], role: who });
  await browser.page.goto(page === 'config' ? `${proxy.url}/plugins/${APP_ID}` : `${proxy.url}/a/${APP_ID}/${page}`);
  await booted();
}

/** Waits for the host page to render the app (after a navigation or a reload). */
async function booted(): Promise<void> {
  const ready = await browser.page
    .waitForFunction(() => {
      const w = window as unknown as { appHarnessReady?: boolean; harnessError?: string };
      return w.appHarnessReady === true || w.harnessError !== undefined;
    })
    .then(
      () => true,
      () => false,
    );
  const error = await browser.page.evaluate(() => (window as unknown as { harnessError?: string }).harnessError);
  expect({ ready, error }, browser.errors.join('\n')).toEqual({ ready: true, error: undefined });
}

async function digestsIn(repositoryName: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of paginateListImages({ client: ecr }, { repositoryName })) for (const id of page.imageIds ?? []) out.push(id.imageDigest!);
  return [...new Set(out)].sort();
}

const everyDigest = async () => [...(await digestsIn('api')), ...(await digestsIn('worker')), ...(await digestsIn('batch'))];

async function refreshInventory(): Promise<void> {
  const res = await fetch(`${sidecar.url}/api/v1/refresh`, { method: 'POST', headers: { authorization: `Bearer ${API}` } });
  expect(res.status).toBe(200);
}

async function plan(): Promise<CleanupPlan> {
  const res = await fetch(`${sidecar.url}/api/v1/cleanup/plan`, { headers: { authorization: `Bearer ${API}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as CleanupPlan;
}

/** Plain images the plan deletes (in `repository`, or anywhere): no index, no referrer, nothing that needs another approval. */
async function plainDeletes(repository?: string): Promise<PlannedImage[]> {
  const family = new Set(['index-child', 'attestation-subject', 'with-index', 'with-subject']);
  return (await plan()).images.filter(
    (i) =>
      (repository === undefined || i.repository === repository) &&
      i.decision === 'delete' &&
      i.kind === 'image' &&
      !i.reasons.some((r) => family.has(r.code)),
  );
}

/** Waits (Playwright's auto-wait, without its test runner) until `locator` has text matching `pattern`. */
async function waitText(locator: Locator, pattern: string | RegExp): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor();
}

/** Waits until there are `n` of `locator`, and no more. */
async function waitCount(locator: Locator, n: number): Promise<void> {
  await locator.nth(n - 1).waitFor();
  expect(await locator.count()).toBe(n);
}

const approve = (image: PlannedImage) =>
  browser.page.getByRole('checkbox', { name: `Approve ${image.account}/${image.region}/${image.repository}@${image.digest}` });
const repositoryButton = (name: string) => browser.page.getByRole('button', { name: `${ACCOUNT}/${REGION}/${name}` });

describe('the ECR Lens app pages', () => {
  it('shows a Viewer the plan with every reason, and no way to approve or execute', async () => {
    await openAs('Viewer', 'plan');
    const repositories = browser.page.getByRole('table', { name: 'Repositories' });
    await waitCount(repositories.getByRole('row'), 4); // the header, api, worker and batch
    await browser.page.getByText('Read only').waitFor();
    // Narrowing the list: a plain substring of account/region/name, or the repositories with images to delete.
    await browser.page.getByLabel('Filter repositories').fill('BATCH');
    await waitText(browser.page.getByTestId('repositories-shown'), '1 of 3 repositories');
    expect(await repositories.getByRole('row').count()).toBe(2);
    await browser.page.getByLabel('Filter repositories').fill('');
    await browser.page.getByRole('radio', { name: 'With images to delete' }).check({ force: true });
    await waitText(browser.page.getByTestId('repositories-shown'), '2 of 3 repositories');
    await browser.page.getByRole('radio', { name: 'All' }).check({ force: true });
    await waitCount(repositories.getByRole('row'), 4);
    await repositoryButton('api').click();
    const images = browser.page.getByRole('table', { name: `Images of ${ACCOUNT}/${REGION}/api` });
    // The running task's image is kept, and says why.
    const v3 = images.locator(`tr[data-digest="${fixture.registries[0]!.repositories[0]!.images[2]!.digest}"]`);
    await waitText(v3, 'keep');
    await waitText(v3, /running|in use/i);
    expect(await browser.page.getByRole('button', { name: /Execute|Preview/ }).count()).toBe(0);
    expect(await browser.page.getByRole('checkbox').count()).toBe(0);
    expect(browser.errors).toEqual([]);
  });

  it('lets an Admin approve two images (and the signature that goes with one), preview exactly them, execute, and only they leave the registry', async () => {
    const [first, second] = await plainDeletes('api');
    expect(first && second).toBeTruthy();
    // A referrer goes with its subject: approving the subject approves it (it cannot be approved alone).
    const referrers = (await plan()).images.filter((i) => i.repository === 'api' && (i.subject === first!.digest || i.subject === second!.digest));
    expect(referrers.map((r) => r.kind)).toEqual(['attestation']);
    const expected = [first!, second!, ...referrers].map((i) => i.digest).sort();
    const before = await digestsIn('api');
    await openAs('Admin', 'plan');
    await repositoryButton('api').click();
    expect(await approve(referrers[0]!).isDisabled()).toBe(true);
    await approve(first!).check({ force: true });
    await approve(second!).check({ force: true });
    await waitText(browser.page.getByTestId('approval'), '3 images approved');
    expect(await approve(referrers[0]!).isChecked()).toBe(true);
    // Execute waits for a preview of this very selection.
    expect(await browser.page.getByRole('button', { name: 'Execute' }).isDisabled()).toBe(true);
    await browser.page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const preview = browser.page.getByRole('table', { name: 'Dry run: exactly what would be deleted images' });
    await waitCount(preview.locator('tbody tr'), 3);
    expect(await preview.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-digest')).sort())).toEqual(expected);
    expect(await digestsIn('api')).toEqual(before); // a dry run deletes nothing
    await browser.page.screenshot({ path: join(SCREENSHOTS, 'app-plan.png'), fullPage: true });

    await browser.page.getByRole('button', { name: 'Execute' }).click();
    await browser.page.getByRole('button', { name: 'Delete' }).click();
    await waitText(browser.page.getByTestId('report-summary'), '3 images deleted');
    expect(await digestsIn('api')).toEqual(before.filter((d) => !expected.includes(d)));
    expect(await digestsIn('worker')).toHaveLength(2);
    expect(browser.errors).toEqual([]);
  });

  it('lists the run on the Runs page with who, what and a link to its Grafana annotation', async () => {
    await openAs('Viewer', 'runs');
    const rows = browser.page.getByRole('table', { name: 'Runs' }).locator('tbody tr');
    // Newest first: the deletion, then its dry run.
    await waitCount(rows, 2);
    await waitText(rows.nth(0), 'alice');
    await waitText(rows.nth(0), 'deletion');
    await waitText(rows.nth(0), 'succeeded');
    await waitText(rows.nth(1), 'dry run');
    const link = rows.nth(0).getByRole('link', { name: /annotation \d+/ });
    expect(await link.getAttribute('href')).toMatch(/^\/d\/ecr-lens-cleanup\?from=\d+&to=\d+$/);
    await browser.page.screenshot({ path: join(SCREENSHOTS, 'app-runs.png'), fullPage: true });
  });

  it('shows a changed plan as a diff, executes nothing, and approves again only what the new plan still deletes', async () => {
    // The inventory as it is after the last run, so that the plan does not change before the preview.
    await refreshInventory();
    const [kept, still] = await plainDeletes('batch');
    expect(kept && still).toBeTruthy();
    await openAs('Admin', 'plan');
    for (const name of new Set([kept!.repository, still!.repository])) await repositoryButton(name).click();
    await approve(kept!).check({ force: true });
    await approve(still!).check({ force: true });
    await browser.page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await waitText(browser.page.getByTestId('report-summary'), '2 images would be deleted');

    // Meanwhile a task starts on one approved image, and the sidecar sees it.
    const admin = (path: string, body: unknown) =>
      fetch(`${sidecar.emulator.url}/_emulator${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => {
        expect(r.status, path).toBe(200);
        return (await r.json()) as Record<string, unknown>;
      });
    const { taskDefinition } = (await admin('/task-definitions', { family: 'hotfix', containers: [{ name: 'app', image: `${URI}/${kept!.repository}@${kept!.digest}` }] })) as {
      taskDefinition: string;
    };
    await admin('/tasks/start', { cluster: 'prod', taskDefinition });
    await refreshInventory();
    const before = await everyDigest();

    await browser.page.getByRole('button', { name: 'Execute' }).click();
    await browser.page.getByRole('button', { name: 'Delete' }).click();
    const diff = browser.page.getByRole('table', { name: 'Changed approvals' });
    await waitText(diff.locator(`tr[data-digest="${kept!.digest}"]`), 'keep');
    await waitText(browser.page.getByTestId('conflict-unchanged'), '1 approved images are still planned for deletion; 1 are not');
    expect(await everyDigest()).toEqual(before);
    await browser.page.screenshot({ path: join(SCREENSHOTS, 'app-plan-changed.png'), fullPage: true });

    await browser.page.getByRole('button', { name: 'Review the new plan' }).click();
    await waitText(browser.page.getByTestId('approval'), '1 images approved');
    expect(await approve(still!).isChecked()).toBe(true);
    expect(await approve(kept!).isDisabled()).toBe(true);
    expect(await browser.page.getByRole('button', { name: 'Execute' }).isDisabled()).toBe(true);
    // The browser logs the 409 it was answered; nothing else.
    expect(browser.errors.splice(0)).toEqual(['console: Failed to load resource: the server responded with a status of 409 (Conflict)']);
  });

  it('shows which in-use sources cover each registry', async () => {
    await openAs('Editor', 'sources');
    const row = browser.page.getByRole('table', { name: 'Registries' }).locator(`tr[data-registry="${ACCOUNT}/${REGION}"]`);
    await waitText(row, 'watched');
    await waitText(row, 'ecs');
    await browser.page.screenshot({ path: join(SCREENSHOTS, 'app-sources.png'), fullPage: true });
    expect(browser.errors).toEqual([]);
  });

  it('an Editor sees no execute button while the app is set to Admins, and a forged call gets 403 from Grafana', async () => {
    await openAs('Editor', 'plan');
    await browser.page.getByText('Read only').waitFor();
    expect(await browser.page.getByRole('button', { name: 'Execute' }).count()).toBe(0);
    const status = await browser.page.evaluate(async (app) => {
      const res = await fetch(`/api/plugin-proxy/${app}/sidecar/api/v1/cleanup/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ planId: 'a'.repeat(64), dryRun: false }),
      });
      return res.status;
    }, APP_ID);
    expect(status).toBe(403);
    expect(browser.errors.splice(0)).toEqual(['console: Failed to load resource: the server responded with a status of 403 (Forbidden)']);
  });

  it('lets an Admin open execution to Editors on the configuration page; an Editor then executes through the Editor routes', async () => {
    await openAs('Admin', 'config');
    // The stored secrets show as configured, never as values.
    expect(await browser.page.getByLabel('Admin token').inputValue()).toBe('configured');
    await browser.page.getByRole('radio', { name: 'Editors and Admins' }).check({ force: true });
    await Promise.all([browser.page.waitForEvent('load'), browser.page.getByRole('button', { name: 'Save settings' }).click()]);
    await booted();
    const settings = (await (await fetch(`${proxy.url}/api/plugins/${APP_ID}/settings`)).json()) as { jsonData: Record<string, unknown>; secureJsonFields: Record<string, boolean> };
    expect(settings.jsonData).toEqual({ sidecarUrl: sidecar.url, executeRole: 'Editor', editorSidecarUrl: sidecar.url });
    expect(settings.secureJsonFields).toEqual({ apiToken: true, adminToken: true });

    const [image] = await plainDeletes('batch');
    await openAs('Editor', 'plan');
    await repositoryButton('batch').click();
    await approve(image!).check({ force: true });
    await browser.page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await waitText(browser.page.getByTestId('report-summary'), '1 images would be deleted');
    expect(proxy.requests.at(-1)).toMatchObject({ method: 'POST', path: 'editor/api/v1/cleanup/execute', status: 200 });

    // A Viewer cannot change the settings, and an Admin closes the Editor routes again.
    proxy.setUser({ login: USERS.Viewer, role: 'Viewer' });
    const refused = await fetch(`${proxy.url}/api/plugins/${APP_ID}/settings`, { method: 'POST', body: JSON.stringify({ jsonData: {} }) });
    expect(refused.status).toBe(403);
    await openAs('Admin', 'config');
    await browser.page.getByRole('radio', { name: 'Admins', exact: true }).check({ force: true });
    await Promise.all([browser.page.waitForEvent('load'), browser.page.getByRole('button', { name: 'Save settings' }).click()]);
    await booted();
    await openAs('Editor', 'plan');
    await browser.page.getByText('Read only').waitFor();
    const forged = await browser.page.evaluate(async (app) => {
      const res = await fetch(`/api/plugin-proxy/${app}/editor/api/v1/cleanup/execute`, { method: 'POST', body: '{}' });
      return res.status;
    }, APP_ID);
    expect(forged).toBe(502); // the Editor route leads nowhere again
    expect(browser.errors.splice(0)).toEqual(['console: Failed to load resource: the server responded with a status of 502 (Bad Gateway)']);
  });
});
