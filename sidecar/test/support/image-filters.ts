/**
 * The image filters the plain way, one image object at a time, as the README documents them: the
 * oracle that every path that filters images (queries, severity, cleanup, lifecycle) is checked against.
 * - Times: `…After` inclusive, `…Before` exclusive; an image never pulled fails pulledBefore and
 *   pulledAfter, and notPulledForDays measures from its push.
 * - notUsedForDays keeps images last used (now or remembered) that long ago, and images never seen used.
 * - minSeverity needs a finding at or above it; images with unknown counts fail it.
 * - inUse and cluster read the image's effective uses (through indexes too).
 */
import { globMatcher, repositoryPredicate } from '../../src/query/filters.js';
import type { Filters } from '../../src/query/request.js';
import { effectiveUses, usesOf } from '../../src/query/uses.js';
import { lastUse } from '../../src/snapshot/last-used.js';
import type { Image, Severity, Snapshot } from '../../src/snapshot/model.js';
import { SEVERITIES } from '../../src/snapshot/model.js';

const DAY = 86_400_000;

function hasSeverityAtLeast(image: Image, min: Severity): boolean {
  const counts = image.scan.counts;
  if (!counts) return false;
  return SEVERITIES.slice(0, SEVERITIES.indexOf(min) + 1).some((s) => counts[s] > 0);
}

/** Whether `image` (one of `snapshot`'s) passes the image filters, and the repository scope when `scoped`. */
export function referenceImageFilter(
  filters: Filters,
  now: number,
  snapshot: Snapshot,
  options: { readonly range?: { readonly from: number; readonly to: number }; readonly scoped?: boolean } = {},
): (image: Image) => boolean {
  const f = filters;
  const uses = effectiveUses(snapshot);
  const tag = f.tag ? globMatcher(f.tag) : undefined;
  const inScope = repositoryPredicate(f);
  const pulledOrNot = (image: Image, test: (at: number) => boolean) => image.lastPulledAt !== undefined && test(image.lastPulledAt);
  return (image) => {
    const used = usesOf(uses, image);
    const last = lastUse(snapshot, image);
    const checks: boolean[] = [
      !options.scoped || inScope(snapshot.repositoryById.get(image.repositoryId)!),
      !tag || image.tags.some((t) => tag(t)),
      f.digest === undefined || image.digest === f.digest,
      !f.minSeverity || hasSeverityAtLeast(image, f.minSeverity),
      !f.scanState || f.scanState.includes(image.scan.state),
      !f.kind || f.kind.includes(image.kind),
      f.pushedBefore === undefined || image.pushedAt < f.pushedBefore,
      f.pushedAfter === undefined || image.pushedAt >= f.pushedAfter,
      f.pulledBefore === undefined || pulledOrNot(image, (at) => at < f.pulledBefore!),
      f.pulledAfter === undefined || pulledOrNot(image, (at) => at >= f.pulledAfter!),
      f.olderThanDays === undefined || image.pushedAt <= now - f.olderThanDays * DAY,
      f.notPulledForDays === undefined || (image.lastPulledAt ?? image.pushedAt) <= now - f.notPulledForDays * DAY,
      f.notUsedForDays === undefined || !last || last.at <= now - f.notUsedForDays * DAY,
      f.inUse === undefined || used.length > 0 === f.inUse,
      f.untagged === undefined || (image.tags.length === 0) === f.untagged,
      !f.cluster || used.some((u) => u.cluster !== undefined && f.cluster!.includes(u.cluster)),
      !options.range || (image.pushedAt >= options.range.from && image.pushedAt <= options.range.to),
    ];
    return checks.every(Boolean);
  };
}
