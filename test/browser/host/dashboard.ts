/**
 * Renders a provisioned dashboard in the host page the way Grafana lays it out: a 24-column grid of 30 px rows
 * with 8 px gaps (gridPos), each panel in @grafana/ui's PanelChrome, ECR Lens panels fed by the plugin's own
 * DataSource.query(), Prometheus panels by the real Prometheus (./prometheus.ts), each shown with @grafana/ui's own
 * visualisation for its type (Table, BigValue, BarGauge, TimeSeries) after the panel's field config is applied,
 * and the annotation list from the stand-in's Grafana annotation store.
 */
import {
  applyFieldOverrides,
  ThemeContext,
  type DataFrame,
  type DataQueryError,
  type DataQueryResponse,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type DataSourcePlugin,
  type FieldConfigSource,
} from '@grafana/data';
import { getTemplateSrv, setTemplateSrv } from '@grafana/runtime';
import { PanelChrome, Table } from '@grafana/ui';
import { type TableCellHeight } from '@grafana/schema';
import { createElement as h, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';

import type { HarnessConfig } from './api.js';
import type { DashboardApi, DashboardPanelSpec, DashboardResult, DashboardSpec, PanelResult } from './dashboard-api.js';
import { fieldConfigRegistry, STANDARD_DEFAULTS } from './fieldConfig.js';
import { annotationList, listAnnotations, type GrafanaAnnotation } from './annotation-list.js';
import { prometheusFrames } from './prometheus.js';
import { runQuery } from './run-query.js';
import {
  barGauges,
  firstRow,
  placeholder,
  placeholderLines,
  replaceVariables,
  statValue,
  theme,
  timeRange,
  timeSeries,
  type Range,
} from './visualisations.js';
import { harnessTemplateSrv } from './templateSrv.js';

/** Grafana's grid: 24 columns, 30 px rows, 8 px margins. */
const COLUMNS = 24;
const ROW_HEIGHT = 30;
const GAP = 8;
const PAGE_PADDING = 16;

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

type Query = (targets: Array<Record<string, unknown>>, range: Range) => Promise<DataQueryResponse>;
/** A panel's data once queried and its field config applied; errors in the data source's words. */
type PanelData = { frames: DataFrame[]; errors: string[]; annotations?: GrafanaAnnotation[] } | undefined;

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

  const query: Query = async (targets, range) => {
    const source = await dataSource();
    return runQuery(source, targets, timeRange(range), `dashboard-${Math.random().toString(36).slice(2)}`);
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
      const annotations = await runAnnotations(source, query, spec);
      const data = await Promise.all(spec.panels.map((panel) => panelData(panel, query)));
      const width = Math.min(window.innerWidth, 1600) - 2 * PAGE_PADDING;
      const column = (width - (COLUMNS - 1) * GAP) / COLUMNS;
      const results: PanelResult[] = [];
      const cells = spec.panels.map((panel, i) => panelCell(panel, data[i], column, results));
      root?.unmount();
      root = mount(dashboardPage(spec, width, cells));
      return { panels: results, annotations };
    },
  };
}

/** The dashboard's ECR Lens annotation queries over their range, as Grafana runs them. */
async function runAnnotations(
  source: DataSourceApi,
  query: Query,
  spec: DashboardSpec,
): Promise<DashboardResult['annotations']> {
  const annotations: DashboardResult['annotations'] = [];
  for (const a of spec.annotations) {
    const prepared = source.annotations?.prepareQuery?.({
      name: a.name,
      enable: true,
      iconColor: 'orange',
      target: a.target as never,
    });
    if (!prepared) {
      annotations.push({ name: a.name, events: 0, errors: ['the data source did not prepare the annotation query'] });
      continue;
    }
    const r = await query([prepared as unknown as Record<string, unknown>], a.range);
    const events = (r.data as DataFrame[]).reduce((n, f) => n + f.length, 0);
    annotations.push({ name: a.name, events, errors: (r.errors ?? []).map(errorText) });
  }
  return annotations;
}

/** One panel's data: ECR Lens targets through the plugin, PromQL through Prometheus (Grafana runs panels in parallel). */
async function panelData(panel: DashboardPanelSpec, query: Query): Promise<PanelData> {
  if (panel.otherDatasource === 'prometheus') {
    const r = await prometheusFrames(panel.targets, panel.range);
    return { frames: prepare(r.frames, panel), errors: r.errors };
  }
  if (panel.type === 'annolist') {
    const r = await listAnnotations(panel);
    return { frames: [], errors: r.errors, annotations: r.items };
  }
  if (!panel.ecrLens) {
    return undefined;
  }
  const r = await query(panel.targets, panel.range);
  return { frames: prepare(r.data as DataFrame[], panel), errors: (r.errors ?? []).map(errorText) };
}

/** A grid cell: a row's title, or a panel in PanelChrome with its visualisation; the panel's summary joins `results`. */
function panelCell(panel: DashboardPanelSpec, result: PanelData, column: number, results: PanelResult[]): ReactNode {
  const pw = Math.floor(panel.gridPos.w * column + (panel.gridPos.w - 1) * GAP);
  const ph = panel.gridPos.h * ROW_HEIGHT + (panel.gridPos.h - 1) * GAP;
  const title = getTemplateSrv().replace(panel.title);
  const style = {
    gridColumn: `${panel.gridPos.x + 1} / span ${panel.gridPos.w}`,
    gridRow: `${panel.gridPos.y + 1} / span ${panel.gridPos.h}`,
    minWidth: 0,
  };
  if (panel.type === 'row') {
    return rowCell(panel, title, style);
  }
  let content: (w: number, hgt: number) => ReactNode = (_w, hgt) => placeholder(placeholderLines(panel), hgt);
  if (result) {
    const summary = panelSummary(panel, title, result);
    results.push(summary);
    content = visualisation(panel, title, result, summary) ?? content;
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
}

function rowCell(panel: DashboardPanelSpec, title: string, style: Record<string, unknown>): ReactNode {
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

function panelSummary(panel: DashboardPanelSpec, title: string, result: NonNullable<PanelData>): PanelResult {
  const frame = result.frames[Number(panel.options.frameIndex ?? 0)] ?? result.frames[0];
  return {
    id: panel.id,
    title,
    type: panel.type,
    frames: result.frames.length,
    rows: result.annotations?.length ?? result.frames.reduce((n, f) => n + f.length, 0),
    fields: frame?.fields.map((f) => f.name) ?? [],
    errors: result.errors,
    shown: [],
    source: panel.ecrLens ? 'ecr-lens' : panel.type === 'annolist' ? 'grafana' : 'prometheus',
  };
}

/** How the panel's type draws its data; what it shows is recorded in `summary.shown` when it draws. */
function visualisation(
  panel: DashboardPanelSpec,
  title: string,
  result: NonNullable<PanelData>,
  summary: PanelResult,
): ((w: number, hgt: number) => ReactNode) | undefined {
  const shownBy =
    (draw: (w: number, hgt: number) => { node: ReactNode; shown: string[] }) => (w: number, hgt: number) => {
      const drawn = draw(w, hgt);
      summary.shown = drawn.shown;
      return drawn.node;
    };
  if (panel.type === 'stat') {
    return shownBy((w, hgt) => statValue(panel, result.frames, w, hgt));
  }
  if (panel.type === 'annolist') {
    return shownBy((_w, hgt) => annotationList(panel, result.annotations ?? [], hgt));
  }
  if (panel.type === 'bargauge') {
    return shownBy((w, hgt) => barGauges(panel, result.frames, w, hgt));
  }
  if (panel.type === 'timeseries') {
    return shownBy((w, hgt) => timeSeries(result.frames, panel.range, w, hgt));
  }
  const frame = result.frames[Number(panel.options.frameIndex ?? 0)] ?? result.frames[0];
  if (!frame) {
    return undefined;
  }
  summary.shown = firstRow(frame);
  return (w, hgt) =>
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

/** The page: the dashboard's title and variables above the grid, styled as Grafana's global styles do. */
function dashboardPage(spec: DashboardSpec, width: number, cells: ReactNode[]): ReactNode {
  const variables = Object.entries(spec.variables).map(([name, value]) =>
    Array.isArray(value) ? `${name} = All (${value.length})` : `${name} = ${value.slice(0, 19)}…`,
  );
  return h(
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
        style: { display: 'flex', alignItems: 'baseline', gap: 16, marginBottom: 12, color: theme.colors.text.primary },
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
}

/** Renders the page in its own container (the host's own root hidden), synchronously, and returns its React root. */
function mount(page: ReactNode): Root {
  let container = document.getElementById('dashboard');
  if (!container) {
    container = document.createElement('div');
    container.id = 'dashboard';
    document.body.appendChild(container);
    (document.getElementById('root') as HTMLElement).style.display = 'none';
  }
  document.body.style.background = theme.colors.background.canvas;
  const root = createRoot(container);
  flushSync(() => root.render(h(ThemeContext.Provider, { value: theme }, page)));
  return root;
}
