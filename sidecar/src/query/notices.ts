import type { Incomplete, Snapshot } from '../snapshot/model.js';
import { USE_SCOPES } from '../snapshot/model.js';
import type { Filters } from './request.js';
import type { Notice } from './table.js';

const MAX_LISTED = 10;

export const describeIncomplete = (e: Incomplete): string =>
  `${e.scope} ${e.accountId}/${e.region}${e.target ? `/${e.target}` : ''}: ${e.operation} failed (${e.error})`;

function summarise(prefix: string, entries: readonly Incomplete[]): Notice[] {
  if (entries.length === 0) return [];
  const listed = entries.slice(0, MAX_LISTED).map(describeIncomplete).join('; ');
  const more = entries.length > MAX_LISTED ? `; and ${entries.length - MAX_LISTED} more` : '';
  return [{ severity: 'warning', text: `${prefix}: ${listed}${more}` }];
}

/**
 * Warnings for the incomplete data behind the rows shown: the repositories given, plus registry-wide
 * failures (a registry whose repositories could not be listed has no rows to attach them to).
 */
export function inventoryNotices(snapshot: Snapshot, repositoryIds: Iterable<string>, filters: Filters): Notice[] {
  const entries = new Set<Incomplete>();
  for (const id of repositoryIds) for (const e of snapshot.incompleteByRepository.get(id) ?? []) entries.add(e);
  for (const e of snapshot.incomplete) {
    if (e.scope !== 'registry' && e.scope !== 'repositories') continue;
    if (filters.registry && !filters.registry.includes(e.accountId)) continue;
    if (filters.region && !filters.region.includes(e.region)) continue;
    entries.add(e);
  }
  return summarise('Incomplete data, the figures shown may miss some images', [...entries]);
}

/** A warning when an in-use source (ECS, Lambda, Kubernetes, a keep list, the ledger) could not be read: images may be in use without showing it. */
export function ecsNotices(snapshot: Snapshot): Notice[] {
  const entries = snapshot.incomplete.filter((e) => USE_SCOPES.has(e.scope));
  return summarise('Usage incomplete, images may be in use without showing it', entries);
}
