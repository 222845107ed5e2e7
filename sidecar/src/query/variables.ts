import type { Snapshot } from '../snapshot/model.js';
import { repositoryPredicate } from './filters.js';
import type { RepositoryScope } from './filters.js';

export { VARIABLE_KINDS } from '@ecr-lens/contract';
import type { VariableKind } from '@ecr-lens/contract';
export type { VariableKind };

/** A Grafana MetricFindValue. */
export interface VariableValue {
  readonly text: string;
  readonly value: string;
}

const values = (items: Iterable<string>, sort = true): VariableValue[] => {
  const distinct = [...new Set(items)];
  if (sort) distinct.sort();
  return distinct.map((v) => ({ text: v, value: v }));
};

/**
 * Template variable values, narrowed by the scope so that variables chain. registries: account ids; regions;
 * repositories (names); tags of the scope's repositories (required), each once, newest push first within a
 * repository; clusters (names).
 */
export function variableValues(snapshot: Snapshot, kind: VariableKind, scope: RepositoryScope): VariableValue[] {
  const inRegistries = (x: { accountId: string; region: string }): boolean =>
    (!scope.registry || scope.registry.includes(x.accountId)) && (!scope.region || scope.region.includes(x.region));
  switch (kind) {
    case 'registries':
      return values(snapshot.registries.filter(inRegistries).map((r) => r.accountId));
    case 'regions':
      return values(snapshot.registries.filter(inRegistries).map((r) => r.region));
    case 'repositories':
      return values(snapshot.repositories.filter(repositoryPredicate(scope)).map((r) => r.name));
    case 'clusters':
      return values(snapshot.clusters.filter(inRegistries).map((c) => c.name));
    case 'tags': {
      if (!scope.repository) return [];
      const tags: string[] = [];
      for (const repository of snapshot.repositories.filter(repositoryPredicate(scope))) {
        for (const image of snapshot.imagesByRepository.get(repository.id) ?? []) tags.push(...image.tags);
      }
      return values(tags, false);
    }
  }
}
