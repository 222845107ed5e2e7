import { expect, test } from '@grafana/plugin-e2e';

import { APP_ID, appResponse } from './support';

// Run as Grafana's admin (the `chromium` project): the app is set to let Admins execute.

test('the plan page lists repositories, and an admin previews an approved repository as a dry run', async ({
  gotoAppPage,
  page,
}) => {
  const plan = appResponse(page, '/api/v1/cleanup/plan');
  await gotoAppPage({ pluginId: APP_ID, path: '/plan' });
  expect((await plan).status()).toBe(200);
  const repositories = page.getByRole('table', { name: 'Repositories' });
  await expect(repositories).toBeVisible();
  await repositories.locator('input[type=checkbox]:not([disabled])').first().check({ force: true });
  const executed = appResponse(page, '/api/v1/cleanup/execute');
  await page.getByRole('button', { name: 'Preview (dry run)' }).click();
  const response = await executed;
  expect(response.status()).toBe(200);
  expect(response.request().postDataJSON()).toMatchObject({ dryRun: true });
  await expect(page.getByTestId('report-summary')).toContainText('would be deleted');
  await expect(page.getByRole('button', { name: 'Execute' })).toBeEnabled();
});

test('the runs page reads the audit', async ({ gotoAppPage, page }) => {
  const runs = appResponse(page, '/api/v1/cleanup/runs');
  await gotoAppPage({ pluginId: APP_ID, path: '/runs' });
  expect((await runs).status()).toBe(200);
  await expect(
    page.getByRole('table', { name: 'Runs' }).or(page.getByText('No cleanup has been executed'))
  ).toBeVisible();
});

test('the sources page shows which in-use sources cover each registry', async ({ gotoAppPage, page }) => {
  await gotoAppPage({ pluginId: APP_ID, path: '/sources' });
  const registries = page.getByRole('table', { name: 'Registries' });
  await expect(registries).toBeVisible();
  await expect(registries.locator('tbody tr').first()).toContainText('ecs');
});

test('the configuration page shows the sidecar URL, the stored tokens and who may execute', async ({
  gotoAppConfigPage,
  page,
}) => {
  await gotoAppConfigPage({ pluginId: APP_ID });
  await expect(page.getByLabel('Sidecar URL')).toHaveValue('http://sidecar:8080');
  await expect(page.getByLabel('API token')).toBeVisible();
  await expect(
    page.getByRole('radiogroup', { name: 'Who may execute' }).or(page.getByText('Editors and Admins'))
  ).toBeVisible();
});
