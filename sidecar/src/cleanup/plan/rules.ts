/** The cleanup rules compiled for matching (first match wins), and the canonical JSON hashed into plan ids. */
import picomatch from 'picomatch';
import type { CleanupConfig, CleanupRule } from './config.js';

/** JSON with sorted keys: the canonical form hashed into plan ids. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface CompiledRule {
  readonly rule: CleanupRule;
  readonly matchRepository: (name: string) => boolean;
  readonly patterns: readonly { readonly pattern: string; readonly test: (tag: string) => boolean }[];
  readonly json: string;
}

function compileRule(rule: CleanupRule): CompiledRule {
  return {
    rule,
    matchRepository: picomatch(rule.repository, { dot: true }),
    patterns: rule.keepTagPatterns.map((pattern) => ({ pattern, test: picomatch(pattern, { dot: true }) })),
    json: canonicalJson(rule),
  };
}

/** Rules in order, then the default rule; first match wins. */
export function ruleMatcher(config: CleanupConfig): (name: string) => CompiledRule | undefined {
  const compiled = config.rules.map(compileRule);
  const fallback = config.defaultRule ? compileRule(config.defaultRule) : undefined;
  return (name) => compiled.find((c) => c.matchRepository(name)) ?? fallback;
}
