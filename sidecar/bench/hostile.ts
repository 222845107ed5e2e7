/**
 * Hostile input and failures mid-run, the campaign: `npm run bench:hostile` (tsx bench/hostile.ts).
 *
 * Runs against the real server over HTTP (startServer in this process, so that its log lines can be
 * captured; the SIGTERM part spawns the production entry point), with distinctive secrets configured:
 * fuzzed requests, hostile globs, auth probes, bad inputs, broken configurations, AWS faults, real
 * executions whose audit fails mid-run, and SIGTERM during a real execution. It prints each part's
 * figures and one summary, and exits 1 when a figure that must be 0 is not: 5xx answers, hangs, answers
 * cut short, secrets found, deletions without a record, auth bypasses, faults not survived.
 *
 *   HOSTILE_FUZZ_RUNS=3000        fuzzed requests (fast-check samples of the fuzz test's generators)
 *   HOSTILE_GLOB_RUNS=40          generated hostile globs, besides the named ones
 *   HOSTILE_CONCURRENCY=4         requests in flight at once
 *   HOSTILE_OUTAGE_SECONDS=2      how long the emulator stays stopped
 *   HOSTILE_SEED=42               fast-check seed
 *   HOSTILE_PARTS=fuzz,globs,...  a subset: configs, fuzz, globs, auth, bad-inputs, faults, executions, sigterm
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { configSecrets } from '../src/secrets.js';
import { capturingLogger, startSidecar, startSmallEmulator } from '../test/reliability/support.js';
import { authPart } from './hostile/auth.js';
import { badInputsPart } from './hostile/bad-inputs.js';
import { configsPart, secretEnv } from './hostile/configs.js';
import { executionsPart } from './hostile/executions.js';
import { failingStore } from './hostile/failing-store.js';
import { faultsPart } from './hostile/faults.js';
import { campaignFixture, emulatorTotals } from './hostile/fixture.js';
import { fuzzPart } from './hostile/fuzz.js';
import { globsPart } from './hostile/globs.js';
import type { Campaign, PartResult } from './hostile/part.js';
import { fmt, table } from './hostile/part.js';
import { BODY_MS, HANG_MS, Recorder } from './hostile/recorder.js';
import { SEARCHED, SECRETS, SecretTally } from './hostile/secrets.js';
import { shutdownPart } from './hostile/shutdown.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name}: must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number(raw.trim());
};
const PARTS = ['configs', 'fuzz', 'globs', 'auth', 'bad-inputs', 'faults', 'executions', 'sigterm'] as const;
const wanted = new Set((process.env.HOSTILE_PARTS ?? PARTS.join(',')).split(',').map((p) => p.trim()).filter(Boolean));
const unknown = [...wanted].filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length) throw new Error(`HOSTILE_PARTS: unknown part(s) ${unknown.join(', ')}; choose from ${PARTS.join(', ')}`);

/** Stands in for Grafana: takes the cleanup annotations and answers 200. */
async function grafanaStandIn(): Promise<{ url: string; posts: () => number; close: () => Promise<void> }> {
  let posts = 0;
  const server = createServer((req, res) => {
    if (req.method === 'POST') posts++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"Annotation added"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // A password in the URL, as some users configure GRAFANA_URL: it must not leak either.
  return {
    url: `http://campaign:${SECRETS.grafanaPassword}@127.0.0.1:${port}/grafana`,
    posts: () => posts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<number> {
  const secrets = new SecretTally();
  const recorder = new Recorder(secrets);
  recorder.install();
  // By design these wait: POST /refresh up to 10 s, a real execution for its batches.
  recorder.deadline((path) => path.startsWith('/api/v1/refresh'), 15_000);
  recorder.deadline((path, body) => path.startsWith('/api/v1/cleanup/execute') && body.includes('"dryRun":false'), 120_000);
  // A body over the 64 KiB limit is answered 413 before it is read: the server may close the upload.
  recorder.mayCut((_, body) => body.length > 64 * 1024);
  recorder.scanElsewhere(/^\/api\/v1\/cleanup\/audit\?format=jsonl/);
  const campaign: Campaign = { recorder, secrets, seed: num('HOSTILE_SEED', 42), concurrency: Math.max(1, num('HOSTILE_CONCURRENCY', 4)) };

  const grafana = await grafanaStandIn();
  const dir = mkdtempSync(join(tmpdir(), 'ecr-lens-hostile-'));
  const auditCopy = join(dir, 'audit', 'cleanup-audit.jsonl');
  const { AWS_REGION: _region, AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, ...secretSettings } = secretEnv(grafana.url);
  // Every sidecar of the campaign runs with these; the main one also keeps its store and audit copy in `dir`.
  const shared = { ...secretSettings, CLEANUP_DELETE_ENABLED: 'true', CLEANUP_DEFAULT_RULE: 'true', LOG_LEVEL: 'debug' };
  const env = { ...shared, CLEANUP_AUDIT_LOG: auditCopy, ECRLENS_DATA_DIR: join(dir, 'data') };
  const credentials = { accessKeyId: SECRETS.awsAccessKeyId, secretAccessKey: SECRETS.awsSecretAccessKey };
  const emulator = await startSmallEmulator(campaignFixture());
  const failing = failingStore(env.ECRLENS_DATA_DIR);
  // As main.ts builds it: redacting the configured secrets, at debug level.
  const { log, lines: logLines } = capturingLogger(configSecrets(loadConfig({ AWS_REGION: emulator.store.defaultRegion, ...env })));
  const sidecar = await startSidecar({ emulator, env, log, credentials, store: failing.store });
  recorder.watch(sidecar.url);
  const api = { authorization: `Bearer ${SECRETS.apiToken}` };
  const metricsAuth = { authorization: `Bearer ${SECRETS.metricsToken}` };
  const results: PartResult[] = [];
  const started = performance.now();
  console.log(`ECR Lens hostile campaign: sidecar ${sidecar.url}, ${fmt(emulatorTotals(emulator.store).images)} images; seed ${campaign.seed}, ${campaign.concurrency} in flight, hang = no answer within ${HANG_MS / 1000} s`);

  const run = async (id: (typeof PARTS)[number], title: string, body: () => Promise<PartResult>): Promise<void> => {
    if (!wanted.has(id)) return;
    console.log(`\n== ${title}`);
    const t0 = performance.now();
    let result: PartResult;
    try {
      result = await body();
    } catch (error) {
      result = { part: id, kind: title, inputs: 0, failures: [`the part stopped: ${(error as Error).stack ?? String(error)}`], lines: [] };
    }
    for (const line of result.lines) console.log(`  ${line}`);
    for (const failure of result.failures.slice(0, 10)) console.log(`  FAILED: ${failure}`);
    if (result.failures.length > 10) console.log(`  ... and ${result.failures.length - 10} more failed checks`);
    console.log(`  (${fmt((performance.now() - t0) / 1000, 1)} s)`);
    results.push(result);
  };

  try {
    await run('configs', 'Broken configurations', () => configsPart(campaign, grafana.url, { emulatorUrl: emulator.url, busyPort: sidecar.server.port }));
    await run('fuzz', 'Fuzzed requests', () => fuzzPart(campaign, sidecar.url, SECRETS.apiToken, num('HOSTILE_FUZZ_RUNS', 3_000)));
    await run('globs', 'Hostile globs', () => globsPart(campaign, { url: sidecar.url, apiToken: SECRETS.apiToken, adminToken: SECRETS.adminToken }, num('HOSTILE_GLOB_RUNS', 40)));
    await run('auth', 'Auth probes', () =>
      authPart(campaign, { url: sidecar.url, apiToken: SECRETS.apiToken, adminToken: SECRETS.adminToken, metricsToken: SECRETS.metricsToken, wrongToken: SECRETS.wrongToken }),
    );
    await run('bad-inputs', 'Bad inputs', () => badInputsPart(campaign, { url: sidecar.url, port: sidecar.server.port, apiToken: SECRETS.apiToken, adminToken: SECRETS.adminToken }));
    await run('faults', 'AWS faults', () =>
      faultsPart(campaign, { url: sidecar.url, emulator, api, metrics: metricsAuth, env: shared, log, credentials, outageMs: num('HOSTILE_OUTAGE_SECONDS', 2) * 1000 }),
    );
    await run('executions', 'Real executions, audit failing mid-run', () => executionsPart(campaign, { url: sidecar.url, emulator, failing, api, adminToken: SECRETS.adminToken }));
    await run('sigterm', 'SIGTERM during a real execution (the production process)', () => shutdownPart(campaign, grafana.url));
  } finally {
    await sidecar.close();
    await failing.store.close();
    await emulator.close();
    await grafana.close();
    recorder.uninstall();
  }
  secrets.scan('logs', logLines.join('\n'));
  try {
    secrets.scan('audit (JSON-lines copy)', readFileSync(auditCopy, 'utf8'));
  } catch {
    // No real execution ran in this subset: no JSON-lines copy was written.
  }
  rmSync(dir, { recursive: true, force: true });
  return summarise(results, recorder, secrets, grafana.posts(), (performance.now() - started) / 1000);
}

/** Prints the summary; returns the exit code. */
function summarise(results: readonly PartResult[], recorder: Recorder, secrets: SecretTally, grafanaPosts: number, seconds: number): number {
  const counts = (part: string) => recorder.parts().filter(([name]) => name === part || name.startsWith(`${part}:`)).map(([, c]) => c);
  const sum = (part: string, pick: (c: ReturnType<typeof counts>[number]) => number) => counts(part).reduce((n, c) => n + pick(c), 0);
  const rows = results.map((r) => [
    r.kind,
    fmt(r.inputs),
    fmt(sum(r.part, (c) => c.requests)),
    sum(r.part, (c) => c.fiveXx.length),
    sum(r.part, (c) => c.hangs.length),
    sum(r.part, (c) => c.cut.length),
    r.survived ? `${r.survived.ok} of ${r.survived.of}` : '',
    r.failures.length,
  ]);
  console.log('\n### Parts\n');
  console.log(table(['Part', 'Inputs tried', 'HTTP requests', '5xx', 'Hangs', 'Cut short', 'Survived', 'Failed checks'], rows));

  const all = recorder.parts().map(([, c]) => c);
  const fiveXx = all.flatMap((c) => c.fiveXx);
  const hangs = all.flatMap((c) => c.hangs);
  const cut = all.flatMap((c) => c.cut);
  const deletions = results.flatMap((r) => r.deletions ?? []);
  const withoutRecord = deletions.reduce((n, d) => n + d.check.withoutRecord.length, 0);
  const deleted = deletions.reduce((n, d) => n + d.check.deleted, 0);
  const unknownOutcome = deletions.reduce((n, d) => n + d.check.outcomeUnknown, 0);
  const survived = results.filter((r) => r.survived);
  const notSurvived = survived.reduce((n, r) => n + r.survived!.of - r.survived!.ok, 0);
  const bypasses = results.filter((r) => r.part === 'auth').flatMap((r) => r.failures).filter((f) => / -> 2\d\d /.test(f)).length;
  const inputs = results
    .filter((r) => !r.survived || r.part === 'executions')
    .map((r) => `${r.kind} ${fmt(r.inputs)}`)
    .join(', ');
  const places = secrets.byPlace();
  console.log('\n### Figures\n');
  console.log(
    table(
      ['Figure', 'Measured', 'Must be'],
      [
        ['Inputs tried', inputs, ''],
        ['5xx answers', fiveXx.length, '0'],
        [`Hangs (no answer within ${HANG_MS / 1000} s, or a body unfinished ${BODY_MS / 1000} s later)`, hangs.length, '0'],
        ['Answers cut short (connection closed mid-answer)', cut.length, '0'],
        ['Secrets found (answers, logs, audit, configuration errors)', places.length ? `${secrets.total()}: ${places.map(([p, n]) => `${p} x${n}`).join(', ')}` : 0, '0'],
        ['Faults survived', survived.map((r) => `${r.survived!.what} ${r.survived!.ok}/${r.survived!.of}`).join(', '), 'all'],
        ['Deletions without a record', `${withoutRecord} (of ${fmt(deleted)} images deleted in ${deletions.length} real executions; ${unknownOutcome} recorded as sent, outcome unknown)`, '0'],
        ['Auth bypasses', bypasses, '0'],
      ],
    ),
  );
  console.log(`  searched for ${SEARCHED.length} secrets: ${secrets.coverage().map(([place, chars]) => `${place} ${fmt(chars / 1024)} KiB`).join(', ')}`);
  for (const example of secrets.firstExamples()) console.log(`  SECRET ${example}`);
  for (const line of [...fiveXx, ...hangs, ...cut].slice(0, 12)) console.log(`  ${line}`);
  const failed = results.reduce((n, r) => n + r.failures.length, 0);
  console.log(`\n${failed} failed checks in all; ${grafanaPosts} Grafana annotations received; ${fmt(seconds, 1)} s.`);
  const mustBeZero = fiveXx.length + hangs.length + cut.length + secrets.total() + withoutRecord + bypasses + notSurvived + failed;
  if (mustBeZero > 0) console.log('A figure that must be 0 is not, or a check failed: exit 1.');
  return mustBeZero > 0 ? 1 : 0;
}

// Exit explicitly: keep-alive sockets of the AWS clients must not hold the process open.
process.exit(await main());
