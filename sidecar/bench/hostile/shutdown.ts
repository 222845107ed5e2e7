/**
 * SIGTERM during a real cleanup execution, on the real process: `node --import tsx src/main.ts` as
 * production runs it (no --demo), reaching an emulator held by this process through AWS_ENDPOINT_URL_*,
 * so that what the emulator deleted can be read after the sidecar is gone. BatchDeleteImage is slowed so
 * the run is mid-flight when the signal arrives. The sidecar is then started again on the same data
 * directory, and its exported audit is compared with the emulator's deletions.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningEmulator } from '../../src/demo/index.js';
import { smallFixture, startSmallEmulator, waitFor } from '../../test/reliability/support.js';
import { SIDECAR_DIR, waitForLine } from '../emulator-process.js';
import type { DeletionCheck } from './deletions.js';
import { checkDeletions, parseJsonLines } from './deletions.js';
import { emulatorRegions, liveImages } from './fixture.js';
import type { Campaign, PartResult } from './part.js';
import { SECRETS } from './secrets.js';
import { freePort } from '../../test/support/free-port.js';

/** Added to every BatchDeleteImage call: the signal lands while one is in flight. */
const DELETE_LATENCY_MS = 1_000;


interface Sidecar {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

/** The production entry point against the emulator, with the campaign's secrets in its environment. */
async function startProcess(emulator: RunningEmulator, dataDir: string, grafanaUrl: string, started: ChildProcess[], outputs: (() => string)[]): Promise<Sidecar> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SIDECAR_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_ECR: emulator.url,
      AWS_ENDPOINT_URL_ECS: emulator.url,
      AWS_ENDPOINT_URL_LAMBDA: emulator.url,
      AWS_ENDPOINT_URL_STS: emulator.url,
      AWS_ACCESS_KEY_ID: SECRETS.awsAccessKeyId,
      AWS_SECRET_ACCESS_KEY: SECRETS.awsSecretAccessKey,
      AWS_REGION: emulatorRegions(emulator.store).join(','),
      ECR_REGISTRY_ID: emulator.store.defaultAccountId,
      APP_HOST: '127.0.0.1',
      APP_PORT: String(port),
      ECRLENS_DATA_DIR: dataDir,
      REFRESH_MIN_INTERVAL: '0',
      CLEANUP_DELETE_ENABLED: 'true',
      CLEANUP_DEFAULT_RULE: 'true',
      SIDECAR_API_TOKEN: SECRETS.apiToken,
      SIDECAR_ADMIN_TOKEN: SECRETS.adminToken,
      METRICS_TOKEN: SECRETS.metricsToken,
      GRAFANA_URL: grafanaUrl,
      GRAFANA_TOKEN: SECRETS.grafanaToken,
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  outputs.push(() => output);
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await waitForLine(child, /msg=listening url=(http:\/\/\S+)/, 'the sidecar process', 120_000);
  // Not watched by the recorder yet: /readyz answers 503 by design until the first snapshot.
  await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200, 120_000, 100);
  return { url, child, exited };
}

/** SIGTERM, then the exit code (null when it had to be killed after the deadline). */
async function stop(sidecar: Sidecar, deadlineMs: number): Promise<number | null> {
  sidecar.child.kill('SIGTERM');
  const timer = setTimeout(() => sidecar.child.kill('SIGKILL'), deadlineMs);
  const code = await sidecar.exited;
  clearTimeout(timer);
  return sidecar.child.signalCode === 'SIGKILL' ? null : code;
}

export async function shutdownPart(campaign: Campaign, grafanaUrl: string): Promise<PartResult> {
  const part = 'SIGTERM mid-run';
  campaign.recorder.part = part;
  const failures: string[] = [];
  const lines: string[] = [];
  const api = { authorization: `Bearer ${SECRETS.apiToken}` };
  const emulator = await startSmallEmulator(smallFixture({}, false));
  const dataDir = mkdtempSync(join(tmpdir(), 'ecr-lens-hostile-sigterm-'));
  let deletions: { run: string; check: DeletionCheck }[] = [];
  const children: ChildProcess[] = [];
  const outputs: (() => string)[] = [];
  try {
    const first = await startProcess(emulator, dataDir, grafanaUrl, children, outputs);
    campaign.recorder.watch(first.url);
    const plan = (await (await fetch(`${first.url}/api/v1/cleanup/plan?limit=1`, { headers: api })).json()) as { planId: string; summary: { delete: number } };
    emulator.controls.update({ faults: { 'ecr:BatchDeleteImage': { latencyMs: DELETE_LATENCY_MS } } });
    emulator.controls.resetCalls();
    const before = liveImages(emulator.store);
    type Answer = { status: number; report: { runId?: string; outcome?: string; deleted?: unknown[]; stoppedBecause?: string } };
    const execution = fetch(`${first.url}/api/v1/cleanup/execute`, {
      method: 'POST',
      headers: { ...api, 'content-type': 'application/json', 'x-admin-token': SECRETS.adminToken },
      body: JSON.stringify({ planId: plan.planId, dryRun: false }),
    }).then(
      async (res): Promise<Answer> => ({ status: res.status, report: (await res.json()) as Answer['report'] }),
      (error: unknown): Answer => ({ status: 0, report: { stoppedBecause: (error as Error).message } }),
    );
    // The second batch is in flight: one batch done and recorded, one sent and not yet answered.
    await waitFor(() => emulator.controls.callCount('ecr:BatchDeleteImage') >= 2, 60_000, 10);
    const signalled = performance.now();
    const code = await stop(first, 90_000);
    const drainMs = performance.now() - signalled;
    const answer = await execution;
    emulator.controls.clearFaults();
    const after = liveImages(emulator.store);
    const sent = emulator.controls.callCount('ecr:BatchDeleteImage');
    if (code !== 0) failures.push(`the process exited with ${code ?? 'SIGKILL after 90 s'}, not 0`);
    if (answer.status !== 200 || answer.report.outcome !== 'aborted') failures.push(`the execution answered ${answer.status} ${answer.report.outcome ?? ''} ${answer.report.stoppedBecause ?? ''} (expected 200 aborted)`);
    lines.push(`plan of ${plan.summary.delete} deletions; SIGTERM with BatchDeleteImage call 2 in flight; exited ${code} after ${(drainMs / 1000).toFixed(1)} s; ${sent} BatchDeleteImage calls sent; the execution answered ${answer.status} ${answer.report.outcome ?? ''} (${answer.report.deleted?.length ?? 0} deleted): ${answer.report.stoppedBecause ?? ''}`);

    // Started again on the same data directory: the audit the first process wrote, as the API exports it.
    const second = await startProcess(emulator, dataDir, grafanaUrl, children, outputs);
    campaign.recorder.watch(second.url);
    const text = await (await fetch(`${second.url}/api/v1/cleanup/audit?format=jsonl`, { headers: api })).text();
    const page = (await (await fetch(`${second.url}/api/v1/cleanup/audit?limit=1`, { headers: api })).json()) as { unfinishedRuns: unknown[] };
    campaign.secrets.scan('audit (store)', text);
    if (page.unfinishedRuns.length > 0) failures.push(`the restarted sidecar reports unfinished runs: ${JSON.stringify(page.unfinishedRuns)}`);
    const entries = parseJsonLines(text);
    // The run's own entries, when the answer named it (this data directory holds that run only anyway).
    const check = checkDeletions(before, after, answer.report.runId ? entries.filter((e) => e.runId === answer.report.runId) : entries);
    deletions = [{ run: 'SIGTERM mid-run', check }];
    lines.push(`after a restart on the same data directory: ${entries.length} audit entries, unfinished runs ${page.unfinishedRuns.length}; ${check.deleted} deleted in the emulator, without a record ${check.withoutRecord.length}, outcome unknown ${check.outcomeUnknown}, recorded but not deleted ${check.claimedButPresent.length}`);
    if (check.deleted === 0) failures.push('nothing was deleted before the signal, so the drain was not tested');
    const secondCode = await stop(second, 30_000);
    if (secondCode !== 0) failures.push(`the restarted process exited with ${secondCode ?? 'SIGKILL'}`);
  } catch (error) {
    failures.push(`stopped by ${(error as Error).message}`);
  } finally {
    // A process left behind by a failure above is ours to end.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const output of outputs) campaign.secrets.scan('logs', output());
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { part, kind: 'SIGTERM mid-run', inputs: 1, survived: { what: 'SIGTERM mid-run', ok: failures.length === 0 ? 1 : 0, of: 1 }, failures, lines, deletions };
}
