/**
 * Everything server.ts needs to switch cleanup on, in one call: the service (plans, previews,
 * execution totals for /metrics), the `cleanup` and `lifecycle` query types, the `cleanup`
 * annotation kind, the cost query's reclaimable provider and the /api/v1/cleanup/* routes (audit included).
 */
import type { ECRClient } from '@aws-sdk/client-ecr';
import { cleanupAnnotations } from '../cleanup/plan/annotations.js';
import type { CleanupConfig } from '../cleanup/plan/config.js';
import { createEcrDeleter } from '../cleanup/execute/ecr-deleter.js';
import { createEcrDescriber } from '../cleanup/execute/ecr-describer.js';
import { cleanupBuilder, lifecycleBuilder } from '../cleanup/plan/frames.js';
import { createCleanupService } from '../cleanup/service.js';
import type { CleanupService } from '../cleanup/service.js';
import type { PriceTable } from '../cost/pricing.js';
import type { AnnotationSource } from '../query/annotations.js';
import type { FrameBuilders } from '../query/builder.js';
import type { QueryContext } from '../query/context.js';
import type { Inventory } from '../snapshot/inventory.js';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { storeAuditWriter } from '../cleanup/execute/audit.js';
import type { AuditStore } from '../store/types.js';
import { cleanupRoutes } from '../http/cleanup.js';
import type { TrustedProxies } from '../http/client-identity.js';
import { cleanupAuditRoute, cleanupRunsRoute } from '../http/cleanup-audit.js';
import type { AppEnv, Logger } from '../http/deps.js';

export interface CleanupWiringOptions {
  readonly config: CleanupConfig;
  readonly inventory: Inventory;
  readonly prices: PriceTable;
  /** The ECR client of a registry (ClientRegistry.ecr via Refresher.accountFor); undefined when unknown. */
  readonly clientFor: (accountId: string, region: string) => ECRClient | undefined;
  /** Where runs are audited (the store); CLEANUP_AUDIT_LOG adds a JSON-lines copy. */
  readonly audit: AuditStore;
  /** TRUSTED_PROXIES: whose forwarding headers identify the caller in the audit. */
  readonly trustedProxies?: TrustedProxies;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface CleanupWiring {
  /** Also the CleanupMetricsProvider for metricsRoute({ cleanup }). */
  readonly service: CleanupService;
  readonly queryTypes: FrameBuilders;
  readonly annotationKinds: Readonly<Record<string, AnnotationSource>>;
  readonly reclaimable: NonNullable<QueryContext['reclaimable']>;
  readonly plannedSnapshot: NonNullable<QueryContext['plannedSnapshot']>;
  readonly route: (app: OpenAPIHono<AppEnv>) => void;
}

export function cleanupWiring(options: CleanupWiringOptions): CleanupWiring {
  const service = createCleanupService({
    config: options.config,
    inventory: options.inventory,
    prices: options.prices,
    ...(options.now ? { now: options.now } : {}),
  });
  const ecrFor = (accountId: string, region: string) => {
    const client = options.clientFor(accountId, region);
    if (!client) throw new Error(`no ECR client for registry ${accountId}/${region}`);
    return client;
  };
  const deleter = createEcrDeleter(ecrFor);
  const describer = createEcrDescriber(ecrFor);
  return {
    service,
    queryTypes: { cleanup: cleanupBuilder(service), lifecycle: lifecycleBuilder(service) },
    annotationKinds: { cleanup: cleanupAnnotations(service) },
    reclaimable: service.reclaimableFor,
    plannedSnapshot: service.plannedSnapshot,
    route: (app) => {
      cleanupRoutes({
        service,
        inventory: options.inventory,
        deleter,
        describer,
        audit: storeAuditWriter(options.audit, options.config.execution.auditLogPath),
        ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      })(app);
      cleanupAuditRoute(options.audit)(app);
      cleanupRunsRoute(options.audit)(app);
    },
  };
}
