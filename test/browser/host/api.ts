/** What the Node side of the browser test and the host page exchange. Plain JSON only. */

export interface HarnessConfig {
  moduleUrl: string;
  /** The data source as Grafana would hand it to the plugin. */
  instanceSettings: {
    id: number;
    uid: string;
    type: string;
    name: string;
    url: string;
    access: 'proxy';
    jsonData: Record<string, unknown>;
  };
  /** Dashboard variables for the TemplateSrv. */
  variables: Record<string, string | string[]>;
  range: { from: number; to: number };
}

export interface FieldSummary {
  name: string;
  type: string;
  unit?: string;
  description?: string;
  /** Links of the first row, as Grafana resolves them for display. */
  links: string[];
  /** The first row's value as the table shows it. */
  display?: string;
}

export interface FrameSummary {
  refId?: string;
  name?: string;
  rows: number;
  fields: FieldSummary[];
  preferredVisualisationType?: string;
  notices: Array<{ severity: string; text: string }>;
}

export interface QuerySummary {
  frames: FrameSummary[];
  errors: Array<{ refId?: string; message?: string }>;
  /** Values of the first frame's columns, by name: handy for chaining (e.g. a digest for findings). */
  columns: Record<string, unknown[]>;
}

export interface HarnessApi {
  renderConfigEditor(): void;
  configOptions(): { jsonData: Record<string, unknown>; secureJsonData?: Record<string, string> };
  /** Runs the targets through the data source's query(), renders the query editor and the frames in a Table. */
  runQuery(targets: Array<Record<string, unknown>>, title: string): Promise<QuerySummary>;
  testDatasource(): Promise<{ status: string; message: string }>;
  variableValues(query: {
    kind: string;
    repository?: string;
  }): Promise<Array<{ text: string; value?: string | number }>>;
  annotations(kind: string): Promise<QuerySummary>;
}
