/**
 * The container works as shipped (sidecar/Dockerfile), short of Docker itself: the COMPILED sidecar, started by
 * the image's entrypoint, as a non-root user, from a working directory that user cannot write (the image's /app,
 * owned by root), with its state in a data directory the user owns (the image's /data). It serves, executes a
 * real cleanup and reads its audit back, keeps every byte it writes in the data directory, fails clearly when
 * that directory is not writable, and exits 0 on SIGTERM.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emulatorEnv } from '../../sidecar/src/demo/env.js';
import { generateFixture } from '../../sidecar/src/demo/generate.js';
import type { RunningEmulator } from '../../sidecar/src/demo/server.js';
import { startEmulator } from '../../sidecar/src/demo/server.js';
import type { ImageLayout, ImageProcess } from '../support/container.js';
import { imageEnv, layOutImage, listTree, runImage } from '../support/container.js';
import { freePort } from '../support/prometheus.js';

const API = 'container-api-token-0123456789';
const ADMIN = 'container-admin-token-0123456789';
const auth = { authorization: `Bearer ${API}` };
/** The first refresh has ended, one way or the other (refresh/refresher.ts logs one of these). */
const FIRST_REFRESH = /msg="?(refresh done|refresh failed)/;

let layout: ImageLayout;
let emulator: RunningEmulator;
let running: ImageProcess | undefined;

beforeAll(async () => {
  layout = layOutImage();
  const now = Math.floor(Date.now() / 1000);
  // One registry, single-manifest images only (each deletion removes exactly one image), pushed up to today.
  emulator = await startEmulator({
    fixture: generateFixture({
      seed: 11,
      accounts: 1,
      regions: 1,
      repositories: 4,
      imagesPerRepository: 15,
      multiArchShare: 0,
      artifactShare: 0,
      clustersPerRegistry: 1,
      servicesPerCluster: 2,
      tasksPerService: 1,
      stoppedTasksPerService: 1,
      taskDefinitionRevisions: 2,
      lambdaFunctionsPerRegistry: 1,
      now: now - (now % 86_400),
    }),
    host: '127.0.0.1',
  });
});

afterEach(async () => {
  if (!running) return;
  running.kill();
  await running.exited.catch(() => undefined);
  running = undefined;
});

afterAll(async () => {
  await emulator?.close();
  layout?.remove();
});

const fetchWithin = (url: string, init: RequestInit = {}): Promise<Response> =>
  fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as T;
}

/** The image's environment for real AWS mode against the emulator (AWS_ENDPOINT_URL_*), deletion enabled. */
async function realModeEnv(dataDir: string): Promise<{ env: Record<string, string>; url: string }> {
  const port = await freePort();
  const env = imageEnv(layout, {
    ...emulatorEnv(emulator.url, emulator.store.defaultRegion),
    DEMO: 'false',
    APP_HOST: '127.0.0.1',
    APP_PORT: String(port),
    ECRLENS_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    SIDECAR_API_TOKEN: API,
    SIDECAR_ADMIN_TOKEN: ADMIN,
    CLEANUP_DELETE_ENABLED: 'true',
    CLEANUP_DEFAULT_RULE: 'true',
  });
  return { env, url: `http://127.0.0.1:${port}` };
}

const liveImages = (): number => emulator.store.summary().reduce((n, r) => n + r.images, 0);

interface Report {
  runId: string;
  dryRun: boolean;
  outcome: string;
  candidates: number;
  deferred: number;
  deleted: { account: string; region: string; repository: string; digest: string }[];
  failures: unknown[];
}

describe('the sidecar image, as shipped', () => {
  it('real AWS mode as a non-root user in a read-only workdir: ready, a real cleanup and its audit, state only in the data dir, SIGTERM exits 0', async () => {
    const before = listTree(layout.app);
    const data = layout.dataDir('data');
    const { env, url } = await realModeEnv(data);
    running = runImage(layout, env);
    const first = await running.waitForOutput(FIRST_REFRESH);
    expect(first[1], running.output()).toBe('refresh done');
    expect(running.output()).toContain('ecr-lens sidecar: real AWS mode');

    const ready = await fetchWithin(`${url}/readyz`);
    expect(await json(ready)).toMatchObject({ ready: true, incomplete: false });

    const plan = await json<{ planId: string; summary: { delete: number } }>(
      await fetchWithin(`${url}/api/v1/cleanup/plan?limit=1`, { headers: auth }),
    );
    expect(plan.summary.delete).toBeGreaterThan(0);

    const imagesBefore = liveImages();

    const executed = await fetchWithin(`${url}/api/v1/cleanup/execute`, {
      method: 'POST',
      headers: { ...auth, 'x-admin-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ planId: plan.planId, dryRun: false }),
    });
    const report = await json<Report>(executed);
    expect(report).toMatchObject({
      dryRun: false,
      outcome: 'succeeded',
      candidates: plan.summary.delete,
      deferred: 0,
      failures: [],
    });
    expect(report.deleted).toHaveLength(plan.summary.delete);
    // Deleted in ECR (the emulator), through the SDK clients the compiled server made from AWS_ENDPOINT_URL_*.
    for (const d of report.deleted)
      expect(emulator.store.repository(d.account, d.region, d.repository)?.byDigest.has(d.digest), d.digest).toBe(
        false,
      );
    expect(liveImages()).toBe(imagesBefore - report.deleted.length);

    // The audit, written to SQLite in the data directory, read back through the API.
    const audit = await json<{
      entries: { seq: number; entry: { event: string; runId: string; deleted?: string[] } }[];
      next: number | null;
      unfinishedRuns: unknown[];
    }>(await fetchWithin(`${url}/api/v1/cleanup/audit?runId=${report.runId}&limit=1000`, { headers: auth }));
    expect(audit.unfinishedRuns).toEqual([]);
    expect(audit.next).toBeNull();
    expect(audit.entries.every((e) => e.entry.runId === report.runId)).toBe(true);
    expect(audit.entries[0]!.entry.event).toBe('cleanup.started');
    const finished = audit.entries.at(-1)!.entry;
    expect(finished.event).toBe('cleanup.finished');
    expect(finished.deleted?.slice().sort()).toEqual(
      report.deleted.map((d) => `${d.account}/${d.region}/${d.repository}@${d.digest}`).sort(),
    );

    running.child.kill('SIGTERM');
    expect(await running.exited, running.output()).toEqual({ code: 0, signal: null });
    expect(running.output()).toContain('received SIGTERM, shutting down');

    // Everything the sidecar wrote is in the data directory, owned by the runtime user; the workdir is untouched.
    const files = readdirSync(data);
    expect(files).toContain('ecrlens.sqlite');
    for (const name of files) expect(lstatSync(join(data, name)).uid, name).toBe(layout.user.uid);
    expect(listTree(layout.app)).toEqual(before);
  });

  it.each([
    ['a data directory the runtime user cannot write', () => layout.lockedData],
    ['the default data directory (ECRLENS_DATA_DIR=data), inside the read-only workdir', () => 'data'],
  ])('%s: startup fails with exit code 2, naming ECRLENS_DATA_DIR, and writes nothing', async (_name, dir) => {
    const before = listTree(layout.app);
    const lockedBefore = listTree(layout.lockedData);
    const { env } = await realModeEnv(dir());
    running = runImage(layout, env);
    const started = running.waitForOutput(/msg="?listening/).then(() => {
      throw new Error(`the sidecar started with an unwritable data directory:\n${running?.output()}`);
    });
    const exit = await Promise.race([running.exited, started]);
    // main.ts: a configuration error exits 2, after one message that names the setting.
    expect(exit, running.output()).toEqual({ code: 2, signal: null });
    expect(running.output()).toMatch(/configuration error:\n\s+ECRLENS_DATA_DIR: /);
    expect(running.output()).not.toContain('listening');
    expect(listTree(layout.app)).toEqual(before);
    expect(listTree(layout.lockedData)).toEqual(lockedBefore);
  });

  it('demo mode (DEMO unset, no AWS credentials: the compose default) as the same user: ready, state only in the data dir, SIGTERM exits 0', async () => {
    const before = listTree(layout.app);
    const data = layout.dataDir('demo-data');
    running = runImage(
      layout,
      imageEnv(layout, { APP_HOST: '127.0.0.1', APP_PORT: '0', ECRLENS_DATA_DIR: data, SIDECAR_API_TOKEN: API }),
    );
    const [, url] = await running.waitForOutput(/sidecar\s+(http:\/\/127\.0\.0\.1:\d+)\n/);
    expect(running.output()).toContain('ecr-lens sidecar: demo mode');
    expect(await json(await fetchWithin(`${url!}/readyz`))).toMatchObject({ ready: true });
    const status = await json<{ snapshot: { registries: number; images: number } }>(
      await fetchWithin(`${url!}/api/v1/status`, { headers: auth }),
    );
    expect(status.snapshot.registries).toBeGreaterThan(0);
    expect(status.snapshot.images).toBeGreaterThan(0);

    running.child.kill('SIGTERM');
    expect(await running.exited, running.output()).toEqual({ code: 0, signal: null });
    const files = readdirSync(data);
    expect(files).toContain('ecrlens.sqlite');
    for (const name of files) expect(lstatSync(join(data, name)).uid, name).toBe(layout.user.uid);
    expect(listTree(layout.app)).toEqual(before);
  });
});
