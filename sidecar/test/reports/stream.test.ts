import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { csvStream, toCsv } from '../../src/reports/csv.js';
import { IMAGE_REPORT_COLUMNS, imageReportRows, iterateImageReportRows } from '../../src/reports/rows.js';
import { writeReports } from '../../src/reports/write.js';
import { DAY, MIB, NOW, fakeInventory, makeImage, makeRepository, makeSnapshot } from '../support/builders.js';
import { testContext } from '../support/frames.js';
import { sampleSnapshot } from '../support/sample.js';

const options = { now: NOW, prices: testContext().prices };
const tricky = makeRepository({ name: 'odd' });
const snapshot = makeSnapshot({
  repositories: [tricky],
  images: [
    makeImage({ repository: tricky, tags: ['a,b', 'say "hi"', 'line\nbreak'], sizeBytes: 1.5 * MIB, lastPulledAt: NOW - 2 * DAY }),
    makeImage({ repository: tricky, seed: 'untagged', sizeBytes: 2.25 * MIB }),
  ],
});

describe('streamed images CSV', () => {
  it('is byte for byte the CSV toCsv builds, in both decimal separators', async () => {
    for (const s of [sampleSnapshot(), snapshot]) {
      for (const separator of ['.', ','] as const) {
        const expected = toCsv(IMAGE_REPORT_COLUMNS, imageReportRows(s, options), separator);
        expect(await text(csvStream(IMAGE_REPORT_COLUMNS, iterateImageReportRows(s, options), separator))).toBe(expected);
      }
    }
  });

  it('writes the header alone for an empty selection', async () => {
    const csv = await text(csvStream(IMAGE_REPORT_COLUMNS, iterateImageReportRows(snapshot, { ...options, scope: { repository: ['none'] } })));
    expect(csv).toBe(`${IMAGE_REPORT_COLUMNS.join(',')}\n`);
  });

  it('writes images_summary.csv from the stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-lens-stream-'));
    await writeReports(snapshot, dir, { ...options, decimalSeparator: ',' });
    expect(await readFile(join(dir, 'images_summary.csv'), 'utf8')).toBe(toCsv(IMAGE_REPORT_COLUMNS, imageReportRows(snapshot, options), ','));
  });

  it('serves GET /api/v1/reports/images.csv as the same CSV', async () => {
    const app = createApp({ inventory: fakeInventory(snapshot), query: testContext() });
    const response = await app.request('/api/v1/reports/images.csv?decimalSeparator=,');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await response.text()).toBe(toCsv(IMAGE_REPORT_COLUMNS, imageReportRows(snapshot, options), ','));
  });
});
