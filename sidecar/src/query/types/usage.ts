import type { ImageUse, Snapshot } from '../../snapshot/model.js';
import type { EcrReference } from '../../snapshot/reference.js';
import { parseEcrReference } from '../../snapshot/reference.js';
import type { FrameBuilder } from '../builder.js';
import { DESCRIBE } from '../descriptions.js';
import { globMatcher } from '../filters.js';
import { ecsNotices } from '../notices.js';
import type { Column } from '../table.js';
import { tableFrame } from '../table.js';

interface Row {
  readonly use: ImageUse;
  /** Referenced ECR repository; null for images outside ECR. */
  readonly repository: string | null;
  readonly digest: string | null;
}

export const USAGE_COLUMNS: readonly Column<Row>[] = [
  { name: 'account', type: 'string', description: 'AWS account of the ECS resource.', value: (r) => r.use.accountId },
  { name: 'region', type: 'string', description: 'AWS region of the ECS resource.', value: (r) => r.use.region },
  { name: 'cluster', type: 'string', description: 'ECS cluster; null for task-definition revisions.', value: (r) => r.use.cluster ?? null },
  { name: 'service', type: 'string', description: 'ECS service, for service deployments.', value: (r) => r.use.service ?? null },
  { name: 'task', type: 'string', description: 'Task id, for running and stopped tasks.', value: (r) => r.use.task ?? null },
  { name: 'taskDefinition', type: 'string', description: 'Task definition family:revision.', value: (r) => r.use.taskDefinition ?? null },
  { name: 'container', type: 'string', description: 'Container name.', value: (r) => r.use.container ?? null },
  { name: 'reference', type: 'string', description: 'Image reference as written (uri:tag or uri@digest).', value: (r) => r.use.reference },
  { name: 'digest', type: 'string', description: 'Digest ECS resolved, or the one the reference pins; null when unknown.', value: (r) => r.digest },
  { name: 'repository', type: 'string', description: `${DESCRIBE.repository} Null for images outside ECR.`, value: (r) => r.repository },
  { name: 'kind', type: 'string', description: 'running-task, stopped-task, service or task-definition.', value: (r) => r.use.kind },
  { name: 'at', type: 'time', description: 'When the task started or stopped, or the deployment was created; null for task definitions.', value: (r) => r.use.at ?? null },
];

const memo = new WeakMap<Snapshot, readonly (EcrReference | undefined)[]>();

/** Every use's parsed reference, once per snapshot. */
export function parsedUses(snapshot: Snapshot): readonly (EcrReference | undefined)[] {
  let parsed = memo.get(snapshot);
  if (!parsed) {
    parsed = snapshot.uses.map((use) => parseEcrReference(use.reference));
    memo.set(snapshot, parsed);
  }
  return parsed;
}

/**
 * Which image each ECS cluster, service, task and task definition uses. Filters: registry and region
 * (of the ECS resource), repository glob (of the referenced ECR repository), cluster, digest, useKind.
 * `range` filters `at`; uses without a time (task definitions) are kept.
 */
export const usageBuilder: FrameBuilder = {
  filters: ['registry', 'region', 'repository', 'cluster', 'digest', 'useKind'],
  usesRange: true,
  build(snapshot, request, _ctx) {
    const f = request.filters;
    const repoGlob = f.repository ? globMatcher(f.repository) : undefined;
    const rows: Row[] = [];
    const parsed = parsedUses(snapshot);
    for (let k = 0; k < snapshot.uses.length; k++) {
      const use = snapshot.uses[k]!;
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
