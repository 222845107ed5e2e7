/** What the Node side of the app test hands the app's host page. Plain JSON only. */
export interface AppHarnessConfig {
  appId: string;
  moduleUrl: string;
  /** The app's jsonData, as Grafana's plugin settings hold it. */
  jsonData: Record<string, unknown>;
  user: { login: string; role: 'Viewer' | 'Editor' | 'Admin' };
}
