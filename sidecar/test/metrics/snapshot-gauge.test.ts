/**
 * The snapshot part's families are set once per series, without prom-client's Gauge (prom.ts SnapshotGauge). A
 * Gauge given the same samples prints the same text, which holds only if no label set is set twice (a Gauge keeps one
 * series per label set): checked on the metrics fixture (one repository name in two regions) and a synthetic registry.
 */
import type { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES } from '../../src/cost/pricing.js';
import { defaultMetricsConfig } from '../../src/metrics/config.js';
import { FAMILIES } from '../../src/metrics/families.js';
import { gaugeFor, newRegistry, SnapshotGauge, type ExpositionFormat } from '../../src/metrics/prom.js';
import { buildSnapshotRegistry } from '../../src/metrics/snapshot-registry.js';
import { buildSnapshot } from '../../src/snapshot/build.js';
import type { Snapshot } from '../../src/snapshot/model.js';
import { syntheticInput } from '../support/synthetic.js';
import { metricsFixture } from './fixture.js';

const SPECS = new Map(Object.values(FAMILIES).map((spec) => [spec.name, spec]));

/** The same families made of prom-client Gauges, each sample set in the order the family holds them. */
async function asGauges(registry: Registry, format: ExpositionFormat): Promise<Registry> {
  const out = newRegistry(format);
  for (const metric of registry.getMetricsAsArray()) {
    expect(metric).toBeInstanceOf(SnapshotGauge);
    const family = await (metric as unknown as SnapshotGauge).get();
    const gauge: Gauge = gaugeFor(out, SPECS.get(family.name)!, format);
    for (const { labels, value } of family.values) {
      if (Object.keys(labels).length === 0) gauge.set(value);
      else gauge.set(labels, value);
    }
  }
  return out;
}

const snapshots: [string, () => Snapshot][] = [
  ['the metrics fixture', metricsFixture],
  ['a synthetic registry', () => buildSnapshot(syntheticInput(60, 25, 3))],
];

describe('the snapshot part without Gauges', () => {
  for (const [name, snapshot] of snapshots)
    for (const format of ['prometheus', 'openmetrics'] as const)
      it(`prints what Gauges of the same samples print, every series once: ${name} (${format})`, async () => {
        const config = Object.assign(defaultMetricsConfig(), { METRICS_COMPAT_GO: true });
        const registry = buildSnapshotRegistry({ snapshot: snapshot(), config, prices: DEFAULT_PRICES }, format);
        const text = await registry.metrics();
        expect(text).toBe(await (await asGauges(registry, format)).metrics());
        expect(text).toContain('aws_ecr_image_size_in_bytes{');
        expect(text).toContain('ecr_repositories_total ');
      });

  it('sets a label set as many times as it is given (a Gauge would merge them): what the test above relies on', async () => {
    const registry = newRegistry('prometheus');
    const gauge = new SnapshotGauge(registry, FAMILIES.repoImages, 'prometheus');
    const labels = { registry_id: '1', region: 'r', repository_name: 'n', kind: 'image', tagged: 'true' };
    gauge.set(labels, 1);
    gauge.set(labels, 2);
    expect(await registry.metrics()).not.toBe(await (await asGauges(registry, 'prometheus')).metrics());
  });
});
