import { QUERY_FILTERS, severityField, type FieldName } from '@ecr-lens/contract';
import type { Snapshot } from '../../snapshot/model.js';
import { IMAGE_KINDS, SEVERITIES } from '../../snapshot/model.js';
import { isUnscanned } from '../../snapshot/unscanned.js';
import type { ImageIndex } from '../columnar/image-index.js';
import { imageIndex, severityCount } from '../columnar/image-index.js';
import { imageRowKeys, selectImageRows } from '../columnar/image-select.js';
import type { FrameBuilder } from '../builder.js';
import { DESCRIBE } from '../descriptions.js';
import { hasImageFilters } from '../filters.js';
import type { RepositoryColumn } from '../columnar/repository-table.js';
import { keptRepositories, repositoryNotices, repositoryPage } from '../columnar/repository-table.js';
import type { Column } from '../table.js';
import { pagedFrame, resolveSort } from '../table.js';
import { imagePage } from './images.js';
import { derivedOf, slot } from '../../snapshot/derived.js';

/** The per-repository columns over accumulated sums; a row is a repository index. */
function repositoryLevelColumns(snapshot: Snapshot, acc: Sums): RepositoryColumn<FieldName<'severity'>>[] {
  const repo = (r: number) => snapshot.repositories[r]!;
  const count = (values: Float64Array) => ({ value: (r: number) => values[r]!, key: (r: number) => values[r]! });
  return [
    { name: 'account', type: 'string', description: DESCRIBE.account, value: (r) => repo(r).accountId },
    { name: 'region', type: 'string', description: DESCRIBE.region, value: (r) => repo(r).region },
    { name: 'repository', type: 'string', description: DESCRIBE.repository, value: (r) => repo(r).name },
    { name: 'images', type: 'number', description: 'Images counted (after the image filters), all kinds.', ...count(acc.images) },
    { name: 'scannedImages', type: 'number', description: 'Images whose finding counts are known.', ...count(acc.scanned) },
    {
      name: 'unscannedImages',
      type: 'number',
      description:
        'Single-platform images whose counts are unknown (not scanned, pending, failed, unsupported): their findings are not in the sums. Indexes, attestations and other artifacts are not scannable and never count; ecrlens_repository_images_unscanned counts the same.',
      ...count(acc.unscanned),
    },
    ...SEVERITIES.map(
      (s, k): RepositoryColumn<FieldName<'severity'>> => ({
        name: severityField(s),
        type: 'number',
        description: `${s} findings summed over the scanned images; null when no image has known counts.`,
        value: (r) => (acc.scanned[r]! > 0 ? acc.sums[r * 6 + k]! : null),
        key: (r) => (acc.scanned[r]! > 0 ? acc.sums[r * 6 + k]! : NaN),
      }),
    ),
  ];
}

function imageLevelColumns(snapshot: Snapshot): Column<number, FieldName<'severityImage'>>[] {
  const index = imageIndex(snapshot);
  const { images } = index;
  const repo = (i: number) => snapshot.repositories[index.repoOf[i]!]!;
  return [
    { name: 'account', type: 'string', description: DESCRIBE.account, value: (i) => repo(i).accountId },
    { name: 'region', type: 'string', description: DESCRIBE.region, value: (i) => repo(i).region },
    { name: 'repository', type: 'string', description: DESCRIBE.repository, value: (i) => repo(i).name },
    { name: 'digest', type: 'string', description: 'Manifest digest.', value: (i) => images[i]!.digest },
    { name: 'tags', type: 'string', description: 'Tags, comma-separated; null when untagged.', value: (i) => (images[i]!.tags.length > 0 ? images[i]!.tags.join(', ') : null) },
    { name: 'kind', type: 'string', description: 'image, index, attestation or other.', value: (i) => images[i]!.kind },
    { name: 'scanState', type: 'string', description: 'complete, active, pending, failed, unsupported or not_scanned.', value: (i) => images[i]!.scan.state },
    { name: 'scanCompletedAt', type: 'time', description: 'When the last scan completed; null when unknown.', value: (i) => images[i]!.scan.completedAt ?? null },
    ...SEVERITIES.map(
      (s, k): Column<number, FieldName<'severityImage'>> => ({
        name: severityField(s),
        type: 'number',
        description: DESCRIBE.severity(s),
        value: (i) => {
          const count = severityCount(index, i, k);
          return count < 0 ? null : count;
        },
      }),
    ),
  ];
}

/** Per-repository accumulators over a set of image rows: counts, then six sums per repository. */
export interface Sums {
  readonly images: Float64Array;
  readonly scanned: Float64Array;
  readonly unscanned: Float64Array;
  readonly sums: Float64Array;
}

// 1 for the kinds whose unknown counts are reported as unscanned (snapshot/unscanned.ts, as the metric).
const COUNTS_UNSCANNED = Uint8Array.from(IMAGE_KINDS, (kind) => (isUnscanned(kind, false) ? 1 : 0));

/** Sums per repository over the rows the mask keeps (all rows without one). Rows of a repository are contiguous; branch-free inner loop. */
function accumulate(index: ImageIndex, repositories: number, mask: Uint8Array | undefined): Sums {
  const acc: Sums = { images: new Float64Array(repositories), scanned: new Float64Array(repositories), unscanned: new Float64Array(repositories), sums: new Float64Array(repositories * 6) };
  const { countSet, countTable: counts, kind, repoStart } = index;
  for (let r = 0; r < repositories; r++) {
    let images = 0;
    let scanned = 0;
    let unscanned = 0;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0; // prettier-ignore
    for (let row = repoStart[r]!, end = repoStart[r + 1]!; row < end; row++) {
      const m = mask ? mask[row]! : 1;
      const c = countSet[row]! * 6;
      const known = +(counts[c]! >= 0);
      const mk = m & known;
      images += m;
      scanned += mk;
      unscanned += m & (known ^ 1) & COUNTS_UNSCANNED[kind[row]!]!;
      s0 += mk * counts[c]!;
      s1 += mk * counts[c + 1]!;
      s2 += mk * counts[c + 2]!;
      s3 += mk * counts[c + 3]!;
      s4 += mk * counts[c + 4]!;
      s5 += mk * counts[c + 5]!;
    }
    acc.images[r] = images;
    acc.scanned[r] = scanned;
    acc.unscanned[r] = unscanned;
    const at = r * 6;
    acc.sums[at] = s0;
    acc.sums[at + 1] = s1;
    acc.sums[at + 2] = s2;
    acc.sums[at + 3] = s3;
    acc.sums[at + 4] = s4;
    acc.sums[at + 5] = s5;
  }
  return acc;
}

export const SEVERITY_SUMS = slot<Sums>('severity sums');

/** Every repository's sums over all its images, once per snapshot (the common, unfiltered case). */
export function unfilteredSeveritySums(snapshot: Snapshot): Sums {
  return derivedOf(snapshot).get(SEVERITY_SUMS, undefined, () => accumulate(imageIndex(snapshot), snapshot.repositories.length, undefined));
}

/**
 * Severity counts, per repository (filters.level 'repository', the default) or per image ('image').
 * Image filters choose which images count; with image filters set, repositories without a matching
 * image are left out. `range` does not apply: counts are the current state.
 */
export const severityBuilder: FrameBuilder = {
  filters: QUERY_FILTERS.severity,
  usesRange: false,
  build(snapshot, request, ctx) {
    const now = ctx.now();
    const kept = keptRepositories(snapshot, request.filters);
    const notices = repositoryNotices(snapshot, kept, request.filters);
    if (request.filters.level === 'image') {
      const columns = imageLevelColumns(snapshot);
      resolveSort(columns, request);
      const selection = selectImageRows(snapshot, request.filters, now);
      const page = imagePage(selection, columns, imageRowKeys(snapshot, now), request);
      return pagedFrame({ name: 'severity', columns, page, total: selection.count, snapshotVersion: snapshot.version, notices });
    }
    let acc: Sums;
    let rows = kept;
    if (!hasImageFilters(request.filters)) {
      acc = unfilteredSeveritySums(snapshot);
    } else {
      const selection = selectImageRows(snapshot, request.filters, now);
      acc = accumulate(selection.index, snapshot.repositories.length, selection.mask);
      rows = rows.filter((r) => acc.images[r]! > 0);
    }
    const columns = repositoryLevelColumns(snapshot, acc);
    const page = repositoryPage(snapshot, 'severity', columns, rows, request);
    return pagedFrame({ name: 'severity', columns, page, total: rows.length, snapshotVersion: snapshot.version, notices });
  },
};
