import { QUERY_FILTERS, type FieldName } from '@ecr-lens/contract';
import type { Finding, Image, Repository, Snapshot } from '../../snapshot/model.js';
import { SEVERITIES } from '../../snapshot/model.js';
import type { FrameBuilder } from '../builder.js';
import { queryError } from '../errors.js';
import { repositoryPredicate } from '../filters.js';
import { imageIndex, rowsWithDigest } from '../columnar/image-index.js';
import type { QueryRequest } from '../request.js';
import type { Column, Notice } from '../table.js';
import { tableFrame } from '../table.js';

export const FINDING_COLUMNS: readonly Column<Finding, FieldName<'findings'>>[] = [
  { name: 'name', type: 'string', description: 'Vulnerability id (CVE-…).', value: (f) => f.name },
  { name: 'severity', type: 'string', description: 'CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or UNDEFINED.', value: (f) => f.severity },
  { name: 'packageName', type: 'string', description: 'Affected package; null when not reported.', value: (f) => f.packageName ?? null },
  { name: 'packageVersion', type: 'string', description: 'Installed version of the package; null when not reported.', value: (f) => f.packageVersion ?? null },
  { name: 'fixedInVersion', type: 'string', description: 'First version with a fix; null when none is known.', value: (f) => f.fixedInVersion ?? null },
  { name: 'uri', type: 'string', description: 'Link to the advisory.', value: (f) => f.uri ?? null },
  { name: 'score', type: 'number', description: 'CVSS score (enhanced scanning); null when not reported.', value: (f) => f.score ?? null },
  { name: 'status', type: 'string', description: 'Finding status (ACTIVE, SUPPRESSED, CLOSED) for enhanced scanning; null otherwise.', value: (f) => f.status ?? null },
  { name: 'source', type: 'string', description: 'basic or enhanced scanning.', value: (f) => f.source },
  { name: 'description', type: 'string', description: 'Short description; null when not reported.', value: (f) => f.description ?? null },
];

function requireDigest(request: QueryRequest): string {
  const digest = request.filters.digest;
  if (!digest) throw queryError('filters.digest', 'is required for queryType findings');
  return digest;
}

/** The images with this digest in repositories matching the filters (a hash lookup, not a scan). */
function imagesWithDigest(snapshot: Snapshot, request: QueryRequest, digest: string): { image: Image; repository: Repository }[] {
  const keep = repositoryPredicate(request.filters);
  const index = imageIndex(snapshot);
  const found: { image: Image; repository: Repository }[] = [];
  for (const i of rowsWithDigest(index, digest)) {
    const repository = snapshot.repositories[index.repoOf[i]!]!;
    if (keep(repository)) found.push({ image: index.images[i]!, repository });
  }
  return found;
}

const rank = (f: Finding): number => SEVERITIES.indexOf(f.severity);

/**
 * The CVE list of one image (filters.digest required). Findings come from the snapshot when the
 * refresh fetched them, else from ctx.findingsProvider (lazily). Default order: severity, then score
 * (highest first), then name. minSeverity keeps findings at or above it. `range` does not apply.
 */
export const findingsBuilder: FrameBuilder = {
  filters: QUERY_FILTERS.findings,
  usesRange: false,
  async load(snapshot, request, ctx) {
    const digest = requireDigest(request);
    if (snapshot.findings.has(digest) || !ctx.findingsProvider) return undefined;
    const [first] = imagesWithDigest(snapshot, request, digest);
    return first ? ctx.findingsProvider(first.repository, digest) : undefined;
  },
  build(snapshot, request, _ctx, loaded) {
    const digest = requireDigest(request);
    const images = imagesWithDigest(snapshot, request, digest);
    const notices: Notice[] = [];
    let findings = snapshot.findings.get(digest) ?? (Array.isArray(loaded) ? (loaded as readonly Finding[]) : undefined);
    if (images.length === 0) {
      notices.push({ severity: 'warning', text: `No image ${digest} in the repositories matching the filters.` });
    } else if (!findings) {
      const state = images[0]!.image.scan.state;
      notices.push({ severity: 'warning', text: `Findings of ${digest} are not available (scan state ${state}); this is not a clean result.` });
    } else if (images[0]!.image.scan.state !== 'complete' && images[0]!.image.scan.state !== 'active') {
      notices.push({ severity: 'info', text: `Scan state ${images[0]!.image.scan.state}: the findings may be out of date.` });
    }
    findings ??= [];
    const min = request.filters.minSeverity;
    const kept = (min ? findings.filter((f) => rank(f) <= SEVERITIES.indexOf(min)) : [...findings]).sort(
      (a, b) => rank(a) - rank(b) || (b.score ?? -1) - (a.score ?? -1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    return tableFrame({ name: 'findings', columns: FINDING_COLUMNS, rows: kept, request, snapshotVersion: snapshot.version, notices });
  },
};
