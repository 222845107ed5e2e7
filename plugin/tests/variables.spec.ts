import { expect, test } from '@grafana/plugin-e2e';

import { selectors as ui } from '../src/datasource/components/selectors';
import { PROVISIONED, sidecarResponse } from './support';

test('a query variable lists regions from the sidecar', async ({
  variableEditPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource(PROVISIONED);
  await variableEditPage.setVariableType('Query');
  await variableEditPage.datasource.set(ds.name);
  const response = sidecarResponse(page, '/api/v1/variables/regions');
  await page
    .getByRole('radiogroup', { name: ui.VariableQueryEditor.kind })
    .locator('label', { hasText: /^Regions$/ })
    .click();
  await variableEditPage.runQuery();
  expect((await response).ok()).toBe(true);
  await expect(variableEditPage).toDisplayPreviews([/^[a-z]{2}(-[a-z]+)+-\d$/]);
});

test('a tags variable asks for the repository', async ({ variableEditPage, readProvisionedDataSource, page }) => {
  const ds = await readProvisionedDataSource(PROVISIONED);
  await variableEditPage.setVariableType('Query');
  await variableEditPage.datasource.set(ds.name);
  await page
    .getByRole('radiogroup', { name: ui.VariableQueryEditor.kind })
    .locator('label', { hasText: /^Tags$/ })
    .click();
  await expect(page.getByLabel(ui.VariableQueryEditor.repository)).toBeVisible();
});
