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
  const meta = {
    id: config.appId,
    type: 'app',
    name: 'ECR Lens',
    enabled: config.enabled,
    pinned: true,
    jsonData: config.jsonData,
    secureJsonFields: config.secureJsonFields,
    info: {},
  };
  // Grafana's AppRootPage renders plugin.root; its plugin page renders the first config page's body.
  const component = (config.view === 'config' ? plugin.configPages?.[0]?.body : plugin.root) as unknown as
    | ComponentType<Record<string, unknown>>
    | undefined;
  if (!component) {
    throw new Error(`the app module has no ${config.view === 'config' ? 'configuration page' : 'root page (plugin.root)'}`);
  }
  const props =
    config.view === 'config'
      ? { plugin: { meta }, query: {} }
      : { meta, basename: `/a/${config.appId}`, path: window.location.pathname, query: {}, onNavChanged: () => undefined };
  const page = h(component, props);
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
          h('div', { className: 'harness-page' }, page),
        ),
      ),
    ),
  );
  window.appHarnessReady = true;
}

boot().catch((err: unknown) => {
  window.harnessError = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
});
