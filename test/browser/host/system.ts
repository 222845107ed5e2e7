/**
 * What Grafana's plugin loader does before a plugin's module runs: its shared modules registered in SystemJS under
 * `package:<name>` ids behind an import map, and plugin code fetched and wrapped so that its `define` is SystemJS's
 * AMD define. Shared by the host pages (data source, dashboards, app).
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

/** Sets SystemJS up as Grafana's loader does; then `window.System.import(moduleUrl)` loads a built plugin. */
export function bootSystem(): void {
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
}
