import type { Page, Response } from '@playwright/test';

/** Provisioned by the root docker-compose (provisioning/datasources/datasources.yaml). */
export const PROVISIONED = { fileName: 'datasources.yaml', name: 'ECR Lens' };
export const PLUGIN_ID = 'ecrlens-ecr-datasource';
/** How Grafana (in the compose network) reaches the sidecar, and the token it expects. */
export const SIDECAR_URL = process.env.SIDECAR_URL_FROM_GRAFANA ?? 'http://sidecar:8080';
export const SIDECAR_API_TOKEN = process.env.SIDECAR_API_TOKEN ?? 'change-me-demo-token';

/** Waits for the next sidecar call through Grafana's data source proxy. */
export const sidecarResponse = (page: Page, path: string): Promise<Response> =>
  page.waitForResponse((r) => r.url().includes(`/sidecar${path}`));
