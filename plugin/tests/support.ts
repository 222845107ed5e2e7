import type { Page, Response } from '@playwright/test';

import type { QueryType } from '../src/datasource/types';

/** Provisioned by the root docker-compose (provisioning/datasources/datasources.yaml). */
export const PROVISIONED = { fileName: 'datasources.yaml', name: 'ECR Lens' };
export const PLUGIN_ID = 'ecrlens-ecr-datasource';
/** The app the data source is nested in (provisioning/plugins/apps.yaml enables it). */
export const APP_ID = 'ecrlens-ecr-app';
/** How Grafana (in the compose network) reaches the sidecar, and the token it expects. */
export const SIDECAR_URL = process.env.SIDECAR_URL_FROM_GRAFANA ?? 'http://sidecar:8080';
/** The token compose gives both Grafana's data source and the sidecar (scripts/e2e-grafana.sh exports it). */
export const SIDECAR_API_TOKEN = requiredEnv('SIDECAR_API_TOKEN');

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the specs with scripts/e2e-grafana.sh, or export the token compose uses`);
  }
  return value;
}

/** Waits for the answer to the app's next call of the sidecar through Grafana's plugin proxy. */
export const appResponse = (page: Page, path: string): Promise<Response> =>
  page.waitForResponse((r) => new URL(r.url()).pathname === `/api/plugin-proxy/${APP_ID}/sidecar${path}`);

/** Waits for the next sidecar call through Grafana's data source proxy. */
export const sidecarResponse = (page: Page, path: string): Promise<Response> =>
  page.waitForResponse((r) => r.url().includes(`/sidecar${path}`));

/** The body the plugin POSTs to the sidecar's /api/v1/query (what the specs look at). */
export interface SidecarQueryBody {
  queryType?: QueryType;
  filters?: Record<string, unknown>;
}

/** The sidecar's answer to a query: one frame of named columns. */
export interface SidecarFrame {
  frame: { fields: Array<{ name: string; values: unknown[] }> };
}

/** Whether `r` answers a sidecar query (through Grafana's data source proxy) whose body matches. */
export function isSidecarQuery(r: Response, matches: (body: SidecarQueryBody) => boolean): boolean {
  if (!r.url().includes('/sidecar/api/v1/query') || r.request().method() !== 'POST') {
    return false;
  }
  try {
    return matches((r.request().postDataJSON() ?? {}) as SidecarQueryBody);
  } catch {
    return false;
  }
}

/**
 * Waits for the answer to the next sidecar query whose body matches: a query already in flight for an earlier
 * state of the editor (e.g. the default repositories query after picking the data source) does not count.
 */
export const sidecarQuery = (page: Page, matches: (body: SidecarQueryBody) => boolean): Promise<Response> =>
  page.waitForResponse((r) => isSidecarQuery(r, matches));

/** Waits for the answer to the next sidecar query of `queryType`. */
export const sidecarQueryOf = (page: Page, queryType: QueryType): Promise<Response> =>
  sidecarQuery(page, (body) => body.queryType === queryType);
