import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { CLEANUP_ANNOTATION_TAGS, ECR_LENS, ECR_LENS_PLUGIN_ID, ECR_LENS_UID, ECR_LENS_VARIABLE, GRAFANA, PROMETHEUS, PROMETHEUS_UID, PROMETHEUS_VARIABLE } from './datasources.js';
import { ALL_VALUE } from '@ecr-lens/contract';
import type { EcrFilters, EcrVariableQuery } from './ecrQuery.js';

/** Every ECR Lens target starts from the dashboard's scope variables. */
export const SCOPE: EcrFilters = { registry: '$registry', region: '$region', repository: '$repository' };

/** The same scope as a PromQL label matcher list (Grafana regex-escapes multi-values for Prometheus). */
export const PROM_SCOPE = 'registry_id=~"$registry", region=~"$region", repository_name=~"$repository"';

/** A label selector for one of our per-repository families, scoped by the dashboard variables. */
export const scoped = (metric: string, extra = ''): string => `${metric}{${PROM_SCOPE}${extra ? `, ${extra}` : ''}}`;

const ALL: dashboard.VariableOption = { selected: true, text: 'All', value: '$__all' };

function ecrVariable(
  name: string,
  label: string,
  scope: Omit<EcrVariableQuery, 'refId'>,
  description: string,
): dashboard.QueryVariableBuilder {
  const query: EcrVariableQuery = { refId: `${name}-variable`, ...scope };
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(ECR_LENS)
    .query({ ...query })
    .definition(`ECR Lens: ${scope.kind}`)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(ALL_VALUE)
    .current(ALL);
}

/**
 * registry, region and repository, on every dashboard, each narrowed by the ones before it. "All" is the custom
 * value `.*`: PromQL matches everything with it, and the plugin sends it as no filter, so it stays one short
 * value on a registry of any size.
 */
export const scopeVariables = (): dashboard.QueryVariableBuilder[] => [
  ecrVariable('registry', 'Registry', { kind: 'registries' }, 'AWS account ids (ECR registry ids) in the inventory.'),
  ecrVariable(
    'region',
    'Region',
    { kind: 'regions', registry: '$registry' },
    'AWS regions of the selected registries.',
  ),
  ecrVariable(
    'repository',
    'Repository',
    { kind: 'repositories', registry: '$registry', region: '$region' },
    'ECR repositories of the selected registries and regions.',
  ),
];

/** A Prometheus range query target. */
export const prom = (expr: string, legend = '__auto', refId = 'A'): prometheus.DataqueryBuilder =>
  new prometheus.DataqueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legend).range().refId(refId);

/** A Prometheus instant query target (stat and bar gauge panels). */
export const promInstant = (expr: string, legend = '__auto', refId = 'A'): prometheus.DataqueryBuilder =>
  new prometheus.DataqueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legend).instant().refId(refId);

/** Reduce options for stat/bar gauge panels. */
export const reduce = (calc: string, fields = ''): common.ReduceDataOptionsBuilder =>
  new common.ReduceDataOptionsBuilder().calcs([calc]).values(false).fields(fields);

/** Dashboard links between the four ECR Lens dashboards, keeping the variables. */
export const dashboardLinks = (): dashboard.DashboardLinkBuilder =>
  new dashboard.DashboardLinkBuilder('ECR Lens')
    .type(dashboard.DashboardLinkType.Dashboards)
    .tags(['ecr-lens'])
    .asDropdown(false)
    .includeVars(true)
    .keepTime(true);

/** Grafana's own "Annotations & Alerts" entry, which every dashboard carries. */
export const builtInAnnotations = (): dashboard.AnnotationQueryBuilder =>
  new dashboard.AnnotationQueryBuilder()
    .name('Annotations & Alerts')
    .datasource(GRAFANA)
    .builtIn(1)
    .enable(true)
    .hide(true)
    .iconColor('rgba(0, 211, 255, 1)')
    .type('dashboard')
    .target({
      build: () => ({
        refId: 'Anno',
        type: 'dashboard',
        limit: 100,
        matchAny: false,
        tags: [],
        _implementsDataqueryVariant() {},
      }),
    });

/** Panel ids the builder leaves unset: number them in order so links and screenshots can address them. */
export function numberPanels(board: dashboard.Dashboard): dashboard.Dashboard {
  let id = 0;
  for (const panel of board.panels ?? []) {
    id += 1;
    panel.id = id;
    for (const child of 'panels' in panel && Array.isArray(panel.panels) ? panel.panels : []) {
      id += 1;
      child.id = id;
    }
  }
  return board;
}

/** The defaults every ECR Lens dashboard shares. */
export function baseDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['ecr-lens'])
    .editable()
    .time({ from: 'now-30d', to: 'now' })
    .timezone('browser')
    .refresh('5m')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(dashboardLinks())
    .annotation(builtInAnnotations())
    .variables([...datasourceVariables(), ...scopeVariables()]);
}

/** `ds` and `prometheus`: which data sources the dashboard reads, the provisioned ones unless changed. */
export const datasourceVariables = (): dashboard.DatasourceVariableBuilder[] => [
  new dashboard.DatasourceVariableBuilder(ECR_LENS_VARIABLE)
    .label('ECR Lens')
    .description('The ECR Lens data source the panels query.')
    .type(ECR_LENS_PLUGIN_ID)
    .current({ selected: true, text: 'ECR Lens', value: ECR_LENS_UID }),
  new dashboard.DatasourceVariableBuilder(PROMETHEUS_VARIABLE)
    .label('Prometheus')
    .description('The Prometheus that scrapes the sidecar.')
    .type('prometheus')
    .current({ selected: true, text: 'Prometheus', value: PROMETHEUS_UID }),
];

/**
 * Executed cleanups: the sidecar posts them to Grafana's annotation store with these tags. On the cleanup dashboard,
 * and on the storage and cost trends, where they explain a drop.
 */
export const executedCleanupAnnotations = (): dashboard.AnnotationQueryBuilder =>
  new dashboard.AnnotationQueryBuilder()
    .name('Executed cleanups')
    .datasource(GRAFANA)
    .enable(true)
    .iconColor('red')
    .target({
      build: () => ({
        refId: 'Executed',
        type: 'tags',
        tags: [...CLEANUP_ANNOTATION_TAGS],
        matchAny: false,
        limit: 100,
        _implementsDataqueryVariant() {},
      }),
    });
