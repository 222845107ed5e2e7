/**
 * The Prometheus panels' data as Grafana's Prometheus data source gets it: each target's PromQL, variables
 * applied, sent through the data source proxy to the real Prometheus the test started (instant or range, as
 * the target says), each series turned into a frame of time and value named by the target's legend.
 */
import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';

/** Where the stand-in proxy forwards to the test's Prometheus (test/support/grafana-proxy.ts `datasources`). */
export const PROMETHEUS_PROXY = '/api/datasources/proxy/uid/prometheus';
/** Grafana's default "max data points" for a panel: the range query's step is the range over it. */
const MAX_DATA_POINTS = 1000;

interface PromTarget {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  instant?: boolean;
}

type Series = { metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> };

/** `{{label}}` filled from the series; Grafana's `__auto` (and none) name a series by its labels. */
function legend(format: string | undefined, metric: Record<string, string>): string {
  if (format && format !== '__auto') {
    return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => metric[name] ?? '');
  }
  const labels = Object.entries(metric).filter(([name]) => name !== '__name__');
  return labels.length > 0 ? `{${labels.map(([k, v]) => `${k}="${v}"`).join(', ')}}` : (metric.__name__ ?? 'Value');
}

function frameOf(target: PromTarget, series: Series): DataFrame {
  const points = series.values ?? (series.value ? [series.value] : []);
  return createDataFrame({
    refId: target.refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: points.map(([t]) => t * 1000) },
      {
        name: 'Value',
        type: FieldType.number,
        labels: series.metric,
        config: { displayNameFromDS: legend(target.legendFormat, series.metric) },
        values: points.map(([, v]) => Number(v)),
      },
    ],
  });
}

/** Runs a panel's PromQL targets over `range`; errors are Prometheus's own words, per target. */
export async function prometheusFrames(
  targets: Array<Record<string, unknown>>,
  range: { from: number; to: number },
): Promise<{ frames: DataFrame[]; errors: string[] }> {
  const frames: DataFrame[] = [];
  const errors: string[] = [];
  const step = Math.max(15, Math.floor((range.to - range.from) / 1000 / MAX_DATA_POINTS));
  for (const target of targets as PromTarget[]) {
    // As Grafana's Prometheus data source does: dashboard variables, then its own interval macros.
    const expr = getTemplateSrv()
      .replace(target.expr ?? '', {}, 'regex')
      .replace(/\$__rate_interval|\$__interval/g, `${Math.max(60, step * 4)}s`);
    const params = new URLSearchParams({ query: expr });
    if (target.instant) {
      params.set('time', String(range.to / 1000));
    } else {
      // A whole number of steps back from the end, so that the last point is at the end of the range.
      const end = range.to / 1000;
      params.set('start', String(end - Math.floor((range.to - range.from) / 1000 / step) * step));
      params.set('end', String(end));
      params.set('step', String(step));
    }
    const path = target.instant ? 'query' : 'query_range';
    const res = await fetch(`${PROMETHEUS_PROXY}/api/v1/${path}?${params}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: Series[] } };
    if (body.status !== 'success') {
      errors.push(`${target.refId ?? ''}: ${body.error ?? `HTTP ${res.status}`}`);
      continue;
    }
    frames.push(...(body.data?.result ?? []).map((series) => frameOf(target, series)));
  }
  return { frames, errors };
}
