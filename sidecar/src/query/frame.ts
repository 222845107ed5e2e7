/** A Grafana-shaped, column-oriented data frame, as the sidecar serves it over JSON: the contract's. */
export type { Field, FieldConfig, FieldType, Frame } from '@ecr-lens/contract';
