/**
 * Frame builders for queryType `cleanup` (one row per image and its decision) and `lifecycle`
 * (what ECR's lifecycle policies will expire or archive), for POST /api/v1/query.
 */
import prettyBytes from 'pretty-bytes';
import { QUERY_FILTERS, type FieldName } from '@ecr-lens/contract';
import type { FrameBuilder } from '../../query/builder.js';
import { repositoryPredicate } from '../../query/filters.js';
import type { Column, Notice } from '../../query/table.js';
import { tableFrame } from '../../query/table.js';
import type { Snapshot } from '../../snapshot/model.js';
import type { LifecyclePreviewImage, LifecycleRepositoryPreview } from './lifecycle/preview.js';
import type { ImagePlan, RepositoryPlan } from './planner.js';
import { imageFilter, selectPlan } from './select.js';
import type { PlanSource } from './source.js';

const tagsOf = (tags: readonly string[]): string | null => (tags.length ? tags.join(', ') : null);
const MAX_NOTICES = 10;

export function cleanupColumns(snapshot: Snapshot, repositories: ReadonlyMap<string, RepositoryPlan>): Column<ImagePlan, FieldName<'cleanup'>>[] {
  const repo = (p: ImagePlan) => snapshot.repositoryById.get(p.image.repositoryId)!;
  return [
    { name: 'account', type: 'string', description: 'AWS account id.', value: (p) => repo(p).accountId },
    { name: 'region', type: 'string', description: 'AWS region.', value: (p) => repo(p).region },
    { name: 'repository', type: 'string', description: 'Repository name.', value: (p) => repo(p).name },
    { name: 'digest', type: 'string', description: 'Manifest digest.', value: (p) => p.image.digest },
    { name: 'tags', type: 'string', description: 'Tags, comma-separated; null when untagged.', value: (p) => tagsOf(p.image.tags) },
    { name: 'kind', type: 'string', description: 'image, index, attestation or other.', value: (p) => p.image.kind },
    { name: 'pushedAt', type: 'time', description: 'When the image was pushed.', value: (p) => p.image.pushedAt },
    { name: 'decision', type: 'string', description: 'delete, keep or blocked (fail closed: nothing in the repository is deleted).', value: (p) => p.decision },
    { name: 'reasons', type: 'string', description: 'Every reason for the decision, separated by " | ".', value: (p) => p.reasons.map((r) => r.text).join(' | ') },
    { name: 'reasonCodes', type: 'string', description: 'The reasons as machine codes (docs/cleanup.md).', value: (p) => p.reasons.map((r) => r.code).join(',') },
    { name: 'inUse', type: 'boolean', description: 'Whether the in-use rules find ECS using it.', value: (p) => p.inUse },
    { name: 'sizeBytes', type: 'number', unit: 'bytes', description: 'ECR imageSizeInBytes; null when ECR did not report it.', value: (p) => p.image.sizeBytes ?? null },
    {
      name: 'reclaimableBytes',
      type: 'number',
      unit: 'bytes',
      description: 'Layers freed by deleting it: those no kept image of the repository shares. 0 unless deleted; null when unknown.',
      value: (p) => p.reclaimableBytes,
    },
    { name: 'monthlyUsd', type: 'number', unit: 'currencyUSD', decimals: 4, description: 'Monthly storage saved by deleting it.', value: (p) => p.monthlyUsd },
    { name: 'rule', type: 'string', description: 'The cleanup rule (repository glob) that applies; null when none.', value: (p) => repositories.get(p.image.repositoryId)?.rule ?? null },
  ];
}

const REPOSITORY_PLAN_COLUMNS: Column<RepositoryPlan, FieldName<'cleanupRepository'>>[] = [
  { name: 'account', type: 'string', description: 'AWS account id.', value: (r) => r.repository.accountId },
  { name: 'region', type: 'string', description: 'AWS region.', value: (r) => r.repository.region },
  { name: 'repository', type: 'string', description: 'Repository name.', value: (r) => r.repository.name },
  { name: 'status', type: 'string', description: 'ok, blocked (fail closed: nothing in it is deleted) or no-rule (left alone).', value: (r) => r.status },
  { name: 'blockedReasons', type: 'string', description: 'Why the plan is blocked, separated by " | "; null when it is not.', value: (r) => (r.blockedReasons.length ? r.blockedReasons.map((b) => b.text).join(' | ') : null) },
  { name: 'rule', type: 'string', description: 'The cleanup rule (repository glob) that applies; null when none.', value: (r) => r.rule },
  { name: 'images', type: 'number', description: 'Images planned.', value: (r) => r.summary.images },
  { name: 'delete', type: 'number', description: 'Images to delete.', value: (r) => r.summary.delete },
  { name: 'keep', type: 'number', description: 'Images kept.', value: (r) => r.summary.keep },
  { name: 'blocked', type: 'number', description: 'Images blocked.', value: (r) => r.summary.blocked },
  { name: 'inUse', type: 'number', description: 'Images ECS uses.', value: (r) => r.summary.inUse },
  { name: 'reclaimableBytes', type: 'number', unit: 'bytes', description: 'Deduplicated bytes the deletions free.', value: (r) => r.summary.reclaimableBytes },
  { name: 'monthlyUsd', type: 'number', unit: 'currencyUSD', decimals: 4, description: 'Monthly storage saved.', value: (r) => r.summary.monthlyUsd },
];

export function blockedNotices(repositories: Iterable<RepositoryPlan>): Notice[] {
  const blocked = [...repositories].filter((r) => r.status === 'blocked');
  if (!blocked.length) return [];
  const listed = blocked.slice(0, MAX_NOTICES).map((r) => `${r.repository.name}: ${r.blockedReasons.map((b) => b.text).join('; ')}`);
  const more = blocked.length > MAX_NOTICES ? ` (and ${blocked.length - MAX_NOTICES} more repositories)` : '';
  return [{ severity: 'warning', text: `Cleanup blocked in ${blocked.length} repositories${more}. ${listed.join(' / ')}` }];
}

export function cleanupBuilder(service: PlanSource): FrameBuilder {
  return {
    filters: QUERY_FILTERS.cleanup,
    usesRange: false,
    // A snapshot is served before its plan is made (just after): answer from the one before, with its own plan.
    answering: (current) => service.plannedSnapshot(current),
    build(snapshot, request, ctx) {
      const selection = selectPlan(service.plan(snapshot), request.filters, ctx.now(), snapshot);
      const notices: Notice[] = [
        {
          severity: 'info',
          // The id's first 12 characters, as git shows commits; the full id is in the plan route's answer.
          text: `Cleanup plan ${selection.plan.id.slice(0, 12)}: ${selection.plan.summary.delete} images to delete, ${prettyBytes(selection.plan.summary.reclaimableBytes, { binary: true })} reclaimable.`,
        },
        ...blockedNotices(selection.plan.repositories),
        ...selection.plan.notices.slice(0, MAX_NOTICES).map((text): Notice => ({ severity: 'warning', text: `Blind spot: ${text}.` })),
      ];
      // One row per repository: its status and summary (image filters and `decision` choose image rows only).
      if (request.filters.level === 'repository') {
        return tableFrame({
          name: 'cleanup',
          columns: REPOSITORY_PLAN_COLUMNS,
          rows: selection.plan.repositories,
          request,
          snapshotVersion: snapshot.version,
          notices,
        });
      }
      return tableFrame({
        name: 'cleanup',
        columns: cleanupColumns(snapshot, selection.repositoryById),
        rows: selection.rows,
        request,
        snapshotVersion: snapshot.version,
        notices,
      });
    },
  };
}

type LifecycleRow = LifecyclePreviewImage & { readonly repository: LifecycleRepositoryPreview['repository'] };

const LIFECYCLE_COLUMNS: Column<LifecycleRow, FieldName<'lifecycle'>>[] = [
  { name: 'account', type: 'string', description: 'AWS account id.', value: (r) => r.repository.accountId },
  { name: 'region', type: 'string', description: 'AWS region.', value: (r) => r.repository.region },
  { name: 'repository', type: 'string', description: 'Repository name.', value: (r) => r.repository.name },
  { name: 'digest', type: 'string', description: 'Manifest digest.', value: (r) => r.digest },
  { name: 'tags', type: 'string', description: 'Tags, comma-separated; null when untagged.', value: (r) => tagsOf(r.image.tags) },
  { name: 'kind', type: 'string', description: 'image, index, attestation or other.', value: (r) => r.image.kind },
  { name: 'pushedAt', type: 'time', description: 'When the image was pushed.', value: (r) => r.image.pushedAt },
  { name: 'lastPulledAt', type: 'time', description: 'Last recorded pull; null when never pulled.', value: (r) => r.image.lastPulledAt ?? null },
  { name: 'action', type: 'string', description: 'EXPIRE or TRANSITION (to archive).', value: (r) => r.action },
  { name: 'targetStorageClass', type: 'string', description: 'ARCHIVE for transitions.', value: (r) => r.targetStorageClass ?? null },
  { name: 'storageClass', type: 'string', description: 'STANDARD or ARCHIVE: where the image is now.', value: (r) => r.storageClass },
  { name: 'appliedRulePriority', type: 'number', description: 'The lifecycle rule that acts; null for a referrer removed with its subject.', value: (r) => r.appliedRulePriority },
  { name: 'via', type: 'string', description: 'rule, or subject (a signature/SBOM removed within 24 h of its subject).', value: (r) => r.via },
  {
    name: 'inUse',
    type: 'boolean',
    description: 'ECS uses this image, yet ECR lifecycle (which ignores ECS) will act on it.',
    value: (r) => r.inUse,
  },
  { name: 'inUseBy', type: 'string', description: 'Where ECS uses it.', value: (r) => (r.inUseReasons.length ? r.inUseReasons.map((x) => x.text).join(' | ') : null) },
  { name: 'sizeBytes', type: 'number', unit: 'bytes', description: 'ECR imageSizeInBytes; null when ECR did not report it.', value: (r) => r.image.sizeBytes ?? null },
];

export function lifecycleBuilder(service: PlanSource): FrameBuilder {
  return {
    filters: QUERY_FILTERS.lifecycle,
    usesRange: false,
    // Made in steps on first read (a million images' preview in one piece held the event loop for 1.4 s).
    load: (snapshot) => service.previewed(snapshot),
    build(snapshot, request, ctx) {
      const { inUse } = request.filters;
      const keepRepository = repositoryPredicate(request.filters);
      const keepImage = imageFilter(request.filters, ctx.now(), snapshot);
      const clusters = request.filters.cluster ? new Set(request.filters.cluster) : undefined;
      const rows: LifecycleRow[] = [];
      const invalid: string[] = [];
      const incomplete: string[] = [];
      for (const r of service.preview(snapshot).repositories) {
        if (!keepRepository(r.repository)) continue;
        if (r.policy === 'invalid') invalid.push(`${r.repository.name}: ${r.errors.join('; ')}`);
        if (r.incomplete && r.policy === 'valid') incomplete.push(r.repository.name);
        for (const a of r.actions) {
          if (inUse !== undefined && a.inUse !== inUse) continue;
          if (clusters && !a.clusters.some((c) => clusters.has(c))) continue;
          if (!keepImage || keepImage(a.image)) rows.push(Object.assign({}, a, { repository: r.repository }));
        }
      }
      const notices: Notice[] = [];
      if (invalid.length) {
        notices.push({ severity: 'warning', text: `Invalid lifecycle policies in ${invalid.length} repositories: ${invalid.slice(0, MAX_NOTICES).join(' / ')}` });
      }
      if (incomplete.length) {
        notices.push({ severity: 'warning', text: `Image lists incomplete, the preview may miss images in: ${incomplete.slice(0, MAX_NOTICES).join(', ')}` });
      }
      const atRisk = rows.filter((r) => r.inUse).length;
      if (atRisk) notices.push({ severity: 'warning', text: `${atRisk} images ECR lifecycle will act on are in use by ECS.` });
      return tableFrame({ name: 'lifecycle', columns: LIFECYCLE_COLUMNS, rows, request, snapshotVersion: snapshot.version, notices });
    },
  };
}
