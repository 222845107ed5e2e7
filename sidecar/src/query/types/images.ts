import { QUERY_FILTERS, severityField, type FieldName } from '@ecr-lens/contract';
import type { Snapshot } from '../../snapshot/model.js';
import { SEVERITIES } from '../../snapshot/model.js';
import type { FrameBuilder } from '../builder.js';
import { DESCRIBE } from '../descriptions.js';
import { daysSince } from '../filters.js';
import { ecsNotices } from '../notices.js';
import { keptRepositories, repositoryNotices } from '../columnar/repository-table.js';
import type { QueryRequest } from '../request.js';
import type { Column } from '../table.js';
import { DAYS, pagedFrame, resolveSort, selectPage } from '../table.js';
import { describeLastUse, describeUses, effectiveUses, usesOf } from '../uses.js';
import { lastUse } from '../../snapshot/last-used.js';
import { imageIndex, severityCount } from '../columnar/image-index.js';
import type { ImageSelection, RowKey } from '../columnar/image-select.js';
import { imageRowKeys, matchedRows, pageImageRows, selectImageRows } from '../columnar/image-select.js';

/** Columns of an image row (a row number of the image index), given the snapshot and clock they read from. */
export function imageColumns(snapshot: Snapshot, now: number): Column<number, FieldName<'images'>>[] {
  const uses = effectiveUses(snapshot);
  const index = imageIndex(snapshot);
  const { images, pushedAt, pulledAt, sizeBytes, lastUsedAt } = index;
  const repo = (i: number) => snapshot.repositories[index.repoOf[i]!]!;
  const pulled = (i: number): number | null => (Number.isNaN(pulledAt[i]!) ? null : pulledAt[i]!);
  const size = (i: number): number | null => (Number.isNaN(sizeBytes[i]!) ? null : sizeBytes[i]!);
  return [
    { name: 'account', type: 'string', description: DESCRIBE.account, value: (i) => repo(i).accountId },
    { name: 'region', type: 'string', description: DESCRIBE.region, value: (i) => repo(i).region },
    { name: 'repository', type: 'string', description: DESCRIBE.repository, value: (i) => repo(i).name },
    { name: 'digest', type: 'string', description: 'Manifest digest.', value: (i) => images[i]!.digest },
    { name: 'tags', type: 'string', description: 'Tags, comma-separated; null when untagged.', value: (i) => (index.tagged[i] ? images[i]!.tags.join(', ') : null) },
    { name: 'kind', type: 'string', description: 'image (one platform), index (multi-arch list), attestation (signature, SBOM, SOCI index) or other.', value: (i) => images[i]!.kind },
    { name: 'pushedAt', type: 'time', description: 'When the image was pushed; null when ECR did not report it.', value: (i) => (images[i]!.pushedAtUnknown ? null : pushedAt[i]!) },
    {
      name: 'sizeBytes',
      type: 'number',
      unit: 'bytes',
      description: 'ECR imageSizeInBytes: the compressed size of the image; for an index, the size of its largest child. Layers shared with other images are included, so sizes of several images do not add up to what is billed (see deduplicatedSizeBytes in the repositories and cost queries). Null when ECR did not report it.',
      value: size,
    },
    { name: 'lastPulledAt', type: 'time', description: DESCRIBE.lastPulledAt, value: pulled },
    { name: 'daysSinceLastPull', type: 'number', unit: DAYS, description: DESCRIBE.daysSinceLastPull, value: (i) => daysSince(now, pulled(i) ?? undefined) },
    { name: 'scanState', type: 'string', description: 'complete, active (enhanced, continuous), pending, failed, unsupported or not_scanned.', value: (i) => images[i]!.scan.state },
    ...SEVERITIES.map(
      (s, k): Column<number, FieldName<'images'>> => ({ name: severityField(s), type: 'number', description: DESCRIBE.severity(s), value: (i) => {
        const count = severityCount(index, i, k);
        return count < 0 ? null : count;
      } }),
    ),
    {
      name: 'inUse',
      type: 'boolean',
      description: 'Whether any in-use source uses the image as of the current read (ECS tasks, services and task-definition revisions, Lambda functions, Kubernetes pods, keep lists), directly or through an index that lists it. Uses only remembered by the usage ledger do not count: see lastUsedAt.',
      value: (i) => index.inUse[i] === 1,
    },
    {
      name: 'inUseBy',
      type: 'string',
      description: 'Where any in-use source uses it now: kind then cluster/task, cluster/service, family:revision, function:qualifier, namespace/pod or the keep list; null when unused.',
      value: (i) => (index.inUse[i] ? describeUses(usesOf(uses, images[i]!)) || null : null),
    },
    {
      name: 'lastUsedAt',
      type: 'time',
      description: 'When the image was last used by any in-use source, directly or through an index that lists it: the read time for uses seen now, a stopped task\'s stop time, or when the usage ledger last saw a remembered use. Null when never seen used.',
      value: (i) => (Number.isNaN(lastUsedAt[i]!) ? null : lastUsedAt[i]!),
    },
    {
      name: 'lastUsedBy',
      type: 'string',
      description: 'The use that gives lastUsedAt, as in inUseBy; a remembered one says when it was last seen. Null when never seen used.',
      value: (i) => {
        const last = Number.isNaN(lastUsedAt[i]!) ? undefined : lastUse(snapshot, images[i]!);
        return last ? describeLastUse(last.use) : null;
      },
    },
    { name: 'imageStatus', type: 'string', description: 'ACTIVE, ARCHIVED (archive storage class) or ACTIVATING.', value: (i) => images[i]!.status },
    { name: 'uri', type: 'string', description: 'Pull reference by digest.', value: (i) => `${repo(i).uri}@${images[i]!.digest}` },
  ];
}

/**
 * The page of image rows a request asks for, sorted by `columns` (numeric keys where `keys` has one,
 * else the column's cells over the matched rows only). Throws on an unknown sort column.
 */
export function imagePage(selection: ImageSelection, columns: readonly Column<number>[], keys: Readonly<Record<string, RowKey>>, request: QueryRequest): number[] {
  const sort = resolveSort(columns, request);
  if (!sort) return pageImageRows(selection, undefined, 'asc', request.offset, request.limit);
  const key = Object.hasOwn(keys, sort.column.name) ? keys[sort.column.name] : undefined;
  if (key) return pageImageRows(selection, key, sort.order, request.offset, request.limit);
  const rows = matchedRows(selection);
  const cells = Array.from(rows, sort.column.value);
  return selectPage(cells, sort.order, request.offset, request.limit).map((k) => rows[k]!);
}

/**
 * One row per image (every manifest: indexes, their children and attestations too). Filters: all
 * repository and image filters. `range` filters pushedAt (inclusive).
 */
export const imagesBuilder: FrameBuilder = {
  filters: QUERY_FILTERS.images,
  usesRange: true,
  build(snapshot, request, ctx) {
    const now = ctx.now();
    const columns = imageColumns(snapshot, now);
    resolveSort(columns, request);
    const selection = selectImageRows(snapshot, request.filters, now, request.range);
    const page = imagePage(selection, columns, imageRowKeys(snapshot, now), request);
    const notices = [...repositoryNotices(snapshot, keptRepositories(snapshot, request.filters), request.filters), ...ecsNotices(snapshot)];
    return pagedFrame({ name: 'images', columns, page, total: selection.count, snapshotVersion: snapshot.version, notices });
  },
};
