/**
 * The host page of the app test: plays Grafana's AppRootPage. As Grafana does for /a/<pluginId>/*, it loads the
 * app's module.js, takes `plugin.root` and renders it with the app's meta (its jsonData as the settings API has
 * it), under the signed-in user that the page's window.grafanaBootData names (config.bootData.user, as Grafana boots it).
 */
import { createTheme, type AppPlugin } from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import { ThemeContext } from '@grafana/ui';
import { createElement as h, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { Router } from 'react-router-dom';
import { CompatRouter } from 'react-router-dom-v5-compat';

import type { AppHarnessConfig } from './app-api.js';
import { fetchBackendSrv } from './backendSrv.js';
import { bootSystem } from './system.js';

declare global {
  interface Window {
    appHarnessConfig: AppHarnessConfig;
    appHarnessReady?: boolean;
    harnessError?: string;
  }
}

async function boot(): Promise<void> {
  const config = window.appHarnessConfig;
  bootSystem();
  grafanaRuntime.setBackendSrv(fetchBackendSrv());

  const exports = await window.System.import(config.moduleUrl);
  const plugin = exports.plugin as AppPlugin;
  const Root = plugin.root as ComponentType<Record<string, unknown>> | undefined;
  if (!Root) {
    throw new Error('the app module has no root page (plugin.root)');
  }
  const meta = { id: config.appId, type: 'app', name: 'ECR Lens', enabled: true, pinned: true, jsonData: config.jsonData, info: {} };
  const root = createRoot(document.getElementById('root')!);
  root.render(
    h(
      ThemeContext.Provider,
      { value: createTheme({ colors: { mode: 'light' } }) },
      // Grafana's app shell: a v5 Router on locationService's history with the v6 compatibility layer, which
      // @grafana/ui's links use.
      h(
        Router,
        { history: grafanaRuntime.locationService.getHistory() },
        h(
          CompatRouter,
          null,
          h('div', { className: 'harness-page' }, h(Root, { meta, basename: `/a/${config.appId}`, path: window.location.pathname, query: {}, onNavChanged: () => undefined })),
        ),
      ),
    ),
  );
  window.appHarnessReady = true;
}

boot().catch((err: unknown) => {
  window.harnessError = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
});
