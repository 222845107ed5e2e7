import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import type { Snapshot } from '../snapshot/model.js';
import type { DecimalSeparator } from './csv.js';
import { csvStream, toCsv } from './csv.js';
import type { ReportOptions } from './rows.js';
import { IMAGE_REPORT_COLUMNS, imageReportRows, iterateImageReportRows, REPOSITORY_REPORT_COLUMNS, repositoryReportRows } from './rows.js';

export interface WriteReportsOptions extends ReportOptions {
  readonly decimalSeparator?: DecimalSeparator;
  /** Also write the .json variants (default false). */
  readonly json?: boolean;
}

/** File names the report tool used, so existing cron consumers keep working. */
export const REPORT_FILES = { repositories: 'repositories_summary', images: 'images_summary' } as const;

async function writeAtomically(path: string, content: string | Readable): Promise<void> {
  if (typeof content === 'string') await writeFile(`${path}.tmp`, content, 'utf8');
  else await pipeline(content, createWriteStream(`${path}.tmp`));
  await rename(`${path}.tmp`, path);
}

/**
 * Writes repositories_summary.csv and images_summary.csv (and .json) to `dir`; returns the paths written.
 * The images CSV is streamed row by row; the JSON variants are built in memory.
 */
export async function writeReports(snapshot: Snapshot, dir: string, options: WriteReportsOptions): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const repositories = repositoryReportRows(snapshot, options);
  const outputs: [string, () => string | Readable][] = [
    [`${REPORT_FILES.repositories}.csv`, () => toCsv(REPOSITORY_REPORT_COLUMNS, repositories, options.decimalSeparator)],
    [`${REPORT_FILES.images}.csv`, () => csvStream(IMAGE_REPORT_COLUMNS, iterateImageReportRows(snapshot, options), options.decimalSeparator)],
  ];
  if (options.json) {
    outputs.push([`${REPORT_FILES.repositories}.json`, () => JSON.stringify(repositories, null, 2)]);
    outputs.push([`${REPORT_FILES.images}.json`, () => JSON.stringify(imageReportRows(snapshot, options), null, 2)]);
  }
  const written: string[] = [];
  for (const [name, content] of outputs) {
    const path = join(dir, name);
    await writeAtomically(path, content());
    written.push(path);
  }
  return written;
}
