import { expect, test } from '@grafana/plugin-e2e';

import { APP_ID, appResponse } from '../support';

// Run as a Viewer (the `viewer` project): the app lets Admins execute.

test('a Viewer sees the plan and no way to approve or execute', async ({ gotoAppPage, page }) => {
  const plan = appResponse(page, '/api/v1/cleanup/plan');
  await gotoAppPage({ pluginId: APP_ID, path: '/plan' });
  expect((await plan).status()).toBe(200);
  await expect(page.getByRole('table', { name: 'Repositories' })).toBeVisible();
  await expect(page.getByText('Read only')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Execute' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Preview (dry run)' })).toHaveCount(0);
});

test('Grafana itself refuses a Viewer the execute and refresh routes with 403', async ({ page }) => {
  for (const path of ['sidecar/api/v1/cleanup/execute', 'sidecar/api/v1/refresh']) {
    const response = await page.request.post(`/api/plugin-proxy/${APP_ID}/${path}`, {
      data: { planId: 'a'.repeat(64), dryRun: false },
    });
    expect(response.status(), path).toBe(403);
    expect(await response.json()).toMatchObject({ message: 'plugin proxy route access denied' });
  }
});
