import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorEnv } from '../../src/demo/env.js';
import { loadFixture } from '../../src/demo/fixture.js';
import type { RunningEmulator } from '../../src/demo/server.js';
import { startEmulator } from '../../src/demo/server.js';

const run = promisify(execFile);
const SIDECAR = new URL('../../', import.meta.url).pathname;

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ fixture: loadFixture(join(SIDECAR, 'fixtures/reference.json')) });
});
afterAll(() => emulator.close());

/** The cron job as a user runs it: a child process, AWS reached through AWS_ENDPOINT_URL_*. */
const report = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', join(SIDECAR, 'src/app/report-cli.ts'), ...args], {
    cwd: SIDECAR,
    env: {
      ...process.env,
      ...emulatorEnv(emulator.url, 'us-east-1'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ECS_ENABLED: 'false',
    },
  });

describe('report CLI', () => {
  it('refreshes once and writes both CSV reports (and JSON) to the folder', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ecrlens-report-'));
    const { stderr } = await report(['--out', out, '--json']);
    expect(stderr).toContain('report: wrote');
    expect((await readdir(out)).sort()).toEqual([
      'images_summary.csv',
      'images_summary.json',
      'repositories_summary.csv',
      'repositories_summary.json',
    ]);
    const rows = parse(await readFile(join(out, 'repositories_summary.csv'), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    // The default credentials reach the fixture's default account, in AWS_REGION.
    expect(rows.map((r) => r.repositoryName).sort()).toEqual([
      'data/etl',
      'empty/repo',
      'platform/api',
      'web/frontend',
    ]);
    expect(rows.find((r) => r.repositoryName === 'empty/repo')).toMatchObject({
      totalImages: '0',
      hasBeenPulled: 'false',
    });
    expect(Object.keys(rows[0]!)).toEqual([
      'repositoryName',
      'createdAt',
      'scanOnPush',
      'totalImages',
      'totalSize(MB)',
      'monthlyStorageCost(USD)',
      'hasBeenPulled',
      'lastRecordedPullTime',
      'daysSinceLastPull',
      'lifecyclePolicyText',
    ]);
  }, 60_000);

  it('fails with a message naming the missing option', async () => {
    await expect(report([])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--out DIR is required'),
    });
  });
});
