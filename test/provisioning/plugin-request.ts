/**
 * Turns a dashboard target into the request the plugin would send, with the plugin's own code
 * (plugin/src/datasource/interpolate.ts) and a stand-in for Grafana's TemplateSrv.
 */
import { join } from 'node:path';
import { ROOT, type Json } from './dashboards-support.js';

/** Variable values as Grafana holds them: a multi-value variable set to "All" holds every value. */
export type VariableValues = Readonly<Record<string, string | readonly string[]>>;

/** Grafana's TemplateSrv.replace for $name, ${name} and ${name:format}, with a format function. */
export function fakeTemplateSrv(values: VariableValues) {
  return {
    replace(text: string, _scopedVars?: unknown, format?: (value: unknown) => string): string {
      return text.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
        const name = (braced ?? bare)!;
        if (!Object.hasOwn(values, name)) return match;
        const value = values[name]!;
        if (format) return format(value);
        return Array.isArray(value) ? value.join(',') : String(value);
      });
    },
  };
}

interface InterpolateModule {
  buildQueryRequest(
    templateSrv: ReturnType<typeof fakeTemplateSrv>,
    query: Json,
    range: { from: { valueOf(): number }; to: { valueOf(): number } } | undefined,
  ): Json;
}

// Imported at run time: the plugin is its own TypeScript project (Grafana types, JSX).
const interpolatePath = join(ROOT, 'plugin/src/datasource/interpolate.ts');
const loadInterpolate = async (): Promise<InterpolateModule> =>
  (await import(/* @vite-ignore */ interpolatePath)) as InterpolateModule;

/** The body of POST /api/v1/query the plugin builds for this target. */
export async function pluginQueryRequest(
  target: Json,
  values: VariableValues,
  range: { from: number; to: number },
): Promise<Json> {
  const { buildQueryRequest } = await loadInterpolate();
  return buildQueryRequest(fakeTemplateSrv(values), target, {
    from: { valueOf: () => range.from },
    to: { valueOf: () => range.to },
  });
}

/**
 * Grafana's relative panel time override ("10y") against a dashboard range: the panel's range ends at
 * `to` and reaches back that far.
 */
export function panelRange(panel: Json | undefined, range: { from: number; to: number }): { from: number; to: number } {
  const timeFrom = panel?.timeFrom;
  if (typeof timeFrom !== 'string') return range;
  const match = /^(\d+)([smhdwMy])$/.exec(timeFrom);
  if (!match) throw new Error(`unsupported timeFrom ${timeFrom}`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, M: 2_592_000, y: 31_536_000 }[match[2]!]!;
  return { from: range.to - Number(match[1]) * unit * 1000, to: range.to };
}
