/** A Grafana-shaped, column-oriented data frame, as the sidecar serves it over JSON. */

export type FieldType = 'string' | 'number' | 'time' | 'boolean' | 'other';

export interface FieldConfig {
  /** Grafana unit id: bytes, currencyUSD, dateTimeAsIso, short, d (days), ... */
  readonly unit?: string;
  readonly description?: string;
  readonly displayName?: string;
  readonly decimals?: number;
}

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly config: FieldConfig;
  /** Times are epoch milliseconds; missing values are null, never zero. */
  readonly values: readonly unknown[];
}

export interface Frame {
  readonly name: string;
  readonly fields: readonly Field[];
  readonly meta: {
    readonly preferredVisualisationType: 'table';
    /** Total rows matching the filters, before limit/offset. */
    readonly totalRows: number;
    readonly snapshotVersion: number;
    readonly notices?: readonly { readonly severity: 'info' | 'warning'; readonly text: string }[];
  };
}
