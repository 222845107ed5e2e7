import { expect, test } from '@grafana/plugin-e2e';
import type { Locator, Page } from '@playwright/test';

import { QUERY_TYPE_INFO } from '../src/datasource/components/query/filterSpecs';
import { selectors as ui } from '../src/datasource/components/selectors';
import { QUERY_TYPES, type QueryType } from '../src/datasource/types';
import { PROVISIONED, isSidecarQuery, sidecarQuery, sidecarQueryOf, type SidecarFrame } from './support';

/** Picks a query type in the query type combobox, as a user does. */
async function pickQueryType(row: Locator, page: Page, label: string) {
  await row.getByRole('combobox', { name: ui.QueryEditor.queryType }).click();
  await page.getByRole('option', { name: new RegExp(`^${label}`) }).click();
}

/** The severity counts of the images frame: an image with any of them has findings to list. */
const SEVERITY_COUNTS = ['critical', 'high', 'medium', 'low', 'informational', 'undefined'];

for (const queryType of QUERY_TYPES.filter((t): t is Exclude<QueryType, 'findings'> => t !== 'findings')) {
  test(`a ${queryType} query renders as a table`, async ({ panelEditPage, readProvisionedDataSource, page }) => {
    const ds = await readProvisionedDataSource(PROVISIONED);
    await panelEditPage.datasource.set(ds.name);
    await panelEditPage.setVisualization('Table');
    const row = panelEditPage.getQueryEditorRow('A');
    await pickQueryType(row, page, QUERY_TYPE_INFO[queryType].label);
    await expect(row.getByTestId(ui.QueryEditor.description)).toHaveText(QUERY_TYPE_INFO[queryType].description);
    // Picking another type runs the query, picking the current one (repositories, the default) does not: refresh
    // runs it either way, and only an answer for this type counts.
    const response = await panelEditPage.refreshPanel({
      waitForResponsePredicateCallback: (r) => isSidecarQuery(r, (body) => body.queryType === queryType),
    });
    expect(response.ok()).toBe(true);
    const { frame } = (await response.json()) as SidecarFrame;
    expect(frame.fields.length).toBeGreaterThan(0);
    if (frame.fields[0].values.length > 0) {
      // The table shows the sidecar's columns, in its order (they are not renamed).
      await expect(panelEditPage.panel.fieldNames.first()).toContainText(frame.fields[0].name);
    } else {
      await expect(panelEditPage.panel.locator).toContainText('No data');
    }
  });
}

test('a findings query lists the CVEs of an image picked from the images query', async ({
  panelEditPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource(PROVISIONED);
  await panelEditPage.datasource.set(ds.name);
  await panelEditPage.setVisualization('Table');
  const row = panelEditPage.getQueryEditorRow('A');
  const images = sidecarQueryOf(page, 'images');
  await pickQueryType(row, page, 'Images');
  const imagesResponse = await images;
  expect(imagesResponse.ok()).toBe(true);
  const { frame } = (await imagesResponse.json()) as SidecarFrame;
  const column = (name: string) => frame.fields.find((f) => f.name === name)?.values ?? [];
  // An image with findings (the first image may be unscanned, and then has none to list).
  const withFindings = column('digest').findIndex((_, i) =>
    SEVERITY_COUNTS.some((severity) => Number(column(severity)[i] ?? 0) > 0)
  );
  expect(withFindings, 'the demo inventory has an image with findings').toBeGreaterThanOrEqual(0);
  const digest = String(column('digest')[withFindings]);
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

  await pickQueryType(row, page, 'Findings');
  const findings = sidecarQuery(page, (body) => body.queryType === 'findings' && body.filters?.digest === digest);
  await row.getByText(ui.QueryEditor.filtersGroup).click();
  await row.getByLabel(ui.QueryEditor.filter('digest')).fill(digest);
  await row.getByLabel(ui.QueryEditor.filter('digest')).blur();
  const findingsResponse = await findings;
  expect(findingsResponse.ok()).toBe(true);
  const cves = ((await findingsResponse.json()) as SidecarFrame).frame.fields.find((f) => f.name === 'name')?.values;
  expect(cves?.length ?? 0).toBeGreaterThan(0);
  await expect(panelEditPage.panel.fieldNames).toContainText(['name', 'severity']);
  await expect(panelEditPage.panel.data).toContainText([String(cves?.[0])]);
});

test('a bad filter shows the sidecar message on that query', async ({
  panelEditPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource(PROVISIONED);
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  const response = sidecarQuery(page, (body) => body.filters?.region !== undefined);
  await row.getByText(ui.QueryEditor.filtersGroup).click();
  // A value the editor flags (inline) and that the sidecar refuses: the sidecar's words still reach the row.
  await row.getByRole('combobox', { name: ui.QueryEditor.filter('region') }).fill('not-a-region');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const res = await response;
  expect(res.status()).toBe(400);
  const body = (await res.json()) as { issues?: Array<{ path?: string }> };
  expect(body.issues?.some((issue) => /(^|\.)region(\.|$)/.test(issue.path ?? ''))).toBe(true);
  // The sidecar's words (contract: Region, e.g. "filters.region.0: must be ..."), on this query's row.
  await expect(row.getByText(/region\S*: must be an AWS region such as us-east-1/)).toBeVisible();
});
