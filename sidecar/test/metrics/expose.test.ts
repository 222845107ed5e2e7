import { crc32 } from 'node:zlib';
import { Counter, Gauge, Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { defaultMetricsConfig } from '../../src/metrics/config.js';
import { exposeCooperatively, exposePieces, newRegistry, SAMPLES_PER_PIECE, type ExpositionFormat } from '../../src/metrics/prom.js';
import { snapshotPart } from '../../src/metrics/renderer.js';
import { buildSnapshotRegistry } from '../../src/metrics/snapshot-registry.js';
import { DEFAULT_PRICES } from '../../src/cost/pricing.js';
import { countTurns } from '../support/turns.js';
import { keptText } from '../support/deflated.js';
import { metricsFixture } from './fixture.js';

const FORMATS: readonly ExpositionFormat[] = ['prometheus', 'openmetrics'];

describe('the exposition made a family at a time', () => {
  for (const format of FORMATS) {
    it(`is registry.metrics() byte for byte (${format}), giving the event loop a turn per family`, async () => {
      const build = () => buildSnapshotRegistry({ snapshot: metricsFixture(), config: defaultMetricsConfig(), prices: DEFAULT_PRICES }, format);
      const expected = await build().metrics();
      const registry = build();
      const counter = countTurns();
      const value = await exposeCooperatively(registry, format);
      const turns = counter.stop();
      expect(value).toBe(expected);
      expect(value).toContain('aws_ecr_image_size_in_bytes{');
      expect(turns).toBeGreaterThanOrEqual(registry.getMetricsAsArray().length);
    });

    it(`encodes the snapshot part a family at a time as registry.metrics() gives it, without its end (${format})`, async () => {
      const build = () => buildSnapshotRegistry({ snapshot: metricsFixture(), config: defaultMetricsConfig(), prices: DEFAULT_PRICES }, format);
      const whole = await build().metrics();
      // OpenMetrics: the body's one # EOF comes after the live part; text format: a blank line before it.
      const expected = format === 'openmetrics' ? whole.slice(0, -'# EOF\n'.length) : `${whole}\n`;
      expect(format === 'openmetrics' ? whole.endsWith('\n# EOF\n') : whole.endsWith('0\n')).toBe(true);
      const counter = countTurns();
      const part = await snapshotPart(build(), format);
      expect(counter.stop()).toBeGreaterThanOrEqual(build().getMetricsAsArray().length);
      expect(keptText(part)).toBe(expected);
    });

    it(`formats a family of more than ${SAMPLES_PER_PIECE} series in pieces, as registry.metrics() does (${format})`, async () => {
      const series = 2 * SAMPLES_PER_PIECE + 5;
      const build = () => {
        const registry = newRegistry(format);
        const gauge = new Gauge({ name: 'ecrlens_image_things', help: 'Things per "image".\nTwo lines.', labelNames: ['digest', 'tag'], registers: [registry] });
        const counter = new Counter({ name: 'ecrlens_image_events_total', help: 'Events.', labelNames: ['digest'], registers: [registry] });
        for (let i = 0; i < series; i++) {
          gauge.set({ digest: `sha256:${i}`, tag: i % 2 ? 'v"1"' : 'latest' }, i * 1.5);
          counter.inc({ digest: `sha256:${i}` }, i);
        }
        new Gauge({ name: 'ecrlens_nothing', help: 'No series.', labelNames: ['x'], registers: [registry] });
        return registry;
      };
      const whole = await build().metrics();
      const pieces = [];
      for await (const piece of exposePieces(build(), format)) pieces.push(piece);
      // Two families of three pieces each, then the empty one.
      expect(pieces.map((p) => p.continues)).toEqual([false, true, true, false, true, true, false]);
      expect(Math.max(...pieces.map((p) => p.text.split('\n').length))).toBeLessThanOrEqual(SAMPLES_PER_PIECE + 2);
      expect(await exposeCooperatively(build(), format)).toBe(whole);
      const expected = format === 'openmetrics' ? whole.slice(0, -'# EOF\n'.length) : `${whole}\n`;
      expect(keptText(await snapshotPart(build(), format))).toBe(expected);
      // Handed to the compressor about 64 KiB at a time: the same text, CRC-32 and length.
      const part = await snapshotPart(build(), format, 65_536);
      expect(keptText(part)).toBe(expected);
      expect(part.length).toBe(Buffer.byteLength(expected));
      expect(part.crc).toBe(crc32(expected));
      expect(part.length).toBeGreaterThan(4 * 65_536);
    });

    it(`splits a family only past ${SAMPLES_PER_PIECE} series, and keeps a histogram between split families whole (${format})`, async () => {
      const build = () => {
        const registry = newRegistry(format);
        const exact = new Gauge({ name: 'ecrlens_exact', help: 'Exactly one piece.', labelNames: ['i'], registers: [registry] });
        const latency = new Histogram({ name: 'ecrlens_latency_seconds', help: 'Latency.', labelNames: ['route'], buckets: [0.1, 1], registers: [registry] });
        const over = new Counter({ name: 'ecrlens_over_total', help: 'One more than a piece.', labelNames: ['i'], registers: [registry] });
        for (let i = 0; i < SAMPLES_PER_PIECE; i++) exact.set({ i: String(i) }, i);
        for (let i = 0; i <= SAMPLES_PER_PIECE; i++) over.inc({ i: String(i) }, 1);
        latency.observe({ route: 'a' }, 0.5);
        latency.observe({ route: 'b' }, 2);
        return registry;
      };
      const whole = await build().metrics();
      const pieces = [];
      for await (const piece of exposePieces(build(), format)) pieces.push(piece);
      expect(pieces.map((p) => p.continues)).toEqual([false, false, false, true]);
      expect(pieces[1]!.text).toContain('ecrlens_latency_seconds_bucket{le="+Inf",route="b"} 1');
      expect(pieces[3]!.text).toBe(`ecrlens_over_total{i="${SAMPLES_PER_PIECE}"} 1`);
      expect(await exposeCooperatively(build(), format)).toBe(whole);
      const expected = format === 'openmetrics' ? whole.slice(0, -'# EOF\n'.length) : `${whole}\n`;
      expect(keptText(await snapshotPart(build(), format, 1024))).toBe(expected);
    });

    it(`names counters as registry.metrics() does (${format})`, async () => {
      const build = () => {
        const registry = newRegistry(format);
        new Counter({ name: 'ecrlens_things_total', help: 'Things.', labelNames: ['kind'], registers: [registry] }).inc({ kind: 'a' }, 2);
        new Gauge({ name: 'ecrlens_level', help: 'Level.', registers: [registry] }).set(3);
        return registry;
      };
      const expected = await build().metrics();
      const registry = build();
      expect(await exposeCooperatively(registry, format)).toBe(expected);
      // Again on the same registry: the counter is still found by its name.
      expect(await exposeCooperatively(registry, format)).toBe(expected);
      expect(expected).toContain(format === 'openmetrics' ? '# TYPE ecrlens_things counter' : '# TYPE ecrlens_things_total counter');
    });
  }
});
