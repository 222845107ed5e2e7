/**
 * What the plan can see, registry by registry: the in-use sources that cover each one, when they were read and
 * since when watched, the reads that failed, and whether the registry is blind (nothing watches it, so its
 * repositories are blocked). The Sources page of the app shows it; blocking.ts decides with the same rules.
 */
import type { CleanupSources, CoveringSource } from '@ecr-lens/contract';
import type { Snapshot } from '../../snapshot/model.js';
import { registryKey, USE_SCOPES, USE_SOURCES } from '../../snapshot/model.js';
import { nothingRunsFrom, watches } from './blocking.js';
import type { CleanupConfig } from './config.js';
import type { CleanupPlan } from './types.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function planSources(snapshot: Snapshot, plan: CleanupPlan, config: CleanupConfig): CleanupSources {
  const repositories = new Map<string, number>();
  for (const r of snapshot.repositories)
    repositories.set(
      registryKey(r.accountId, r.region),
      (repositories.get(registryKey(r.accountId, r.region)) ?? 0) + 1,
    );
  const blocked = new Map<string, number>();
  for (const r of plan.repositories) {
    if (r.status !== 'blocked') continue;
    const key = registryKey(r.repository.accountId, r.repository.region);
    blocked.set(key, (blocked.get(key) ?? 0) + 1);
  }
  const sources = snapshot.sources ?? [];
  const read = new Set(sources.map((s) => s.source));
  // Grouped by registry once (key '' for what covers or fails for every registry), so each registry's are at hand.
  const group = <T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> => {
    const out = new Map<string, T[]>();
    for (const item of items) {
      const key = keyOf(item);
      const list = out.get(key);
      if (list) list.push(item);
      else out.set(key, [item]);
    }
    return out;
  };
  const sourcesBy = group(sources, (s) => (s.accountId === undefined ? '' : registryKey(s.accountId, s.region ?? '')));
  const failuresBy = group(
    snapshot.incomplete.filter((e) => USE_SCOPES.has(e.scope)),
    (e) => (e.accountId === '' ? '' : registryKey(e.accountId, e.region)),
  );
  return {
    snapshotVersion: snapshot.version,
    generatedAt: iso(plan.generatedAt),
    registries: snapshot.registries.map(({ accountId, region }) => {
      const key = registryKey(accountId, region);
      const raw = [...(sourcesBy.get(key) ?? []), ...(sourcesBy.get('') ?? [])];
      const covering: CoveringSource[] = raw.map((s) => ({
        source: s.source,
        description: s.description,
        scope: s.accountId === undefined ? 'all-registries' : 'registry',
        readAt: iso(s.readAt),
        watchedSince: s.watchedSince === undefined ? null : iso(s.watchedSince),
        notices: [...(s.notices ?? [])],
      }));
      const watched = raw.some((s) => watches(s, accountId, region));
      const declared = nothingRunsFrom(config, accountId, region);
      return {
        account: accountId,
        region,
        repositories: repositories.get(key) ?? 0,
        sources: covering,
        watched,
        nothingRunsFrom: declared,
        // A snapshot made by hand has no sources: unknown, so not called blind (as blocking.ts).
        blind: snapshot.sources !== undefined && !watched && !declared,
        failures: [...(failuresBy.get(key) ?? []), ...(failuresBy.get('') ?? [])].map((e) => ({ ...e })),
        blockedRepositories: blocked.get(key) ?? 0,
      };
    }),
    notSources: USE_SOURCES.filter((s) => !read.has(s)),
    notices: [...plan.notices],
  };
}
