/** What the dashboard browser test and the host page exchange: a provisioned dashboard, reduced to plain JSON. */

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DashboardPanelSpec {
  id: number;
  /** Grafana's panel type: row, table, stat, timeseries, bargauge, annolist, ... */
  type: string;
  title: string;
  gridPos: GridPos;
  /** True when the panel's queries go to the ECR Lens data source. */
  ecrLens: boolean;
  /** The data source's type when it is not ECR Lens: prometheus panels query the test's Prometheus. */
  otherDatasource?: string;
  targets: Array<Record<string, unknown>>;
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
  /** The panel's own time range: the dashboard's, or its relative override (timeFrom). */
  range: { from: number; to: number };
}

export interface DashboardSpec {
  uid: string;
  title: string;
  panels: DashboardPanelSpec[];
  /** Variable values as Grafana holds them: "All" of a multi-value variable is every value. */
  variables: Record<string, string | string[]>;
  /** ECR Lens annotation queries of the dashboard (shown on its time series panels). */
  annotations: Array<{ name: string; target: Record<string, unknown>; range: { from: number; to: number } }>;
}

export interface PanelResult {
  id: number;
  title: string;
  type: string;
  frames: number;
  rows: number;
  fields: string[];
  errors: string[];
  /** What the panel shows: the stat's value, the first bar's name, the series' names, or the table's first cells. */
  shown: string[];
  /** Which data source fed it. */
  source: 'ecr-lens' | 'prometheus' | 'grafana';
}

export interface DashboardResult {
  panels: PanelResult[];
  annotations: Array<{ name: string; events: number; errors: string[] }>;
}

export interface DashboardApi {
  /** Sets the variables, runs every panel's targets (ECR Lens and Prometheus) and renders the grid. */
  render(spec: DashboardSpec): Promise<DashboardResult>;
  /** Values of one column of a query's first frame: picks sample variable values from the data. */
  column(target: Record<string, unknown>, field: string, range: { from: number; to: number }): Promise<unknown[]>;
}
