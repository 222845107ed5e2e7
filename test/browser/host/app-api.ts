/** What the Node side of the app test hands the app's host page. Plain JSON only. */
export interface AppHarnessConfig {
  appId: string;
  moduleUrl: string;
  /** The app's settings, as Grafana's plugin settings API gives them (its meta). */
  jsonData: Record<string, unknown>;
  secureJsonFields: Record<string, boolean>;
  enabled: boolean;
  /** The app's root page (/a/<id>/...), or its configuration page (/plugins/<id>). */
  view: 'root' | 'config';
  user: { login: string; role: 'Viewer' | 'Editor' | 'Admin'; isGrafanaAdmin?: boolean };
}
