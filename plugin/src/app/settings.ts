import type { AppRootProps } from '@grafana/data';
import { APP_ID, APP_PAGES } from '@ecr-lens/contract';

export { APP_ID, APP_PAGES };
/** Where Grafana serves the app's pages. */
export const APP_BASE = `/a/${APP_ID}`;
/** Grafana's proxy for the app's routes (plugin.json `routes`). */
export const APP_PROXY = `/api/plugin-proxy/${APP_ID}`;

export const EXECUTE_ROLES = ['Admin', 'Editor'] as const;
export type ExecuteRole = (typeof EXECUTE_ROLES)[number];

/** The app's jsonData: where the sidecar is, and which Grafana role may execute cleanups. */
export interface AppSettings {
  sidecarUrl?: string;
  /** Who may execute a cleanup or force a refresh; default Admin. */
  executeRole?: ExecuteRole;
  /**
   * The sidecar URL again, set only while Editors may execute: the Editor routes lead to `{{ .JsonData.editorSidecarUrl }}`,
   * so with it empty they reach nothing, whatever an Editor sends.
   */
  editorSidecarUrl?: string;
}

/** The app's secureJsonData: read only by Grafana's proxy. */
export interface AppSecrets {
  apiToken?: string;
  adminToken?: string;
}

export type AppProps = AppRootProps<AppSettings>;

// Grafana's org roles include the ones below them (org.RoleType.Includes).
const RANK: Record<string, number> = { Viewer: 1, Editor: 2, Admin: 3 };

/** Who may execute, as the routes decide it: the Editor routes lead somewhere exactly when editorSidecarUrl is set. */
export function executeRoleOf(settings: AppSettings | undefined): ExecuteRole {
  return settings?.editorSidecarUrl ? 'Editor' : 'Admin';
}

/** The signed-in user as Grafana boots it (config.bootData.user). */
export interface BootUser {
  orgRole?: string;
  isGrafanaAdmin?: boolean;
}

/**
 * Whether the signed-in user may execute: the UI's view of what the proxy routes' reqRole enforce. As Grafana's
 * SignedInUser.HasRole, a server admin has every role whatever the org role.
 */
export function mayExecute(user: BootUser | undefined, settings: AppSettings | undefined): boolean {
  return user?.isGrafanaAdmin === true || (RANK[user?.orgRole ?? ''] ?? 0) >= RANK[executeRoleOf(settings)]!;
}

/** The proxy route of writes: `sidecar` (reqRole Admin) or, when Editors may execute, `editor` (reqRole Editor). */
export function writeRoute(settings: AppSettings | undefined): 'sidecar' | 'editor' {
  return executeRoleOf(settings) === 'Editor' ? 'editor' : 'sidecar';
}
