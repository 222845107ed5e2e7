/**
 * The host page for the dashboard test: the plugin harness (./entry.ts boots SystemJS, Grafana's shared modules
 * and the plugin) plus `window.dashboard`, which renders a provisioned dashboard's panels.
 */
import './entry.js';
import type { DashboardApi } from './dashboard-api.js';
import { createDashboardApi } from './dashboard.js';

declare global {
  interface Window {
    dashboard?: DashboardApi;
  }
}

window.dashboard = createDashboardApi(window.harnessConfig);
