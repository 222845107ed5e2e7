/**
 * The sidecar's wire contract, as this plugin reads it (sidecar/src/query/frame.ts and the HTTP routes).
 * Kept as a copy: the plugin is built on its own and must not import sidecar code.
 */

export type SidecarFieldType = 'string' | 'number' | 'time' | 'boolean' | 'other';

export interface SidecarField {
  name: string;
  type: SidecarFieldType;
  config?: { unit?: string; description?: string; displayName?: string; decimals?: number };
  values: unknown[];
}

export interface SidecarNotice {
  severity: 'info' | 'warning';
  text: string;
}

export interface SidecarFrame {
  name?: string;
  fields: SidecarField[];
  meta?: {
    preferredVisualisationType?: 'table';
    totalRows?: number;
    snapshotVersion?: number;
    notices?: SidecarNotice[];
  };
}

export interface SidecarQueryResponse {
  frame: SidecarFrame;
  total?: number;
}

export interface SidecarIncomplete {
  scope?: string;
  accountId?: string;
  region?: string;
  target?: string;
  operation?: string;
  error?: string;
}

export interface SidecarStatus {
  ready?: boolean;
  stale?: boolean;
  lastSuccessAt?: number;
  lastAttemptAt?: number;
  lastError?: string;
  consecutiveFailures?: number;
  incomplete?: SidecarIncomplete[];
}

export interface SidecarErrorBody {
  error?: string;
  message?: string;
  issues?: Array<{ path?: string; message?: string }>;
}

export interface MetricValue {
  text: string;
  value?: string | number;
}
