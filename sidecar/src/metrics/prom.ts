import { Counter, Gauge, Registry } from 'prom-client';
import type { MetricObjectWithValues, MetricValue, RegistryContentType } from 'prom-client';
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

/**
 * A gauge family of a registry made once per snapshot, each of whose series is set once: prom-client's Gauge keeps
 * its series in an object keyed by a hash of each label set, made (keys sorted and joined) on every set, which was a
 * fifth of the snapshot part's cost at 100,000 images. The registry formats this family as it formats a gauge, from
 * what get() gives: the same text (test/metrics/snapshot-gauge.test.ts).
 */
export class SnapshotGauge {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator = 'sum';
  readonly #values: MetricValue<string>[] = [];

  constructor(registry: Registry, spec: FamilySpec, format: ExpositionFormat) {
    this.name = spec.name;
    this.help = spec.help;
    // As gaugeFor: an `untyped` family is `untyped` in Prometheus text, `unknown` in OpenMetrics.
    this.type = spec.type === 'untyped' ? (format === 'openmetrics' ? 'unknown' : 'untyped') : 'gauge';
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Adds a series; a label set must be set once (a Gauge would keep the last value in the first one's place). */
  set(labels: Readonly<Record<string, string>>, value: number): void;
  set(value: number): void;
  set(labels: Readonly<Record<string, string>> | number, value?: number): void {
    if (typeof labels === 'number') this.#values.push({ value: labels, labels: {} });
    else this.#values.push({ value: value!, labels });
  }

  /** What a Gauge's get() gives, which is what the registry formats. */
  get(): Promise<{ help: string; name: string; type: string; values: readonly MetricValue<string>[]; aggregator: string }> {
    return Promise.resolve({ help: this.help, name: this.name, type: this.type, values: this.#values, aggregator: this.aggregator });
  }
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
  let text = '';
  for await (const part of expositionText(registry, format)) text += part;
  return text + EXPOSITION_END[format];
}

/** What registry.metrics() puts after its last family. */
export const EXPOSITION_END: Readonly<Record<ExpositionFormat, string>> = { prometheus: '\n', openmetrics: '\n# EOF\n' };

/**
 * exposePieces joined as registry.metrics() joins them: each string goes on the one before, and all of them are its
 * text but for its end (EXPOSITION_END). Each is whole lines of one piece, with the separator that precedes it.
 */
export async function* expositionText(registry: Registry, format: ExpositionFormat): AsyncGenerator<string> {
  const familySeparator = format === 'openmetrics' ? '\n' : '\n\n';
  let first = true;
  for await (const piece of exposePieces(registry, format)) {
    yield first ? piece.text : `${piece.continues ? '\n' : familySeparator}${piece.text}`;
    first = false;
  }
}

/** Part of the exposition: a family's first lines (its HELP and TYPE, then samples), or more samples of the one before. */
export interface ExpositionPiece {
  readonly text: string;
  /** True for the samples that go on the family of the piece before: they follow it after a newline, not a family separator. */
  readonly continues: boolean;
}

/** The most samples formatted in one turn: a per-image family can hold tens of thousands of series. */
export const SAMPLES_PER_PIECE = 4096;

/**
 * The exposition in pieces of at most SAMPLES_PER_PIECE samples, with a turn of the event loop after each, each
 * formatted by the registry itself (a family's samples handed to it SAMPLES_PER_PIECE at a time). Joined with a
 * newline within a family and registry.metrics()'s separator between families, they are its text without its end.
 * For a registry that no longer changes (the snapshot's): a family's samples are read once, then formatted over
 * several turns. The registry must have no default labels (the pieces are formatted without them).
 */
export async function* exposePieces(registry: Registry, format: ExpositionFormat): AsyncGenerator<ExpositionPiece> {
  const defaults = (registry as unknown as { _defaultLabels?: object })._defaultLabels;
  if (defaults && Object.keys(defaults).length > 0) throw new Error('exposePieces: a registry with default labels is not supported');
  const pieces = newRegistry(format);
  for (const metric of registry.getMetricsAsArray()) {
    const registered = metric.name;
    // A histogram formats its own samples (getForPromString): it stays whole.
    if ('getForPromString' in metric) {
      yield { text: await registry.getSingleMetricAsString(registered), continues: false };
    } else {
      const family = await (metric as unknown as { get(): Promise<MetricObjectWithValues<MetricValue<string>>> }).get();
      // registry.metrics() names counters without their _total in OpenMetrics (it adds it back per sample): the
      // stand-in gives that name, and the metric itself is left as it is.
      const name = format === 'openmetrics' && String(metric.type) === 'counter' ? family.name.replace(/_total$/, '') : family.name;
      const samples = family.values;
      for (let from = 0; from === 0 || from < samples.length; from += SAMPLES_PER_PIECE) {
        // The registry formats what the stand-in gives: the family, with this piece's samples only.
        const part = Object.assign({}, family, { name, values: samples.slice(from, from + SAMPLES_PER_PIECE) });
        pieces.clear();
        pieces.registerMetric({ name: registered, get: () => part } as unknown as Parameters<Registry['registerMetric']>[0]);
        const text = await pieces.getSingleMetricAsString(registered);
        yield from === 0 ? { text, continues: false } : { text: withoutHeader(text), continues: true };
        if (from + SAMPLES_PER_PIECE < samples.length) await nextTurn();
      }
    }
    await nextTurn();
  }
}

/** A family's text without its HELP and TYPE lines (help text is escaped, so it holds no newline). */
function withoutHeader(text: string): string {
  return text.slice(text.indexOf('\n', text.indexOf('\n') + 1) + 1);
}
