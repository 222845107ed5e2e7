/**
 * The panel types the dashboards use, drawn with @grafana/ui's own visualisations as the panels draw them: stat
 * (BigValue, with a sparkline for trends), bar gauge (BarGauge), time series (TimeSeries); and the placeholder
 * for Grafana's own annotation list. Each returns what it shows, for the test to find on the page.
 */
import {
  createTheme,
  dateTime,
  getFieldDisplayValues,
  type DataFrame,
  type FieldConfigSource,
  type InterpolateFunction,
  type ReduceDataOptions,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import {
  BarGauge,
  BarGaugeDisplayMode,
  BigValue,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  LegendDisplayMode,
  TimeSeries,
} from '@grafana/ui';
import { VizOrientation } from '@grafana/schema';
import { createElement as h, type ReactNode } from 'react';

import type { DashboardPanelSpec } from './dashboard-api.js';

export const theme = createTheme({ colors: { mode: 'dark' } });

export type Range = { from: number; to: number };
/** What a visualisation draws, and the text it shows (for the test to find on the page). */
export interface Drawn {
  node: ReactNode;
  shown: string[];
}

export const timeRange = (r: Range) => {
  const from = dateTime(r.from);
  const to = dateTime(r.to);
  return { from, to, raw: { from, to } };
};

export const replaceVariables: InterpolateFunction = (value, scopedVars, format) =>
  getTemplateSrv().replace(value, scopedVars, format);

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

export function statValue(panel: DashboardPanelSpec, frames: DataFrame[], width: number, height: number): Drawn {
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
export function barGauges(panel: DashboardPanelSpec, frames: DataFrame[], width: number, height: number): Drawn {
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
export function timeSeries(frames: DataFrame[], range: Range, width: number, height: number): Drawn {
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
export function firstRow(frame: DataFrame | undefined): string[] {
  if (!frame || frame.length === 0) {
    return [];
  }
  return frame.fields.slice(0, 3).map((f) => {
    const d = f.display?.(f.values[0]);
    return d ? `${d.prefix ?? ''}${d.text}${d.suffix ?? ''}` : String(f.values[0]);
  });
}

export function placeholder(lines: string[], height: number): ReactNode {
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

export function placeholderLines(panel: DashboardPanelSpec): string[] {
  if (panel.type === 'annolist') {
    return ['Annotation list (rendered in Grafana)', "Grafana's own annotations, tagged ecr-lens and cleanup"];
  }
  return [`${panel.type} panel (rendered in Grafana)`];
}
