/**
 * Renders a provisioned dashboard in the host page the way Grafana lays it out: a 24-column grid of 30 px rows
 * with 8 px gaps (gridPos), each panel in @grafana/ui's PanelChrome, ECR Lens panels fed by the plugin's own
 * DataSource.query(), Prometheus panels by the real Prometheus (./prometheus.ts), each shown with @grafana/ui's own
 * visualisation for its type (Table, BigValue, BarGauge, TimeSeries) after the panel's field config is applied.
 * Only the annotation list (Grafana's own annotation store) is a placeholder.
 */
import {
  applyFieldOverrides,
  createTheme,
  dateTime,
  getFieldDisplayValues,
  ThemeContext,
  type DataFrame,
  type DataQueryError,
  type DataQueryResponse,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type DataSourcePlugin,
  type FieldConfigSource,
  type InterpolateFunction,
  type ReduceDataOptions,
} from '@grafana/data';
import { getTemplateSrv, setTemplateSrv } from '@grafana/runtime';
import {
  BarGauge,
  BarGaugeDisplayMode,
  BigValue,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  LegendDisplayMode,
  PanelChrome,
  Table,
  TimeSeries,
} from '@grafana/ui';
import { VizOrientation, type TableCellHeight } from '@grafana/schema';
import { createElement as h, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import { isObservable, lastValueFrom } from 'rxjs';

import type { HarnessConfig } from './api.js';
import type { DashboardApi, DashboardPanelSpec, DashboardResult, DashboardSpec, PanelResult } from './dashboard-api.js';
import { fieldConfigRegistry, STANDARD_DEFAULTS } from './fieldConfig.js';
import { prometheusFrames } from './prometheus.js';
import { harnessTemplateSrv } from './templateSrv.js';

const theme = createTheme({ colors: { mode: 'dark' } });
/** Grafana's grid: 24 columns, 30 px rows, 8 px margins. */
const COLUMNS = 24;
const ROW_HEIGHT = 30;
const GAP = 8;
const PAGE_PADDING = 16;

type Range = { from: number; to: number };

const timeRange = (r: Range) => {
  const from = dateTime(r.from);
  const to = dateTime(r.to);
  return { from, to, raw: { from, to } };
};

const replaceVariables: InterpolateFunction = (value, scopedVars, format) =>
  getTemplateSrv().replace(value, scopedVars, format);

const errorText = (e: DataQueryError) => `${e.refId ?? ''}: ${e.message ?? e.data?.message ?? 'query failed'}`;

function prepare(frames: DataFrame[], panel: DashboardPanelSpec): DataFrame[] {
  const fieldConfig = {
    defaults: { ...STANDARD_DEFAULTS, ...panel.fieldConfig.defaults },
    overrides: panel.fieldConfig.overrides,
  } as unknown as FieldConfigSource;
  return applyFieldOverrides({
    data: frames,
    fieldConfig,
    fieldConfigRegistry,
    replaceVariables,
    theme,
    timeZone: 'utc',
  });
}

/** The panel's values reduced as its options say (the stat and bar gauge panels' own step). */
function displayValues(panel: DashboardPanelSpec, frames: DataFrame[], sparkline = false) {
  return getFieldDisplayValues({
    data: frames,
    reduceOptions: (panel.options.reduceOptions ?? { calcs: ['lastNotNull'] }) as ReduceDataOptions,
    fieldConfig: panel.fieldConfig as unknown as FieldConfigSource,
    replaceVariables,
    theme,
    timeZone: 'utc',
    sparkline,
  });
}

function statValue(panel: DashboardPanelSpec, frames: DataFrame[], width: number, height: number) {
  const trend = panel.options.graphMode === 'area';
  const values = displayValues(panel, frames, trend);
  const [first] = values;
  const shown = first ? `${first.display.prefix ?? ''}${first.display.text}${first.display.suffix ?? ''}` : '';
  const node = first
    ? h(BigValue, {
        value: first.display,
        sparkline: first.sparkline,
        width,
        height,
        theme,
        colorMode: BigValueColorMode.Value,
        graphMode: trend ? BigValueGraphMode.Area : BigValueGraphMode.None,
        justifyMode: BigValueJustifyMode.Auto,
        textMode: (panel.options.textMode ?? BigValueTextMode.Auto) as BigValueTextMode,
        // As the stat panel does: "auto" shows the field name only when there are several values.
        count: values.length,
      })
    : null;
  return { node, shown: first ? [shown] : [] };
}

/** One horizontal bar per series (the bar gauge panel's default layout), each reduced as the panel says. */
function barGauges(panel: DashboardPanelSpec, frames: DataFrame[], width: number, height: number) {
  const values = displayValues(panel, frames);
  const spacing = 8;
  const barHeight = values.length > 0 ? Math.max(16, (height - spacing * (values.length - 1)) / values.length) : 0;
  const node = h(
    'div',
    { style: { display: 'flex', flexDirection: 'column', gap: spacing, height, overflow: 'hidden' } },
    ...values.map((v, i) =>
      h(BarGauge, {
        key: i,
        value: v.display,
        field: v.field,
        width,
        height: barHeight,
        orientation: VizOrientation.Horizontal,
        displayMode: (panel.options.displayMode ?? BarGaugeDisplayMode.Gradient) as BarGaugeDisplayMode,
        theme,
        isOverflow: false,
      }),
    ),
  );
  const shown = values.slice(0, 1).map((v) => `${v.display.title ?? ''}`);
  return { node, shown };
}

/** A time series panel: @grafana/ui's TimeSeries over the panel's range, legend as a list below. */
function timeSeries(frames: DataFrame[], range: Range, width: number, height: number) {
  const node = h(TimeSeries, {
    frames,
    width,
    height,
    timeRange: timeRange(range),
    timeZone: 'utc',
    legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
  });
  const shown = frames.flatMap((f) =>
    f.fields.filter((field) => field.type !== 'time').map((field) => field.config.displayNameFromDS ?? field.name),
  );
  return { node, shown: shown.slice(0, 3) };
}

/** The first row's first cells, formatted as the Table shows them. */
function firstRow(frame: DataFrame | undefined): string[] {
  if (!frame || frame.length === 0) {
    return [];
  }
  return frame.fields.slice(0, 3).map((f) => {
    const d = f.display?.(f.values[0]);
    return d ? `${d.prefix ?? ''}${d.text}${d.suffix ?? ''}` : String(f.values[0]);
  });
}

function placeholder(lines: string[], height: number): ReactNode {
  return h(
    'div',
    {
      style: {
        height,
        boxSizing: 'border-box',
        overflow: 'hidden',
        display: 'flex',
        flexDirection: 'column',
        alignItems: 'center',
        justifyContent: 'center',
        gap: 4,
        color: theme.colors.text.secondary,
        border: `1px dashed ${theme.colors.border.medium}`,
        borderRadius: theme.shape.radius.default,
        fontSize: theme.typography.bodySmall.fontSize,
        textAlign: 'center',
        padding: 8,
      },
    },
    ...lines.map((line, i) =>
      h('div', { key: i, style: i === 0 ? { fontSize: theme.typography.body.fontSize } : undefined }, line),
    ),
  );
}

function placeholderLines(panel: DashboardPanelSpec): string[] {
  if (panel.type === 'annolist') {
    return ['Annotation list (rendered in Grafana)', "Grafana's own annotations, tagged ecr-lens and cleanup"];
  }
  return [`${panel.type} panel (rendered in Grafana)`];
}

export function createDashboardApi(config: HarnessConfig): DashboardApi {
  let ds: DataSourceApi | undefined;
  const dataSource = async (): Promise<DataSourceApi> => {
    if (!ds) {
      // SystemJS returns the module the host already imported.
      const exports = await window.System.import(config.moduleUrl);
      const plugin = exports.plugin as DataSourcePlugin<DataSourceApi>;
      const settings = { ...config.instanceSettings, readOnly: false, meta: plugin.meta };
      ds = new plugin.DataSourceClass(settings as unknown as DataSourceInstanceSettings);
    }
    return ds;
  };

  const query = async (targets: Array<Record<string, unknown>>, range: Range): Promise<DataQueryResponse> => {
    const source = await dataSource();
    const response = source.query({
      requestId: `dashboard-${Math.random().toString(36).slice(2)}`,
      interval: '1m',
      intervalMs: 60_000,
      range: timeRange(range),
      scopedVars: {},
      targets: targets as never,
      timezone: 'utc',
      app: 'dashboard',
      startTime: Date.now(),
    });
    return isObservable(response) ? lastValueFrom(response) : response;
  };

  let root: Root | undefined;

  return {
    async column(target, field, range) {
      const r = await query([{ refId: 'A', ...target }], range);
      const frame = (r.data as DataFrame[])[0];
      return [...(frame?.fields.find((f) => f.name === field)?.values ?? [])];
    },

    async render(spec: DashboardSpec): Promise<DashboardResult> {
      setTemplateSrv(harnessTemplateSrv(spec.variables));
      const source = await dataSource();

      const annotations: DashboardResult['annotations'] = [];
      for (const a of spec.annotations) {
        const prepared = source.annotations?.prepareQuery?.({
          name: a.name,
          enable: true,
          iconColor: 'orange',
          target: a.target as never,
        });
        if (!prepared) {
          annotations.push({
            name: a.name,
            events: 0,
            errors: ['the data source did not prepare the annotation query'],
          });
          continue;
        }
        const r = await query([prepared as unknown as Record<string, unknown>], a.range);
        const events = (r.data as DataFrame[]).reduce((n, f) => n + f.length, 0);
        annotations.push({ name: a.name, events, errors: (r.errors ?? []).map(errorText) });
      }

      // Grafana runs each panel's queries as one request, in parallel across panels.
      const data = await Promise.all(
        spec.panels.map(async (panel) => {
          if (panel.otherDatasource === 'prometheus') {
            const r = await prometheusFrames(panel.targets, panel.range);
            return { frames: prepare(r.frames, panel), errors: r.errors };
          }
          if (!panel.ecrLens) {
            return undefined;
          }
          const r = await query(panel.targets, panel.range);
          return { frames: prepare(r.data as DataFrame[], panel), errors: (r.errors ?? []).map(errorText) };
        }),
      );

      const width = Math.min(window.innerWidth, 1600) - 2 * PAGE_PADDING;
      const column = (width - (COLUMNS - 1) * GAP) / COLUMNS;
      const results: PanelResult[] = [];

      const cells = spec.panels.map((panel, i) => {
        const pw = Math.floor(panel.gridPos.w * column + (panel.gridPos.w - 1) * GAP);
        const ph = panel.gridPos.h * ROW_HEIGHT + (panel.gridPos.h - 1) * GAP;
        const title = getTemplateSrv().replace(panel.title);
        const style = {
          gridColumn: `${panel.gridPos.x + 1} / span ${panel.gridPos.w}`,
          gridRow: `${panel.gridPos.y + 1} / span ${panel.gridPos.h}`,
          minWidth: 0,
        };
        if (panel.type === 'row') {
          return h(
            'div',
            {
              key: panel.id,
              'data-panel-id': panel.id,
              style: {
                ...style,
                display: 'flex',
                alignItems: 'center',
                gap: 8,
                fontSize: theme.typography.h5.fontSize,
                fontWeight: theme.typography.fontWeightMedium,
                color: theme.colors.text.primary,
                borderBottom: `1px solid ${theme.colors.border.weak}`,
              },
            },
            h('span', { style: { color: theme.colors.text.secondary } }, '\u25BE'),
            title,
          );
        }
        const result = data[i];
        let content: (w: number, hgt: number) => ReactNode = (_w, hgt) => placeholder(placeholderLines(panel), hgt);
        if (result) {
          const frame = result.frames[Number(panel.options.frameIndex ?? 0)] ?? result.frames[0];
          const summary: PanelResult = {
            id: panel.id,
            title,
            type: panel.type,
            frames: result.frames.length,
            rows: result.frames.reduce((n, f) => n + f.length, 0),
            fields: frame?.fields.map((f) => f.name) ?? [],
            errors: result.errors,
            shown: [],
            source: panel.ecrLens ? 'ecr-lens' : 'prometheus',
          };
          results.push(summary);
          const shownBy =
            (draw: (w: number, hgt: number) => { node: ReactNode; shown: string[] }) => (w: number, hgt: number) => {
              const drawn = draw(w, hgt);
              summary.shown = drawn.shown;
              return drawn.node;
            };
          if (panel.type === 'stat') {
            content = shownBy((w, hgt) => statValue(panel, result.frames, w, hgt));
          } else if (panel.type === 'bargauge') {
            content = shownBy((w, hgt) => barGauges(panel, result.frames, w, hgt));
          } else if (panel.type === 'timeseries') {
            content = shownBy((w, hgt) => timeSeries(result.frames, panel.range, w, hgt));
          } else if (frame) {
            summary.shown = firstRow(frame);
            content = (w, hgt) =>
              h(Table, {
                data: frame,
                width: w,
                height: hgt,
                ariaLabel: title,
                cellHeight: (panel.options.cellHeight ?? 'sm') as TableCellHeight,
                showTypeIcons: Boolean(panel.options.showTypeIcons),
                noHeader: panel.options.showHeader === false,
              });
          }
        }
        const errors = result?.errors ?? [];
        return h(
          'div',
          { key: panel.id, 'data-panel-id': panel.id, 'data-panel-type': panel.type, style },
          h(PanelChrome, {
            title,
            width: pw,
            height: ph,
            statusMessage: errors.length > 0 ? errors.join('\n') : undefined,
            children: (w: number, hgt: number) => content(w, hgt),
          }),
        );
      });

      const variables = Object.entries(spec.variables).map(([name, value]) =>
        Array.isArray(value) ? `${name} = All (${value.length})` : `${name} = ${value.slice(0, 19)}…`,
      );
      const page = h(
        'div',
        {
          // What Grafana's GlobalStyles give the body (without their web fonts, which the harness does not serve).
          style: {
            padding: PAGE_PADDING,
            width,
            boxSizing: 'content-box',
            color: theme.colors.text.primary,
            fontFamily: theme.typography.fontFamily,
            fontSize: theme.typography.body.fontSize,
            lineHeight: theme.typography.body.lineHeight,
          },
        },
        h(
          'div',
          {
            style: {
              display: 'flex',
              alignItems: 'baseline',
              gap: 16,
              marginBottom: 12,
              color: theme.colors.text.primary,
            },
          },
          h('h1', { style: { fontSize: theme.typography.h3.fontSize, margin: 0, fontWeight: 500 } }, spec.title),
          h(
            'span',
            { style: { color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize } },
            variables.join('  ·  '),
          ),
        ),
        // Grafana's global CSS lets buttons (the Table's sortable headers) inherit text colour and font.
        h('style', null, '#dashboard button { color: inherit; font: inherit; }'),
        h(
          'div',
          {
            'data-testid': 'dashboard-grid',
            style: {
              display: 'grid',
              gridTemplateColumns: `repeat(${COLUMNS}, minmax(0, 1fr))`,
              gridAutoRows: `${ROW_HEIGHT}px`,
              gap: GAP,
            },
          },
          ...cells,
        ),
      );

      let container = document.getElementById('dashboard');
      if (!container) {
        container = document.createElement('div');
        container.id = 'dashboard';
        document.body.appendChild(container);
        (document.getElementById('root') as HTMLElement).style.display = 'none';
      }
      document.body.style.background = theme.colors.background.canvas;
      root?.unmount();
      root = createRoot(container);
      const app = root;
      flushSync(() => app.render(h(ThemeContext.Provider, { value: theme }, page)));
      return { panels: results, annotations };
    },
  };
}
