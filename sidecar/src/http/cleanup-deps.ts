/** What the cleanup routes need (cleanup.ts mounts them; cleanup-plan.ts and cleanup-execute.ts use it). */
import type { AuditWriter } from '../cleanup/execute/audit.js';
import type { ImageDescriber } from '../cleanup/execute/ecr-describer.js';
import type { ImageDeleter } from '../cleanup/execute/execute.js';
import type { GrafanaPoster } from '../cleanup/execute/grafana.js';
import type { CleanupService } from '../cleanup/service.js';
import type { Inventory } from '../snapshot/inventory.js';
import type { TrustedProxies } from './client-identity.js';
import type { Logger } from './deps.js';

export interface CleanupRouteDeps {
  readonly service: CleanupService;
  readonly inventory: Inventory;
  /** BatchDeleteImage through the real ECR client (main.ts) or the emulator (tests). */
  readonly deleter: ImageDeleter;
  /** Re-reads the candidates' tags before each batch (DescribeImages); the server always wires it. */
  readonly describer?: ImageDescriber;
  /** The store's audit (server.ts); without it, config.execution.auditLogPath must be set. */
  readonly audit?: AuditWriter;
  /** Default: POST to Grafana's /api/annotations when configured. */
  readonly grafana?: GrafanaPoster;
  /** Whose X-Forwarded-For and X-Grafana-User to believe (TRUSTED_PROXIES); default nobody's. */
  readonly trustedProxies?: TrustedProxies;
  readonly logger?: Logger;
}
