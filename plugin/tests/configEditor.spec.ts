import { expect, test } from '@grafana/plugin-e2e';

import { selectors as ui } from '../src/datasource/components/selectors';
import { PLUGIN_ID, SIDECAR_API_TOKEN, SIDECAR_URL } from './support';

test('renders the config editor with the sidecar URL and a secret token field', async ({
  createDataSourceConfigPage,
  page,
}) => {
  await createDataSourceConfigPage({ type: PLUGIN_ID });
  await expect(page.getByLabel(ui.ConfigEditor.sidecarUrl)).toBeVisible();
  await expect(page.getByLabel(ui.ConfigEditor.apiToken)).toBeVisible();
});

test('"Save & test" reports a reachable sidecar and how fresh the inventory is', async ({
  createDataSourceConfigPage,
  page,
}) => {
  const configPage = await createDataSourceConfigPage({ type: PLUGIN_ID });
  await page.getByLabel(ui.ConfigEditor.sidecarUrl).fill(SIDECAR_URL);
  await page.getByLabel(ui.ConfigEditor.apiToken).fill(SIDECAR_API_TOKEN);
  await expect(configPage.saveAndTest({ path: '/sidecar/api/v1/status' })).toBeOK();
  await expect(configPage).toHaveAlert('success', { hasText: /Inventory refreshed .* ago/ });
});

test('"Save & test" says when the sidecar rejects the token', async ({ createDataSourceConfigPage, page }) => {
  const configPage = await createDataSourceConfigPage({ type: PLUGIN_ID });
  await page.getByLabel(ui.ConfigEditor.sidecarUrl).fill(SIDECAR_URL);
  await page.getByLabel(ui.ConfigEditor.apiToken).fill('not-the-token');
  const response = await configPage.saveAndTest({ path: '/sidecar/api/v1/status' });
  // Grafana's data source proxy answers the sidecar's 401 with a 400 "Authentication to data source failed".
  expect(response.status()).toBe(400);
  await expect(configPage).toHaveAlert('error', { hasText: 'The sidecar rejected the API token' });
});
