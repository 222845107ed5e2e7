import type { Snapshot } from '../snapshot/model.js';

export { VARIABLE_KINDS } from '@ecr-lens/contract';
import type { VariableKind } from '@ecr-lens/contract';
export type { VariableKind };

/** A Grafana MetricFindValue. */
export interface VariableValue {
  readonly text: string;
  readonly value: string;
}

export interface VariableScope {
  readonly registry?: string;
  readonly region?: string;
  /** Repository name; required for tags. */
  readonly repository?: string;
}

const values = (items: Iterable<string>, sort = true): VariableValue[] => {
  const distinct = [...new Set(items)];
  if (sort) distinct.sort();
  return distinct.map((v) => ({ text: v, value: v }));
};

/**
 * Template variable values. registries: account ids; regions; repositories (names); tags of
 * `scope.repository`, newest push first; clusters (names). Each can be narrowed by registry and region.
 */
export function variableValues(snapshot: Snapshot, kind: VariableKind, scope: VariableScope): VariableValue[] {
  const inScope = (x: { accountId: string; region: string }): boolean =>
    (!scope.registry || x.accountId === scope.registry) && (!scope.region || x.region === scope.region);
  switch (kind) {
    case 'registries':
      return values(snapshot.registries.filter(inScope).map((r) => r.accountId));
    case 'regions':
      return values(snapshot.registries.filter(inScope).map((r) => r.region));
    case 'repositories':
      return values(snapshot.repositories.filter(inScope).map((r) => r.name));
    case 'clusters':
      return values(snapshot.clusters.filter(inScope).map((c) => c.name));
    case 'tags': {
      const tags: string[] = [];
      for (const repository of snapshot.repositories) {
        if (repository.name !== scope.repository || !inScope(repository)) continue;
        for (const image of snapshot.imagesByRepository.get(repository.id) ?? []) tags.push(...image.tags);
      }
      return values(tags, false);
    }
  }
}
