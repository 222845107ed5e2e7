import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { toCsv } from '../../src/reports/csv.js';
import { IMAGE_REPORT_COLUMNS, imageReportRows, REPOSITORY_REPORT_COLUMNS, repositoryReportRows } from '../../src/reports/rows.js';
import { writeReports } from '../../src/reports/write.js';
import { DAY, MIB, NOW, fakeInventory, makeImage, makeRepository, makeSnapshot } from '../support/builders.js';
import { testContext } from '../support/frames.js';
import { api, apiV0, sampleSnapshot } from '../support/sample.js';

const options = { now: NOW, prices: testContext().prices };

describe('report rows', () => {
  it('gives the report tool columns per repository', () => {
    const [a, w, e] = repositoryReportRows(sampleSnapshot(), options);
    expect(Object.keys(a!)).toEqual([...REPOSITORY_REPORT_COLUMNS]);
    expect(a).toEqual({
      repositoryName: 'team/api',
      createdAt: new Date(NOW - 400 * DAY).toISOString(),
      scanOnPush: true,
      totalImages: 3,
      'totalSize(MB)': 283.1, // 270 MiB = 283 115 520 bytes
      'monthlyStorageCost(USD)': 0.0188,
      hasBeenPulled: true,
      lastRecordedPullTime: new Date(NOW - DAY - 3_600_000).toISOString(),
      daysSinceLastPull: 1,
      lifecyclePolicyText: api.lifecyclePolicyText,
    });
    expect(w).toMatchObject({ repositoryName: 'web', hasBeenPulled: false, lastRecordedPullTime: null, daysSinceLastPull: null, lifecyclePolicyText: null });
    expect(e).toMatchObject({ totalImages: 0, 'totalSize(MB)': 0 });
  });

  it('gives per image rows; counts only when known', () => {
    const rows = imageReportRows(sampleSnapshot(), { ...options, scope: { repository: ['team/api'] } });
    expect(rows.map((r) => Object.keys(r))).toEqual(rows.map(() => [...IMAGE_REPORT_COLUMNS]));
    expect(rows[0]).toMatchObject({ imageTags: 'v1,latest', 'imageSize(MB)': 104.9, imageScanStatus: 'COMPLETE', findingSeverityCounts: '{"CRITICAL":1,"HIGH":2}' });
    expect(rows[1]).toMatchObject({ imageTags: 'v0', imageScanStatus: 'ACTIVE', imageScanCompletedAt: new Date(NOW - 3 * DAY).toISOString(), findingSeverityCounts: '{"HIGH":1,"MEDIUM":3}', lastRecordedPullTime: null });
    expect(rows[2]).toMatchObject({ imageTags: null, imageScanStatus: 'NOT_SCANNED', imageScanCompletedAt: null, findingSeverityCounts: null, daysSinceLastPull: 50 });
    expect(rows[1]!.imagePushedAt).toBe(new Date(apiV0.pushedAt).toISOString());
  });
});

describe('CSV', () => {
  const tricky = makeRepository({ name: 'odd', lifecyclePolicyText: '{"rules":[{"description":"a, \\"b\\"\nnext line"}]}' });
  const snapshot = makeSnapshot({
    repositories: [tricky],
    images: [makeImage({ repository: tricky, tags: ['a,b', 'say "hi"'], sizeBytes: 1.5 * MIB, lastPulledAt: NOW - 2 * DAY })],
  });

  it('quotes commas, quotes and newlines so csv-parse reads the values back', () => {
    const csv = toCsv(REPOSITORY_REPORT_COLUMNS, repositoryReportRows(snapshot, options));
    const parsed = parse(csv, { columns: true }) as Record<string, string>[];
    expect(parsed[0]!.lifecyclePolicyText).toBe(tricky.lifecyclePolicyText);
    expect(parsed[0]!.scanOnPush).toBe('false');
    expect(parsed[0]!['totalSize(MB)']).toBe('1.6');
    const images = parse(toCsv(IMAGE_REPORT_COLUMNS, imageReportRows(snapshot, options)), { columns: true }) as Record<string, string>[];
    expect(images[0]!.imageTags).toBe('a,b,say "hi"');
    expect(images[0]!.findingSeverityCounts).toBe('');
    expect(images[0]!.daysSinceLastPull).toBe('2');
  });

  it("uses ';' between fields and ',' in numbers with the decimal comma", () => {
    const csv = toCsv(REPOSITORY_REPORT_COLUMNS, repositoryReportRows(snapshot, options), ',');
    expect(csv.split('\n')[0]).toBe(REPOSITORY_REPORT_COLUMNS.join(';'));
    const parsed = parse(csv, { columns: true, delimiter: ';' }) as Record<string, string>[];
    expect(parsed[0]!['totalSize(MB)']).toBe('1,6');
    expect(parsed[0]!.lifecyclePolicyText).toBe(tricky.lifecyclePolicyText);
  });
});

describe('report endpoints and files', () => {
  it('serves CSV and JSON variants', async () => {
    const app = createApp({ inventory: fakeInventory(sampleSnapshot()), query: testContext() });
    const csv = await app.request('/api/v1/reports/repositories.csv?decimalSeparator=,');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const parsed = parse(await csv.text(), { columns: true, delimiter: ';' }) as Record<string, string>[];
    expect(parsed.map((r) => r.repositoryName)).toEqual(['team/api', 'web', 'empty']);
    expect(parsed[0]!['monthlyStorageCost(USD)']).toBe('0,0188');
    const json = (await (await app.request('/api/v1/reports/images.json?repository=web')).json()) as Record<string, unknown>[];
    expect(json).toHaveLength(4);
    // The scope of every GET route: comma lists (a multi-value variable), globs checked before the report streams.
    const both = (await (await app.request('/api/v1/reports/repositories.json?repository=web,team/*')).json()) as Record<string, unknown>[];
    expect(both.map((r) => r.repositoryName)).toEqual(['team/api', 'web']);
    const refused = await app.request('/api/v1/reports/images.csv?repository=web,@(a|b)');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('repository');
    const bad = await app.request('/api/v1/reports/images.csv?decimalSeparator=;');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('decimalSeparator');
  });

  it('writes both files (and JSON) to a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-lens-report-'));
    const written = await writeReports(sampleSnapshot(), dir, { ...options, json: true });
    expect(written.map((p) => p.slice(dir.length + 1))).toEqual(['repositories_summary.csv', 'images_summary.csv', 'repositories_summary.json', 'images_summary.json']);
    expect((await readdir(dir)).sort()).toEqual(['images_summary.csv', 'images_summary.json', 'repositories_summary.csv', 'repositories_summary.json']);
    const images = parse(await readFile(join(dir, 'images_summary.csv'), 'utf8'), { columns: true }) as unknown[];
    expect(images).toHaveLength(7);
  });
});
