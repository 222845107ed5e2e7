import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { ECR_LENS, PROMETHEUS } from './datasources.js';
import { prom, promInstant, reduce } from './common.js';
import type { EcrQueryBuilder } from './ecrQuery.js';

const steps = (list: dashboard.Threshold[]): dashboard.ThresholdsConfigBuilder =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(list);

/** Green below `warn`, orange from `warn`, red from `bad`. */
export function thresholds(warn: number, bad: number): dashboard.ThresholdsConfigBuilder {
  if (!(warn < bad)) throw new Error(`thresholds: warn (${warn}) must be below bad (${bad})`);
  return steps([
    { value: null, color: 'green' },
    { value: warn, color: 'orange' },
    { value: bad, color: 'red' },
  ]);
}

/** Green below `value`, `color` from it: a count that should be zero. */
export const badFrom = (value: number, color = 'red'): dashboard.ThresholdsConfigBuilder =>
  steps([
    { value: null, color: 'green' },
    { value, color },
  ]);

/**
 * One colour whatever the value: sizes, counts and costs are not good or bad in themselves (Grafana's default
 * would paint them red from 80).
 */
export const neutral = (color = 'text'): dashboard.ThresholdsConfigBuilder => steps([{ value: null, color }]);

/** How a stat looks: its colours, and whether it draws its trend over the dashboard range. */
export interface StatLook {
  readonly thresholds: dashboard.ThresholdsConfigBuilder;
  /** A sparkline of the value over the dashboard range (a range query) rather than the value alone. */
  readonly trend?: boolean;
}

/** A single Prometheus number, with its colours; a trend stat draws its sparkline. */
export function promStat(
  title: string,
  description: string,
  expr: string,
  unit: string,
  look: StatLook,
): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .withTarget(look.trend ? prom(expr) : promInstant(expr))
    .unit(unit)
    .thresholds(look.thresholds)
    .reduceOptions(reduce('lastNotNull'))
    .graphMode(look.trend ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .height(4)
    .span(4);
}

/** A Prometheus time series over the dashboard range. */
export function promSeries(
  title: string,
  description: string,
  unit: string,
  targets: Builder<Dataquery>[],
): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .targets(targets)
    .unit(unit)
    .fillOpacity(10)
    .lineWidth(1)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .height(8)
    .span(12);
}

/** Top-N per repository as horizontal bars from an instant Prometheus query, in one neutral colour. */
export function promBars(title: string, description: string, expr: string, unit: string): bargauge.PanelBuilder {
  return new bargauge.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .withTarget(promInstant(expr, '{{repository_name}}'))
    .unit(unit)
    .thresholds(neutral('blue'))
    .min(0)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .reduceOptions(reduce('lastNotNull'))
    .height(8)
    .span(12);
}

/** An ECR Lens frame as a table: the sidecar already sets units and descriptions on its fields. */
export function ecrTable(title: string, description: string, target: EcrQueryBuilder): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(ECR_LENS)
    .withTarget(target.refId('A'))
    .filterable(true)
    .cellHeight(common.TableCellHeight.Sm)
    .height(9)
    .span(24);
}
