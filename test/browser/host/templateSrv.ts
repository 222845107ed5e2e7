import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

type Format = string | ((value: unknown) => string) | undefined;

interface DataContext {
  frame?: { fields: Array<{ name: string; values: unknown[] }> };
  rowIndex?: number;
}

function formatValue(value: unknown, format: Format): string {
  if (typeof format === 'function') {
    return format(value);
  }
  const text = Array.isArray(value) ? value.join(',') : String(value ?? '');
  return format === 'uriencode' ? encodeURIComponent(text) : text;
}

/**
 * Grafana's TemplateSrv.replace for what this plugin meets: `$var`, `${var}`, `${var:format}`, scoped variables,
 * and the data-link macros `${__data.fields.<name>}` and `${__value.raw}` over the row being linked.
 */
export function harnessTemplateSrv(variables: Record<string, string | string[]>): TemplateSrv {
  const replace = (target?: string, scopedVars?: ScopedVars, format?: Format): string =>
    (target ?? '').replace(
      /\$\{(\w+)(?:\.([^:}]+))?(?::([^}]+))?\}|\$(\w+)/g,
      (match, name?: string, path?: string, fmt?: string, bare?: string) => {
        const useFormat: Format = fmt ?? format;
        if (name === '__data' && path?.startsWith('fields.')) {
          const ctx = (scopedVars?.__dataContext?.value ?? {}) as DataContext;
          const field = ctx.frame?.fields.find((f) => f.name === path.slice('fields.'.length));
          return field ? formatValue(field.values[ctx.rowIndex ?? 0], useFormat) : match;
        }
        if (name === '__value' && path === 'raw') {
          const ctx = (scopedVars?.__dataContext?.value ?? {}) as DataContext & { field?: { values: unknown[] } };
          return ctx.field ? formatValue(ctx.field.values[ctx.rowIndex ?? 0], useFormat) : match;
        }
        const key = (name ?? bare) as string;
        const scoped = scopedVars?.[key]?.value;
        const value = scoped !== undefined ? scoped : variables[key];
        return value === undefined ? match : formatValue(value, useFormat);
      },
    );
  return {
    replace,
    getVariables: () => [],
    containsTemplate: (t?: string) => Boolean(t && /\$\w+|\$\{/.test(t)),
    updateTimeRange: () => undefined,
  } as unknown as TemplateSrv;
}
