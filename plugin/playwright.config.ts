import type { PluginOptions } from '@grafana/plugin-e2e';
import { defineConfig, devices, type ReporterDescription } from '@playwright/test';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { VIEWER } from './tests/users';

const pluginE2eAuth = `${dirname(require.resolve('@grafana/plugin-e2e'))}/auth`;

/**
 * The browser the environment provides: browsers are never downloaded here. CHROMIUM_PATH wins; otherwise Debian's
 * chromium when it is installed; otherwise Playwright's own (only where `npx playwright install` was run).
 */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const chromiumPath = process.env.CHROMIUM_PATH || (existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined);

/** `scripts/e2e-grafana.sh` sets E2E_RESULTS_JSON to count the specs that ran. The HTML report never opens a server. */
const reporter: ReporterDescription[] = [['list'], ['html', { open: 'never' }]];
if (process.env.E2E_RESULTS_JSON) {
  reporter.push(['json', { outputFile: process.env.E2E_RESULTS_JSON }]);
}

/**
 * Read environment variables from file.
 * https://github.com/motdotla/dotenv
 */
// require('dotenv').config();

/**
 * See https://playwright.dev/docs/test-configuration.
 */
export default defineConfig<PluginOptions>({
  testDir: './tests',
  /* Run tests in files in parallel */
  fullyParallel: true,
  /* Fail the build on CI if you accidentally left test.only in the source code. */
  forbidOnly: !!process.env.CI,
  /* Retry on CI only */
  retries: process.env.CI ? 2 : 0,
  /* Reporter to use. See https://playwright.dev/docs/test-reporters */
  reporter,
  /* Shared settings for all the projects below. See https://playwright.dev/docs/api/class-testoptions. */
  use: {
    /* Base URL to use in actions like `await page.goto('/')`. The root docker-compose publishes Grafana on
     * GRAFANA_PORT (default 3000); plugin-e2e logs in with GRAFANA_ADMIN_USER/GRAFANA_ADMIN_PASSWORD (default
     * admin/admin), the same variables the compose file gives Grafana. */
    baseURL: process.env.GRAFANA_URL || `http://localhost:${process.env.GRAFANA_PORT || '3000'}`,

    /* Debian's chromium (or CHROMIUM_PATH); Playwright passes --no-sandbox itself (chromiumSandbox is false). */
    launchOptions: chromiumPath ? { executablePath: chromiumPath } : {},

    /* Collect trace when retrying the failed test. See https://playwright.dev/docs/trace-viewer */
    trace: 'on-first-retry',

    /* The repository's provisioning folder, which the root docker-compose mounts into Grafana. */
    provisioningRootDir: join(__dirname, '..', 'provisioning'),
  },

  /* Configure projects for major browsers */
  projects: [
    // 1. Login to Grafana and store the cookie on disk for use in other tests.
    {
      name: 'auth',
      testDir: pluginE2eAuth,
      testMatch: [/.*\.js/],
    },
    // 2. Run tests in Google Chrome. Every test will start authenticated as admin user.
    {
      name: 'chromium',
      testIgnore: ['**/viewer/**'],
      use: {
        ...devices['Desktop Chrome'],
        storageState: 'playwright/.auth/admin.json',
      },
      dependencies: ['auth'],
    },
    // 3. A Viewer, created and logged in by plugin-e2e's auth setup, for the specs of what a Viewer may not do.
    {
      name: 'viewer-auth',
      testDir: pluginE2eAuth,
      testMatch: [/.*\.js/],
      use: { user: VIEWER },
    },
    {
      name: 'viewer',
      testDir: './tests/viewer',
      use: {
        ...devices['Desktop Chrome'],
        user: VIEWER,
        storageState: `playwright/.auth/${VIEWER.user}.json`,
      },
      dependencies: ['viewer-auth'],
    },
  ],
});
