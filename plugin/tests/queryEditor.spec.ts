import { expect, test } from '@grafana/plugin-e2e';

import { QUERY_TYPE_INFO } from '../src/components/query/filterSpecs';
import { selectors as ui } from '../src/components/selectors';
import { QUERY_TYPES, type QueryType } from '../src/types';
import { PROVISIONED, sidecarResponse } from './support';

const pick = (label: string) => new RegExp(`^${label}$`);

for (const queryType of QUERY_TYPES.filter((t): t is Exclude<QueryType, 'findings'> => t !== 'findings')) {
  test(`a ${queryType} query renders as a table`, async ({ panelEditPage, readProvisionedDataSource, page }) => {
    const ds = await readProvisionedDataSource(PROVISIONED);
    await panelEditPage.datasource.set(ds.name);
    await panelEditPage.setVisualization('Table');
    const row = panelEditPage.getQueryEditorRow('A');
    const response = sidecarResponse(page, '/api/v1/query');
    await row
      .getByRole('radiogroup', { name: ui.QueryEditor.queryType })
      .locator('label', { hasText: pick(QUERY_TYPE_INFO[queryType].label) })
      .click();
    expect((await response).ok()).toBe(true);
    await expect(row.getByTestId(ui.QueryEditor.description)).toHaveText(QUERY_TYPE_INFO[queryType].description);
    await expect(panelEditPage.panel.fieldNames.first()).toBeVisible();
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
  const images = sidecarResponse(page, '/api/v1/query');
  await row
    .getByRole('radiogroup', { name: ui.QueryEditor.queryType })
    .locator('label', { hasText: pick('Images') })
    .click();
  const body = (await (await images).json()) as { frame: { fields: Array<{ name: string; values: unknown[] }> } };
  const digest = body.frame.fields.find((f) => f.name === 'digest')?.values[0];
  expect(typeof digest).toBe('string');

  await row
    .getByRole('radiogroup', { name: ui.QueryEditor.queryType })
    .locator('label', { hasText: pick('Findings') })
    .click();
  const findings = sidecarResponse(page, '/api/v1/query');
  await row.getByLabel(ui.QueryEditor.filter('digest')).fill(String(digest));
  await row.getByLabel(ui.QueryEditor.filter('digest')).blur();
  expect((await findings).ok()).toBe(true);
  await expect(panelEditPage.panel.fieldNames).toContainText(['name', 'severity']);
});

test('a bad filter shows the sidecar message on that query', async ({
  panelEditPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource(PROVISIONED);
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  const response = sidecarResponse(page, '/api/v1/query');
  await row.getByLabel(ui.QueryEditor.filter('region')).fill('not a region');
  await row.getByLabel(ui.QueryEditor.filter('region')).blur();
  expect((await response).status()).toBe(400);
  await expect(page.getByText(/region/).first()).toBeVisible();
});
