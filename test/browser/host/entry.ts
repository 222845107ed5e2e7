/**
 * The host page of the real-browser test: plays Grafana's part around a data source plugin.
 * It registers Grafana's shared modules in SystemJS under `package:<name>` ids behind an import map (as Grafana's
 * plugin loader does), installs the runtime services (a fetch-based BackendSrv, a TemplateSrv), imports the built
 * dist/module.js through SystemJS's AMD extra, and exposes `window.harness` for the test to drive.
 */
import * as grafanaRuntime from '@grafana/runtime';

import type { HarnessApi, HarnessConfig } from './api.js';
import { createHarness } from './harness.js';
import { bootSystem } from './system.js';
import { fetchBackendSrv } from './backendSrv.js';
import { harnessTemplateSrv } from './templateSrv.js';

declare global {
  interface Window {
    harnessConfig: HarnessConfig;
    harness?: HarnessApi;
    harnessError?: string;
  }
}

async function boot(): Promise<void> {
  bootSystem();
  grafanaRuntime.setBackendSrv(fetchBackendSrv());
  grafanaRuntime.setTemplateSrv(harnessTemplateSrv(window.harnessConfig.variables));

  const exports = await window.System.import(window.harnessConfig.moduleUrl);
  window.harness = createHarness(exports, window.harnessConfig);
}

boot().catch((err: unknown) => {
  window.harnessError = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
});
