/**
 * The host page of the real-browser test: plays Grafana's part around a data source plugin.
 * It registers Grafana's shared modules in SystemJS under `package:<name>` ids behind an import map (as Grafana's
 * plugin loader does), installs the runtime services (a fetch-based BackendSrv, a TemplateSrv), imports the built
 * dist/module.js through SystemJS's AMD extra, and exposes `window.harness` for the test to drive.
 */
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUI from '@grafana/ui';
import * as lodash from 'lodash';
import moment from 'moment';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';

import type { HarnessApi, HarnessConfig } from './api.js';
import { createHarness } from './harness.js';
import { fetchBackendSrv } from './backendSrv.js';
import { harnessTemplateSrv } from './templateSrv.js';

interface SystemJSLike {
  addImportMap(map: { imports: Record<string, string> }, base?: string): void;
  shouldFetch(url: string): boolean;
  fetch(url: string, options?: RequestInit): Promise<Response>;
  set(id: string, module: object): void;
  import(id: string): Promise<Record<string, unknown>>;
}

declare global {
  interface Window {
    System: SystemJSLike;
    harnessConfig: HarnessConfig;
    harness?: HarnessApi;
    harnessError?: string;
  }
}

const withDefault = (ns: object, useDefault = false) => ({
  ...ns,
  default: (ns as { default?: unknown }).default ?? ns,
  ...(useDefault ? { __useDefault: true } : {}),
});

// Names match grafana/grafana public/app/features/plugins/loader/sharedDependencies.ts.
const shared: Record<string, object> = {
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUI,
  emotion: emotionCss,
  lodash: withDefault(lodash, true),
  moment: { ...moment, default: moment, __useDefault: true },
  react: withDefault(React),
  'react/jsx-runtime': jsxRuntime,
  'react-dom': withDefault(ReactDOM),
  'react-dom/client': ReactDOMClient,
  rxjs,
  'rxjs/operators': rxjsOperators,
};

async function boot(): Promise<void> {
  const System = window.System;
  const imports: Record<string, string> = {};
  for (const [name, module] of Object.entries(shared)) {
    imports[name] = `package:${name}`;
    System.set(`package:${name}`, module);
  }
  System.addImportMap({ imports });

  // Grafana's systemjsHooks: fetch plugin code and wrap it so its `define` is SystemJS's AMD define.
  const originalFetch = System.fetch.bind(System);
  System.shouldFetch = () => true;
  System.fetch = async (url, options) => {
    const res = await originalFetch(url, options);
    if (!res.ok || !/\.js(\?|$)/.test(url)) {
      return res;
    }
    const source = await res.text();
    const wrapped = `(function(define) {\n${source}\n})(window.__grafana_amd_define);\n//# sourceURL=${url}`;
    return new Response(wrapped, { status: 200, headers: { 'content-type': 'text/javascript' } });
  };

  grafanaRuntime.setBackendSrv(fetchBackendSrv());
  grafanaRuntime.setTemplateSrv(harnessTemplateSrv(window.harnessConfig.variables));

  const exports = await System.import(window.harnessConfig.moduleUrl);
  window.harness = createHarness(exports, window.harnessConfig);
}

boot().catch((err: unknown) => {
  window.harnessError = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
});
