/** What the in-use sources gave, per registry or for all of them, and how a snapshot's uses are combined. */
import type { Cluster, ImageUse, Incomplete, SnapshotInput, SourceCoverage } from '../snapshot/model.js';
import type { GlobalUseSource } from '../uses/source.js';

/** What the in-use sources of one registry (ECS, Lambda) gave. */
export interface UsesRead {
  readonly clusters: readonly Cluster[];
  readonly uses: readonly ImageUse[];
  readonly incomplete: readonly Incomplete[];
  readonly sources: readonly SourceCoverage[];
}

/** Every use that the in-use sources gave, for a whole snapshot. */
export type AllUses = Pick<SnapshotInput, 'uses' | 'clusters' | 'incomplete'> & { readonly sources: readonly SourceCoverage[] };

/** Kubernetes and keep lists: read once for every registry. */
export async function readGlobalSources(globalSources: readonly GlobalUseSource[], now: number): Promise<UsesRead> {
  const reads = await Promise.all(globalSources.map(async (source) => ({ source, read: await source.read(now) })));
  return {
    clusters: [],
    uses: reads.flatMap((r) => r.read.uses),
    incomplete: reads.flatMap((r) => r.read.incomplete),
    sources: reads.map((r) => ({
      source: r.source.source,
      description: r.source.description,
      readAt: now,
      ...(r.read.notices?.length ? { notices: r.read.notices } : {}),
    })),
  };
}

export function combineUses(reads: readonly UsesRead[]): AllUses {
  return {
    clusters: reads.flatMap((r) => r.clusters),
    uses: reads.flatMap((r) => r.uses),
    incomplete: reads.flatMap((r) => r.incomplete),
    sources: reads.flatMap((r) => r.sources),
  };
}
