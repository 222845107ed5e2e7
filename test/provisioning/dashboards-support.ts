/** Reading the committed provisioning files and pulling the queries out of dashboards, for the provisioning tests. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DASHBOARD_FILES = ['overview.json', 'cost.json', 'vulnerabilities.json', 'cleanup.json'] as const;

export type Json = Record<string, unknown>;
export interface DataSourceRef {
  type?: string;
  uid?: string;
}
export interface Panel extends Json {
  id?: number;
  type: string;
  title?: string;
  datasource?: DataSourceRef;
  targets?: Json[];
  panels?: Panel[];
}
export interface Dashboard extends Json {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Json[] };
  annotations: { list: Json[] };
}

export const readText = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
export const readYaml = (path: string): unknown => parse(readText(path), { merge: true });
export const readDashboard = (file: string): Dashboard =>
  JSON.parse(readText(`provisioning/dashboards/json/${file}`)) as Dashboard;

/** Every panel, rows' children included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

// Dashboards name their data sources through the `ds` and `prometheus` variables; alert rules name the provisioned ones.
export const isEcrLens = (ref: DataSourceRef | undefined): boolean =>
  ref?.type === 'ecrlens-ecr-datasource' && (ref.uid === '${ds}' || ref.uid === 'ecr-lens');
export const isPrometheus = (ref: DataSourceRef | undefined): boolean =>
  ref?.type === 'prometheus' && (ref.uid === '${prometheus}' || ref.uid === 'prometheus');

export interface Located<T> {
  /** "dashboard / panel title / refId", for messages. */
  where: string;
  value: T;
  panel?: Panel;
}

/** ECR Lens panel targets (not annotations, not variables). */
export function ecrPanelTargets(dashboard: Dashboard): Located<Json>[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => isEcrLens((t.datasource as DataSourceRef | undefined) ?? panel.datasource))
      .map((t) => ({ where: `${dashboard.uid} / ${panel.title} / ${String(t.refId)}`, value: t, panel })),
  );
}

/** Annotation queries answered by the ECR Lens plugin. */
export function ecrAnnotationTargets(dashboard: Dashboard): Located<Json>[] {
  return dashboard.annotations.list
    .filter((a) => isEcrLens(a.datasource as DataSourceRef))
    .map((a) => ({ where: `${dashboard.uid} / annotation ${String(a.name)}`, value: a.target as Json }));
}

/** Query variables answered by the ECR Lens plugin (CustomVariableSupport query model). */
export function ecrVariableQueries(dashboard: Dashboard): Located<Json>[] {
  return dashboard.templating.list
    .filter((v) => v.type === 'query' && isEcrLens(v.datasource as DataSourceRef))
    .map((v) => ({ where: `${dashboard.uid} / variable ${String(v.name)}`, value: v.query as Json }));
}

/** PromQL of every Prometheus target. */
export function promExpressions(dashboard: Dashboard): Located<string>[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => isPrometheus((t.datasource as DataSourceRef | undefined) ?? panel.datasource))
      .map((t) => ({ where: `${dashboard.uid} / ${panel.title} / ${String(t.refId)}`, value: String(t.expr), panel })),
  );
}

/** PromQL of every Prometheus query in the provisioned Grafana alert rules. */
export function alertRuleExpressions(): Located<string>[] {
  const file = readYaml('provisioning/alerting/rules.yaml') as {
    groups: { rules: { title: string; data: { datasourceUid: string; model: { expr?: string } }[] }[] }[];
  };
  return file.groups.flatMap((g) =>
    g.rules.flatMap((r) =>
      r.data
        .filter((d) => d.datasourceUid === 'prometheus')
        .map((d) => ({ where: `alert rule ${r.title}`, value: String(d.model.expr) })),
    ),
  );
}

/**
 * Grafana's interpolation of a PromQL expression for a test run: every scope variable set to "All"
 * matches any value, and $__rate_interval becomes a fixed window.
 */
export function promForTest(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replace(/\$\{?(registry|region|repository)\}?/g, '.*');
}
