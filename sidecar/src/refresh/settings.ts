import type { AccountConfig } from '../aws/accounts.js';
import type { UseWindows } from '../snapshot/use-windows.js';

/**
 * What the refresher reads of the configuration: its own settings, so refresh/ needs nothing from the settings
 * reader above it. The whole AppConfig (config.ts) has this shape.
 */
export interface RefreshSettings {
  /** Every account to inventory, each with its regions. */
  readonly accounts: readonly AccountConfig[];
  readonly refreshIntervalSeconds: number;
  readonly refreshMinIntervalSeconds: number;
  readonly aws: { readonly concurrency: number; readonly concurrencyMax: number; readonly registryConcurrency: number };
  readonly ecs: { readonly enabled: boolean; readonly stoppedTaskWindowHours: number; readonly taskDefinitionKeepRevisions: number };
  readonly lambda: { readonly enabled: boolean; readonly keepVersions: number };
  readonly scanFindingsMaxAgeSeconds: number;
  readonly policyRefreshIntervalSeconds: number;
  /** The cleanup rules' windows: ECS is read at least as far back as they protect. */
  readonly cleanup: { readonly inUse: UseWindows };
}
