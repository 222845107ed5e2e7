import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { ECR_LENS, PROMETHEUS } from './datasources.js';
import { promInstant, reduce } from './common.js';
import type { EcrQueryBuilder } from './ecrQuery.js';

/** Green below `warn`, orange from `warn`, red from `bad`. */
export const thresholds = (warn: number, bad: number): dashboard.ThresholdsConfigBuilder =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'green' },
    { value: warn, color: 'orange' },
    { value: bad, color: 'red' },
  ]);

/** A single Prometheus number. */
export function promStat(title: string, description: string, expr: string, unit: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .withTarget(promInstant(expr))
    .unit(unit)
    .reduceOptions(reduce('lastNotNull'))
    .graphMode(common.BigValueGraphMode.None)
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

/** Top-N per repository as horizontal bars from an instant Prometheus query. */
export function promBars(title: string, description: string, expr: string, unit: string): bargauge.PanelBuilder {
  return new bargauge.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .withTarget(promInstant(expr, '{{repository_name}}'))
    .unit(unit)
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
