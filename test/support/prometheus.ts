/**
 * A real Prometheus (Debian's /usr/bin/prometheus) on loopback for cross-package tests: a temp dir,
 * a free port, a generated config, readiness wait, PromQL helpers, stop. Also runs promtool.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a binary to completion, optionally feeding stdin. */
export function run(bin: string, args: readonly string[], stdin?: string, cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

export const promtool = (args: readonly string[], stdin?: string, cwd?: string): Promise<RunResult> =>
  run(PROMTOOL_BIN, args, stdin, cwd);

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusOptions {
  /** `scrape_configs` entries (job_name, static_configs, authorization, ...). */
  readonly scrapeConfigs: readonly Record<string, unknown>[];
  /** Absolute paths of rule files to load. */
  readonly ruleFiles?: readonly string[];
  /** Default 1s, for both scraping and rule evaluation. */
  readonly interval?: string;
}

export interface PrometheusHandle {
  readonly url: string;
  readonly dir: string;
  /** Instant query; throws on an API error or a non-vector result. */
  query(expr: string): Promise<VectorSample[]>;
  /** Polls an instant query until `done` accepts its result; throws with the last result after `timeoutMs`. */
  waitFor(expr: string, done: (samples: VectorSample[]) => boolean, timeoutMs?: number): Promise<VectorSample[]>;
  /** `GET /api/v1/targets` active targets: job, health, lastError. */
  targets(): Promise<{ job: string; health: string; lastError: string; scrapeUrl: string }[]>;
  /** Logs Prometheus wrote so far (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What Prometheus logs (level info) once it serves queries. */
const READY_LINE = 'Server is ready to receive web requests.';

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus API ${url}: ${body.error ?? res.status}`);
  return body.data;
}

/** A running prometheus process: its output so far and when it exits. */
interface PrometheusProcess {
  readonly child: ChildProcess;
  output(): string;
  readonly exit: Promise<void>;
  exited(): boolean;
}

async function writeConfig(dir: string, options: PrometheusOptions): Promise<string> {
  const interval = options.interval ?? '1s';
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    ...(options.ruleFiles?.length ? { rule_files: [...options.ruleFiles] } : {}),
    scrape_configs: options.scrapeConfigs,
  };
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify(config));
  return configFile;
}

function launch(configFile: string, dir: string, port: number): PrometheusProcess {
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // info: the level of the line that says it is ready.
      '--log.level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return { child, output: () => output, exit, exited: () => exited };
}

/** Ready (the TSDB open, the config loaded, /-/ready answering 200) once it logs so: waited on its output, not polled. */
function ready(proc: PrometheusProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = (): void => void (proc.output().includes(READY_LINE) && resolve());
    proc.child.stdout?.on('data', check);
    proc.child.stderr?.on('data', check);
    void proc.exit.then(() => reject(new Error(`prometheus exited before it was ready:\n${proc.output()}`)));
    // A failure guard only.
    setTimeout(() => reject(new Error(`prometheus not ready after 60s:\n${proc.output()}`)), 60_000).unref();
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'ecrlens-prometheus-'));
  const port = await freePort();
  const proc = launch(await writeConfig(dir, options), dir, port);
  const stop = async (): Promise<void> => {
    if (!proc.exited()) {
      proc.child.kill('SIGTERM');
      await Promise.race([proc.exit, sleep(10_000).then(() => proc.child.kill('SIGKILL'))]);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await ready(proc);
  } catch (error) {
    await stop();
    throw error;
  }
  return prometheusHandle(`http://127.0.0.1:${port}`, dir, proc, stop);
}

function prometheusHandle(
  url: string,
  dir: string,
  proc: PrometheusProcess,
  stop: () => Promise<void>,
): PrometheusHandle {
  const query = async (expr: string): Promise<VectorSample[]> => {
    const data = await api<{
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (data.resultType !== 'vector') throw new Error(`expected a vector from ${expr}, got ${data.resultType}`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  return {
    url,
    dir,
    query,
    async waitFor(expr, done, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      let last: VectorSample[] = [];
      for (;;) {
        last = await query(expr);
        if (done(last)) return last;
        if (Date.now() > until)
          throw new Error(`timed out waiting for ${expr}; last result ${JSON.stringify(last)}\n${proc.output()}`);
        await sleep(250);
      }
    },
    async targets() {
      const data = await api<{
        activeTargets: { labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }[];
      }>(`${url}/api/v1/targets?state=active`);
      return data.activeTargets.map((t) => ({
        job: t.labels.job ?? '',
        health: t.health,
        lastError: t.lastError,
        scrapeUrl: t.scrapeUrl,
      }));
    },
    logs: () => proc.output(),
    stop,
  };
}
