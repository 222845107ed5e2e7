import {
  applyFieldOverrides,
  createTheme,
  dateTime,
  ThemeContext,
  type DataFrame,
  type DataQueryError,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type DataSourcePlugin,
  type DataSourceSettings,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Alert, Table, Text } from '@grafana/ui';
import { createElement as h, useState, type ComponentType } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { isObservable, lastValueFrom, type Observable } from 'rxjs';

import type { FrameSummary, HarnessApi, HarnessConfig } from './api.js';

const theme = createTheme({ colors: { mode: 'light' } });
const TABLE_WIDTH = 1360;
const TABLE_HEIGHT = 420;
const COLUMN = { display: 'flex', flexDirection: 'column', gap: 16 } as const;
// Plugin components, typed loosely: the harness only knows them from the loaded module.
type LooseComponent = ComponentType<Record<string, unknown>>;

type AnyDataSource = DataSourceApi & {
  variables?: { query: (req: unknown) => Observable<{ data: Array<{ text: string; value?: string | number }> }> };
};

function summarize(frames: DataFrame[]): { frames: FrameSummary[]; columns: Record<string, unknown[]> } {
  const columns: Record<string, unknown[]> = {};
  const summaries = frames.map((frame, i) => {
    const fields = frame.fields.map((field) => {
      if (i === 0) {
        columns[field.name] = [...field.values];
      }
      const links = frame.length > 0 && field.getLinks ? field.getLinks({ valueRowIndex: 0 }).map((l) => l.href) : [];
      const display = frame.length > 0 && field.display ? field.display(field.values[0]) : undefined;
      return {
        name: field.name,
        type: field.type,
        unit: field.config.unit,
        description: field.config.description,
        links,
        display: display ? `${display.prefix ?? ''}${display.text}${display.suffix ?? ''}` : undefined,
      };
    });
    return {
      refId: frame.refId,
      name: frame.name,
      rows: frame.length,
      fields,
      preferredVisualisationType: frame.meta?.preferredVisualisationType,
      notices: (frame.meta?.notices ?? []).map((n) => ({ severity: n.severity, text: n.text })),
    };
  });
  return { frames: summaries, columns };
}

export function createHarness(exports: Record<string, unknown>, config: HarnessConfig): HarnessApi {
  const plugin = exports.plugin as DataSourcePlugin<AnyDataSource>;
  if (!plugin?.DataSourceClass) {
    throw new Error('module.js does not export a data source plugin');
  }
  const settings = {
    ...config.instanceSettings,
    readOnly: false,
    meta: plugin.meta,
  } as unknown as DataSourceInstanceSettings;
  const ds = new plugin.DataSourceClass(settings) as AnyDataSource;
  const components = plugin.components as { ConfigEditor?: LooseComponent; QueryEditor?: LooseComponent };

  const container = document.getElementById('root') as HTMLElement;
  let root: Root = createRoot(container);
  const show = (element: ReturnType<typeof h>) => {
    root.unmount();
    root = createRoot(container);
    flushSync(() =>
      root.render(h(ThemeContext.Provider, { value: theme }, h('div', { className: 'harness-page' }, element))),
    );
  };

  let options = {
    id: 1,
    uid: config.instanceSettings.uid,
    orgId: 1,
    name: config.instanceSettings.name,
    type: config.instanceSettings.type,
    typeName: 'ECR Lens',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: {},
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
  } as unknown as DataSourceSettings;

  const range = () => {
    const from = dateTime(config.range.from);
    const to = dateTime(config.range.to);
    return { from, to, raw: { from, to } };
  };

  const renderFrames = (
    title: string,
    targets: Array<Record<string, unknown>>,
    frames: DataFrame[],
    errors: DataQueryError[],
  ) => {
    const QueryEditor = components.QueryEditor as LooseComponent;
    const prepared = applyFieldOverrides({
      data: frames,
      fieldConfig: { defaults: {}, overrides: [] },
      replaceVariables: (value, scopedVars, format) => getTemplateSrv().replace(value, scopedVars, format),
      theme,
      timeZone: 'utc',
    });
    show(
      h(
        'div',
        { style: COLUMN },
        h(Text, { element: 'h2', children: title }),
        ...targets.map((t) =>
          h(QueryEditor, {
            key: String(t.refId),
            query: t,
            datasource: ds,
            onChange: () => undefined,
            onRunQuery: () => undefined,
          }),
        ),
        ...errors.map((e) =>
          h(Alert, { key: `e${e.refId}`, title: `Query ${e.refId} failed`, severity: 'error' }, e.message),
        ),
        ...prepared.map((frame, i) =>
          h(
            'div',
            { key: `f${i}`, 'data-testid': `frame-${frame.refId}` },
            h(Table, { data: frame, width: TABLE_WIDTH, height: TABLE_HEIGHT, ariaLabel: `Result ${frame.refId}` }),
          ),
        ),
      ),
    );
    return summarize(prepared);
  };

  return {
    renderConfigEditor() {
      const ConfigEditor = components.ConfigEditor as LooseComponent;
      function Stateful() {
        const [current, setCurrent] = useState(options);
        return h(ConfigEditor, {
          options: current,
          onOptionsChange: (next: DataSourceSettings) => {
            options = next;
            setCurrent(next);
          },
        });
      }
      show(
        h(
          'div',
          { style: COLUMN },
          h(Text, { element: 'h2', children: 'ECR Lens: data source settings' }),
          h(Stateful),
        ),
      );
    },
    configOptions: () => ({
      jsonData: options.jsonData as Record<string, unknown>,
      secureJsonData: options.secureJsonData as Record<string, string> | undefined,
    }),
    async runQuery(targets, title) {
      const response = await ds.query({
        requestId: `harness-${Date.now()}`,
        interval: '1m',
        intervalMs: 60_000,
        range: range(),
        scopedVars: {},
        targets: targets as never,
        timezone: 'utc',
        app: 'dashboard',
        startTime: Date.now(),
      });
      const result = isObservable(response) ? await lastValueFrom(response) : response;
      const errors = (result.errors ?? []) as DataQueryError[];
      const summary = renderFrames(title, targets, result.data as DataFrame[], errors);
      return { ...summary, errors: errors.map((e) => ({ refId: e.refId, message: e.message })) };
    },
    async testDatasource() {
      const r = await ds.testDatasource();
      return { status: r.status, message: r.message };
    },
    async variableValues(query) {
      if (!ds.variables) {
        throw new Error('the data source has no variable support');
      }
      const r = await lastValueFrom(
        ds.variables.query({
          targets: [{ refId: 'V', ...query }],
          range: range(),
          scopedVars: {},
          requestId: 'v',
          app: 'dashboard',
        }),
      );
      return r.data;
    },
    async annotations(kind) {
      const anno = ds.annotations?.prepareQuery?.({
        name: kind,
        enable: true,
        iconColor: 'red',
        target: { refId: 'Anno', annotationKind: kind } as never,
      });
      if (!anno) {
        throw new Error('the data source did not prepare an annotation query');
      }
      const result = await ds.query({
        requestId: 'anno',
        interval: '1m',
        intervalMs: 60_000,
        range: range(),
        scopedVars: {},
        targets: [anno],
        timezone: 'utc',
        app: 'dashboard',
        startTime: Date.now(),
      });
      const r = isObservable(result) ? await lastValueFrom(result) : result;
      const { frames, columns } = summarize(r.data as DataFrame[]);
      return { frames, columns, errors: (r.errors ?? []).map((e) => ({ refId: e.refId, message: e.message })) };
    },
  };
}
