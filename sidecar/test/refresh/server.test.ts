import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { loadFixture } from '../../src/demo/fixture.js';
import type { DemoSidecar } from '../../src/app/demo-sidecar.js';
import { startDemoSidecar } from '../../src/app/demo-sidecar.js';
import { silentLogger } from '../../src/log.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { REFERENCE_NOW, REFERENCE_PATH } from './helpers.js';

const TOKEN = 'test-api-token-0123456789';
let demo: DemoSidecar | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

describe('the sidecar against the emulator', () => {
  it('serves the first snapshot, with auth, metrics and AWS call counts, then shuts down', async () => {
    demo = await startDemoSidecar({ fixture: loadFixture(REFERENCE_PATH), env: { SIDECAR_API_TOKEN: TOKEN }, now: () => REFERENCE_NOW });
    expect(demo.config.accounts.map((a) => [a.accountId, a.roleArn ?? null, a.regions])).toEqual([
      ['111111111111', null, ['us-east-1', 'eu-west-1']],
      ['222222222222', 'arn:aws:iam::222222222222:role/ecr-lens-reader', ['us-east-1']],
    ]);
    const ready = await fetch(`${demo.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, stale: false, snapshotVersion: 1 });

    const query = (token?: string) =>
      fetch(`${demo!.url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ queryType: 'repositories' }),
      });
    expect((await query()).status).toBe(401);
    const answer = await query(TOKEN);
    expect(answer.status).toBe(200);
    expect(JSON.stringify(await answer.json())).toContain('ml/inference');

    // Cleanup is wired in: its query type answers from the same snapshot.
    const cleanup = await fetch(`${demo.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ queryType: 'cleanup' }),
    });
    expect(cleanup.status).toBe(200);

    const metrics = await (await fetch(`${demo.url}/metrics`)).text();
    expect(metrics).toMatch(/ecrlens_aws_api_calls_total\{service="ecr",operation="DescribeImages"\} 6\b/);
    expect(demo.server.stats.snapshot().find((s) => s.operation === 'DescribeRepositories')?.calls).toBe(3);

    const url = demo.url;
    await demo.close();
    demo = undefined;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('fails to start the demo when the first refresh fails, naming the cause', async () => {
    const { startEmulator } = await import('../../src/demo/server.js');
    const emulator = await startEmulator({ fixture: loadFixture(REFERENCE_PATH), controls: { faults: { '*': { serverErrorProbability: 1 } } } });
    try {
      await expect(startDemoSidecar({ emulator, env: { AWS_MAX_ATTEMPTS: '1' }, log: silentLogger })).rejects.toThrow(/first refresh failed: no registry could be read/);
    } finally {
      await emulator.close();
    }
  });
});

describe('main.ts --demo', () => {
  it('prints the URLs and exits cleanly on SIGTERM', async () => {
    const sidecarDir = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--demo'], {
      cwd: sidecarDir,
      env: { ...process.env, APP_PORT: '0', LOG_LEVEL: 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 90_000);
      child.stdout.on('data', () => {
        if (out.includes('ECR Lens demo is running')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`demo exited early (${code}):\n${out}`)));
    });
    const sidecarUrl = /sidecar\s+(http:\/\/\S+)/.exec(out)![1]!;
    expect(out).toContain(`${sidecarUrl}/openapi.json`);
    expect(out).toContain(`${sidecarUrl}/metrics`);
    expect(out).toMatch(/emulator\s+http:\/\/127\.0\.0\.1:\d+/);
    expect((await fetch(`${sidecarUrl}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});

describe('main.ts --demo, SIGTERM in the middle of a real cleanup run', () => {
  it('finishes the batch in flight, writes its record, then exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ecr-lens-sigterm-'));
    const admin = 'admin-token-0123456789abcdef';
    // The audit's JSON-lines copy, alone in a directory the test watches: each entry is seen as it is written, without polling.
    const auditDir = join(dataDir, 'audit-copy');
    mkdirSync(auditDir);
    const auditCopy = join(auditDir, 'audit.jsonl');
    const watcher = watch(auditDir);
    const sidecarDir = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--demo'], {
      cwd: sidecarDir,
      env: {
        ...process.env,
        APP_PORT: '0',
        LOG_LEVEL: 'warn',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        CLEANUP_DELETE_ENABLED: 'true',
        SIDECAR_ADMIN_TOKEN: admin,
        ECRLENS_DATA_DIR: dataDir,
        CLEANUP_AUDIT_LOG: auditCopy,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => out.includes('ECR Lens demo is running') && resolve());
        void exited.then((code) => reject(new Error(`demo exited early (${code}):\n${out}`)));
      });
      const batchStarted = new Promise<void>((resolve, reject) => {
        const seen = (): boolean => existsSync(auditCopy) && readFileSync(auditCopy, 'utf8').includes('"event":"cleanup.batch.started"');
        watcher.on('change', () => seen() && resolve());
        void exited.then((code) => reject(new Error(`demo exited (${code}) before sending a batch:\n${out}`)));
      });
      batchStarted.catch(() => undefined); // awaited below, where a child that died first fails the test
      const sidecarUrl = /sidecar\s+(http:\/\/\S+)/.exec(out)![1]!;
      const emulatorUrl = /emulator\s+(http:\/\/\S+)/.exec(out)![1]!;
      // Each BatchDeleteImage takes a while, so the signal lands while one is in flight.
      const controls = await fetch(`${emulatorUrl}/_emulator/controls`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults: { 'ecr:BatchDeleteImage': { latencyMs: 1500 } } }),
      });
      expect(controls.status).toBe(200);
      const { planId, summary } = (await (await fetch(`${sidecarUrl}/api/v1/cleanup/plan?limit=1`)).json()) as { planId: string; summary: { delete: number } };
      expect(summary.delete).toBeGreaterThan(100);
      const run = fetch(`${sidecarUrl}/api/v1/cleanup/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-admin-token': admin },
        body: JSON.stringify({ planId, dryRun: false }),
      });
      // The first batch is audited (the store, then the copy) just before it is sent.
      await batchStarted;
      child.kill('SIGTERM');
      const report = (await (await run).json()) as { outcome: string; stoppedBecause: string; deleted: unknown[] };
      expect(await exited).toBe(0);
      expect(report.outcome).toBe('aborted');
      expect(report.stoppedBecause).toBe('the sidecar is shutting down: the batches not sent are left for a later run');

      const store = openSqliteStore(dataDir);
      try {
        const audit = (await store.audit.entries({ limit: 100 })).map((e) => e.entry);
        const batches = audit.filter((e) => e.event === 'cleanup.batch.finished');
        expect(audit.map((e) => e.event)).toEqual(['cleanup.started', ...batches.flatMap(() => ['cleanup.batch.started', 'cleanup.batch.finished']), 'cleanup.aborted']);
        expect(batches.flatMap((b) => b.deleted as string[])).toHaveLength(report.deleted.length);
        expect(await store.audit.unfinishedRuns()).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      watcher.close();
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the data directory', () => {
  it('fails startup naming ECRLENS_DATA_DIR when it cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecr-lens-datadir-'));
    try {
      // A path under a regular file cannot be a directory, for root too.
      const blocker = join(dir, 'file');
      writeFileSync(blocker, 'not a directory');
      const error = await startDemoSidecar({ fixture: loadFixture(REFERENCE_PATH), env: { ECRLENS_DATA_DIR: join(blocker, 'data') } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^ECRLENS_DATA_DIR: cannot create the data directory .*\/file\/data: ENOTDIR/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the listen address', () => {
  it('fails startup naming APP_HOST/APP_PORT when the port is in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const error = await startDemoSidecar({ fixture: loadFixture(REFERENCE_PATH), port }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([`APP_HOST/APP_PORT: cannot listen on 127.0.0.1:${port} (EADDRINUSE): the port is in use`]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('fails startup naming APP_HOST/APP_PORT when the host name does not resolve', async () => {
    const error = await startDemoSidecar({ fixture: loadFixture(REFERENCE_PATH), host: 'no-such-host.invalid' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    // ENOTFOUND, or EAI_AGAIN where no resolver answers at all.
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^APP_HOST\/APP_PORT: cannot listen on no-such-host\.invalid:0 \((ENOTFOUND|EAI_AGAIN)\): the host name does not resolve$/),
    ]);
  });
});
