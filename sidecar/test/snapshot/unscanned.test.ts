/** One definition of "unscanned": the severity query and the metric count the same images, for every kind. */
import { describe, expect, it } from 'vitest';
import { repositoryStats } from '../../src/metrics/repository-stats.js';
import { runQuery } from '../../src/query/engine.js';
import { IMAGE_KINDS } from '../../src/snapshot/model.js';
import type { ScanResult } from '../../src/snapshot/model.js';
import { isScannableKind, isUnscanned } from '../../src/snapshot/unscanned.js';
import { NOT_SCANNED, completeScan, digest, makeImage, makeRepository, makeSnapshot } from '../support/builders.js';
import { request, rows, testContext } from '../support/frames.js';

const PENDING: ScanResult = { state: 'pending', status: 'IN_PROGRESS', scanType: 'BASIC' };

const charts = makeRepository({ name: 'charts' });
const mixed = makeRepository({ name: 'mixed' });
const image = (
  repository: typeof charts,
  seed: string,
  kind: (typeof IMAGE_KINDS)[number],
  scan: ScanResult,
  tags: string[] = [],
) => makeImage({ repository, seed, kind, scan, tags });

// charts: Helm charts and a signature only (nothing scannable); mixed: one of each kind, scanned or not.
const snapshot = makeSnapshot({
  repositories: [charts, mixed],
  images: [
    image(charts, 'chart-1', 'other', NOT_SCANNED, ['1.0.0']),
    image(charts, 'chart-2', 'other', NOT_SCANNED, ['2.0.0']),
    makeImage({ repository: charts, seed: 'chart-sig', kind: 'attestation', subjectDigest: digest('chart-1') }),
    image(mixed, 'never', 'image', NOT_SCANNED, ['v1']),
    image(mixed, 'pending', 'image', PENDING, ['v2']),
    image(mixed, 'clean', 'image', completeScan(), ['v3']),
    makeImage({ repository: mixed, seed: 'index', kind: 'index', children: [digest('clean')], tags: ['multi'] }),
    image(mixed, 'wasm', 'other', NOT_SCANNED),
    image(mixed, 'scanned-artifact', 'other', completeScan({ LOW: 1 })),
    image(mixed, 'sbom', 'attestation', NOT_SCANNED),
  ],
});

describe('isUnscanned', () => {
  it('holds only for single-platform images whose counts are unknown', () => {
    expect(IMAGE_KINDS.filter((kind) => isScannableKind(kind))).toEqual(['image']);
    expect(IMAGE_KINDS.map((kind) => [kind, isUnscanned(kind, false), isUnscanned(kind, true)])).toEqual([
      ['image', true, false],
      ['index', false, false],
      ['attestation', false, false],
      ['other', false, false],
    ]);
  });
});

describe('unscanned images', () => {
  it('are the same count in the severity query and the metric, with other artifacts left out of both', () => {
    const frame = runQuery(
      snapshot,
      request({ queryType: 'severity', sort: { field: 'repository', order: 'asc' } }),
      testContext(),
    ).frame;
    const fromQuery = rows(frame).map((r) => [r.repository, r.images, r.scannedImages, r.unscannedImages]);
    expect(fromQuery).toEqual([
      ['charts', 3, 0, 0],
      ['mixed', 7, 2, 2],
    ]);
    const fromMetric = [charts, mixed].map((repository) => [
      repository.name,
      repositoryStats(snapshot, repository).unscannedImages,
    ]);
    expect(fromMetric).toEqual(fromQuery.map(([name, , , unscanned]) => [name, unscanned]));
  });

  it('agree under image filters too (the filtered path of the severity query)', () => {
    const frame = runQuery(
      snapshot,
      request({
        queryType: 'severity',
        filters: { kind: ['image', 'other'] },
        sort: { field: 'repository', order: 'asc' },
      }),
      testContext(),
    ).frame;
    expect(rows(frame).map((r) => [r.repository, r.images, r.unscannedImages])).toEqual([
      ['charts', 2, 0],
      ['mixed', 5, 2],
    ]);
  });
});
