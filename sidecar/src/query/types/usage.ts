import { QUERY_FILTERS, type FieldName } from '@ecr-lens/contract';
import type { ImageUse, Snapshot } from '../../snapshot/model.js';
import { USE_KIND_SOURCE } from '../../snapshot/model.js';
import type { EcrReference } from '../../snapshot/reference.js';
import { parseEcrReference } from '../../snapshot/reference.js';
import type { FrameBuilder } from '../builder.js';
import { DESCRIBE } from '../descriptions.js';
import { globMatcher } from '../filters.js';
import { ecsNotices } from '../notices.js';
import type { Column } from '../table.js';
import { tableFrame } from '../table.js';
import { derivedOf, slot } from '../../snapshot/derived.js';

interface Row {
  readonly use: ImageUse;
  /** Referenced ECR repository; null for images outside ECR. */
  readonly repository: string | null;
  readonly digest: string | null;
}

export const USAGE_COLUMNS: readonly Column<Row, FieldName<'usage'>>[] = [
  { name: 'account', type: 'string', description: 'AWS account of the ECS or Lambda resource; for pods and keep lists, of the registry the reference names.', value: (r) => r.use.accountId },
  { name: 'region', type: 'string', description: 'AWS region, as for account.', value: (r) => r.use.region },
  { name: 'source', type: 'string', description: 'The in-use source: ecs, lambda, kubernetes or keep-list.', value: (r) => USE_KIND_SOURCE[r.use.kind] },
  { name: 'cluster', type: 'string', description: 'ECS cluster, or the Kubernetes cluster label; null for task-definition revisions.', value: (r) => r.use.cluster ?? null },
  { name: 'service', type: 'string', description: 'ECS service, for service deployments.', value: (r) => r.use.service ?? null },
  { name: 'task', type: 'string', description: 'Task id, for running and stopped tasks.', value: (r) => r.use.task ?? null },
  { name: 'taskDefinition', type: 'string', description: 'Task definition family:revision.', value: (r) => r.use.taskDefinition ?? null },
  { name: 'container', type: 'string', description: 'Container name.', value: (r) => r.use.container ?? null },
  { name: 'functionName', type: 'string', description: 'Lambda function name.', value: (r) => r.use.functionName ?? null },
  { name: 'qualifier', type: 'string', description: 'Lambda version ($LATEST, 7) or alias that references the image.', value: (r) => r.use.qualifier ?? null },
  { name: 'namespace', type: 'string', description: 'Kubernetes namespace, for pods.', value: (r) => r.use.namespace ?? null },
  { name: 'pod', type: 'string', description: 'Kubernetes pod.', value: (r) => r.use.pod ?? null },
  { name: 'list', type: 'string', description: 'The keep list (path or URL), for keep-list entries.', value: (r) => r.use.list ?? null },
  { name: 'reference', type: 'string', description: 'Image reference as written (uri:tag or uri@digest).', value: (r) => r.use.reference },
  { name: 'digest', type: 'string', description: 'Digest the runtime resolved, or the one the reference pins; null when unknown.', value: (r) => r.digest },
  { name: 'repository', type: 'string', description: `${DESCRIBE.repository} Null for images outside ECR.`, value: (r) => r.repository },
  { name: 'kind', type: 'string', description: 'running-task, stopped-task, service, task-definition, lambda-function, pod or keep-list.', value: (r) => r.use.kind },
  { name: 'at', type: 'time', description: 'When the task started or stopped, or the deployment was created; null when the source gives no time.', value: (r) => r.use.at ?? null },
  { name: 'firstSeenAt', type: 'time', description: 'For a use remembered by the usage ledger: when it was first seen. Null for uses the current read saw.', value: (r) => r.use.firstSeenAt ?? null },
  { name: 'lastSeenAt', type: 'time', description: 'For a use remembered by the usage ledger (the current read did not see it): when it was last seen. Null for uses seen now.', value: (r) => r.use.lastSeenAt ?? null },
];

interface Listed {
  /** The uses the current read saw, then those only the usage ledger remembers. */
  readonly uses: readonly ImageUse[];
  readonly parsed: readonly (EcrReference | undefined)[];
}

const LISTED_USES = slot<Listed>('listed uses');

/** The uses the usage query lists, with their parsed references, once per snapshot. */
function listedUses(snapshot: Snapshot): Listed {
  return derivedOf(snapshot).get(LISTED_USES, undefined, () => {
    const uses = snapshot.remembered?.length ? [...snapshot.uses, ...snapshot.remembered] : snapshot.uses;
    return { uses, parsed: uses.map((use) => parseEcrReference(use.reference)) };
  });
}

/** Every listed use's parsed reference (current uses first, then remembered ones), once per snapshot. */
export const parsedUses = (snapshot: Snapshot): readonly (EcrReference | undefined)[] => listedUses(snapshot).parsed;

/**
 * Which image each ECS cluster, service, task and task definition, Lambda function, pod and keep list
 * uses, now or (remembered by the usage ledger) in the past. Filters: registry and region (of the use),
 * repository glob (of the referenced ECR repository), cluster, digest, useKind. `range` filters `at`;
 * uses without a time (task definitions) are kept.
 */
export const usageBuilder: FrameBuilder = {
  filters: QUERY_FILTERS.usage,
  usesRange: true,
  build(snapshot, request, _ctx) {
    const f = request.filters;
    const repoGlob = f.repository ? globMatcher(f.repository) : undefined;
    const rows: Row[] = [];
    const { uses, parsed } = listedUses(snapshot);
    for (let k = 0; k < uses.length; k++) {
      const use = uses[k]!;
      if (f.registry && !f.registry.includes(use.accountId)) continue;
      if (f.region && !f.region.includes(use.region)) continue;
      if (f.cluster && (use.cluster === undefined || !f.cluster.includes(use.cluster))) continue;
      if (f.useKind && !f.useKind.includes(use.kind)) continue;
      const ref = parsed[k];
      const digest = use.digest ?? ref?.digest ?? null;
      if (f.digest && digest !== f.digest) continue;
      if (repoGlob && !(ref && repoGlob(ref.repository))) continue;
      if (request.range && use.at !== undefined && (use.at < request.range.from || use.at > request.range.to)) continue;
      rows.push({ use, repository: ref?.repository ?? null, digest });
    }
    return tableFrame({ name: 'usage', columns: USAGE_COLUMNS, rows, request, snapshotVersion: snapshot.version, notices: ecsNotices(snapshot) });
  },
};
