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
import { lastValueFrom, type Observable } from 'rxjs';

import type { FrameSummary, HarnessApi, HarnessConfig } from './api.js';
import { runQuery } from './run-query.js';

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

type Components = { ConfigEditor?: LooseComponent; QueryEditor?: LooseComponent };
type Show = (element: ReturnType<typeof h>) => void;
type Range = () => ReturnType<typeof timeRangeOf>;

const timeRangeOf = (r: { from: number; to: number }) => {
  const from = dateTime(r.from);
  const to = dateTime(r.to);
  return { from, to, raw: { from, to } };
};

/** The data source as Grafana builds it from the loaded module and the instance settings. */
function loadDataSource(
  exports: Record<string, unknown>,
  config: HarnessConfig,
): { ds: AnyDataSource; components: Components } {
  const plugin = exports.plugin as DataSourcePlugin<AnyDataSource>;
  if (!plugin?.DataSourceClass) {
    throw new Error('module.js does not export a data source plugin');
  }
  const settings = {
    ...config.instanceSettings,
    readOnly: false,
    meta: plugin.meta,
  } as unknown as DataSourceInstanceSettings;
  return { ds: new plugin.DataSourceClass(settings) as AnyDataSource, components: plugin.components as Components };
}

/** Renders one page at a time in #root, themed, synchronously. */
function pageRenderer(): Show {
  const container = document.getElementById('root') as HTMLElement;
  let root: Root = createRoot(container);
  return (element) => {
    root.unmount();
    root = createRoot(container);
    flushSync(() =>
      root.render(h(ThemeContext.Provider, { value: theme }, h('div', { className: 'harness-page' }, element))),
    );
  };
}

/** What Grafana hands a new data source's config editor. */
function newDataSourceSettings(config: HarnessConfig): DataSourceSettings {
  return {
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
}

/** DataSource.query() over the harness's range. */
const runTargets = (ds: AnyDataSource, range: Range, targets: unknown[], requestId: string) =>
  runQuery(ds, targets, range(), requestId);

/** The query editors of the targets, their errors and their frames in Tables, as panel edit shows them. */
function renderFrames(
  show: Show,
  view: { ds: AnyDataSource; components: Components },
  title: string,
  targets: Array<Record<string, unknown>>,
  frames: DataFrame[],
  errors: DataQueryError[],
) {
  const QueryEditor = view.components.QueryEditor as LooseComponent;
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
          datasource: view.ds,
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
}

/** The config editor as Grafana's data source settings page holds it: state that each change replaces. */
function configEditorPage(
  components: Components,
  get: () => DataSourceSettings,
  set: (next: DataSourceSettings) => void,
): ReturnType<typeof h> {
  const ConfigEditor = components.ConfigEditor as LooseComponent;
  function Stateful() {
    const [current, setCurrent] = useState(get());
    return h(ConfigEditor, {
      options: current,
      onOptionsChange: (next: DataSourceSettings) => {
        set(next);
        setCurrent(next);
      },
    });
  }
  return h(
    'div',
    { style: COLUMN },
    h(Text, { element: 'h2', children: 'ECR Lens: data source settings' }),
    h(Stateful),
  );
}

export function createHarness(exports: Record<string, unknown>, config: HarnessConfig): HarnessApi {
  const view = loadDataSource(exports, config);
  const { ds } = view;
  const show = pageRenderer();
  let options = newDataSourceSettings(config);
  const range: Range = () => timeRangeOf(config.range);

  return {
    renderConfigEditor() {
      show(
        configEditorPage(
          view.components,
          () => options,
          (next) => (options = next),
        ),
      );
    },
    configOptions: () => ({
      jsonData: options.jsonData as Record<string, unknown>,
      secureJsonData: options.secureJsonData as Record<string, string> | undefined,
    }),
    async runQuery(targets, title) {
      const result = await runTargets(ds, range, targets, `harness-${Date.now()}`);
      const errors = (result.errors ?? []) as DataQueryError[];
      const summary = renderFrames(show, view, title, targets, result.data as DataFrame[], errors);
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
      const request = {
        targets: [{ refId: 'V', ...query }],
        range: range(),
        scopedVars: {},
        requestId: 'v',
        app: 'dashboard',
      };
      return (await lastValueFrom(ds.variables.query(request))).data;
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
      const r = await runTargets(ds, range, [anno], 'anno');
      const { frames, columns } = summarize(r.data as DataFrame[]);
      return { frames, columns, errors: (r.errors ?? []).map((e) => ({ refId: e.refId, message: e.message })) };
    },
  };
}
