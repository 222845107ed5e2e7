import { Counter, Gauge, Registry } from 'prom-client';
import type { RegistryContentType } from 'prom-client';
import { nextTurn } from '../cooperative.js';
import type { FamilySpec } from './families.js';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/** A registry rendering `format` (typed as the default registry, which the metric constructors accept). */
export function newRegistry(format: ExpositionFormat): Registry {
  const registry = new Registry();
  (registry as unknown as Registry<RegistryContentType>).setContentType(CONTENT_TYPES[format] as RegistryContentType);
  return registry;
}

/**
 * A gauge for `spec` in `registry`. prom-client has no untyped metric, so an `untyped` family is a gauge
 * that declares itself `untyped` (Prometheus text) or `unknown` (OpenMetrics, which has no `untyped`).
 */
export function gaugeFor(
  registry: Registry,
  spec: FamilySpec,
  format: ExpositionFormat,
  collect?: (this: Gauge) => void,
): Gauge {
  const gauge = new Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
    ...(collect ? { collect } : {}),
  });
  if (spec.type === 'untyped')
    (gauge as unknown as { type: string }).type = format === 'openmetrics' ? 'unknown' : 'untyped';
  if (spec.labelNames.length === 0) gauge.remove(); // a label-less gauge starts at 0: absent until set
  return gauge;
}

export function counterFor(registry: Registry, spec: FamilySpec, collect: (this: Counter) => void): Counter {
  return new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
    collect,
  });
}

/** Seconds from epoch milliseconds. */
export const seconds = (ms: number): number => ms / 1000;

/**
 * registry.metrics(), a family at a time with a turn of the event loop between families. At 1,000,000 images the
 * snapshot part is about 20 MB of text; made in one call it held the event loop for seconds, most of it in a
 * collection that its garbage forced while the heap was full. The text is registry.metrics()'s, byte for byte.
 */
export async function exposeCooperatively(registry: Registry, format: ExpositionFormat): Promise<string> {
  const parts: string[] = [];
  for await (const part of exposeFamilies(registry, format)) parts.push(part);
  return format === 'openmetrics' ? `${parts.join('\n')}\n# EOF\n` : `${parts.join('\n\n')}\n`;
}

/**
 * The families exposeCooperatively joins, one at a time with a turn of the event loop after each: between them
 * registry.metrics() puts a blank line (text format) or a newline (OpenMetrics), then its end.
 */
export async function* exposeFamilies(registry: Registry, format: ExpositionFormat): AsyncGenerator<string> {
  for (const metric of registry.getMetricsAsArray()) {
    const registered = metric.name;
    const named = metric as { name: string };
    // registry.metrics() names counters without their _total in OpenMetrics (it adds it back per sample); the name
    // is put back after, so the registry still finds the metric by it.
    if (format === 'openmetrics' && String(metric.type) === 'counter') named.name = registered.replace(/_total$/, '');
    let text: string;
    try {
      text = await registry.getSingleMetricAsString(registered);
    } finally {
      named.name = registered;
    }
    yield text;
    await nextTurn();
  }
}
