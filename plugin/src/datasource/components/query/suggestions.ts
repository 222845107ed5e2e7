import { getTemplateSrv } from '@grafana/runtime';
import type { ComboboxOption } from '@grafana/ui';

import type { VariableKind } from '../../types';

/** The list filters whose values the sidecar can suggest, and the variable kind that lists them. */
export const SUGGESTED: Partial<Record<string, VariableKind>> = {
  registry: 'registries',
  region: 'regions',
  repository: 'repositories',
  tag: 'tags',
  cluster: 'clusters',
};

/** What the editor needs from the data source to suggest values. */
export interface ValueSource {
  variableValues(query: {
    refId: string;
    kind: VariableKind;
    repository?: string;
  }): Promise<Array<{ text: string; value?: string | number }>>;
}

/** The dashboard's variables, offered first: `$name` keeps a filter following the dashboard. */
export function variableOptions(): Array<ComboboxOption<string>> {
  let names: string[] = [];
  try {
    names = getTemplateSrv()
      .getVariables()
      .map((v) => v.name);
  } catch {
    // Outside a dashboard (no template service): no variables to offer.
  }
  return names.map((name) => ({ label: `$${name}`, value: `$${name}`, description: 'Dashboard variable' }));
}

/** Known values of one list filter from the sidecar; tags are those of the query's repositories. */
export async function knownValues(
  source: ValueSource,
  kind: VariableKind,
  repository: string | undefined
): Promise<Array<ComboboxOption<string>>> {
  if (kind === 'tags' && !repository) {
    return [];
  }
  const values = await source.variableValues({ refId: 'suggestions', kind, repository });
  return values.map((v) => ({ label: v.text, value: String(v.value ?? v.text) }));
}
