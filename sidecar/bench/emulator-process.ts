/**
 * The emulator (the demo CLI, rate limits off) in a child process, as the benchmarks run it, so that the
 * sidecar's memory figures are its own; and the accounts a sidecar reads it with.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AccountConfig } from '../src/config.js';
import { demoRoleArn } from '../src/app/demo-sidecar.js';

export const SIDECAR_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  readonly url: string;
  readonly child: ChildProcess;
  close(): Promise<void>;
}

export type Admin = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export interface EmulatorProcess extends Child {
  readonly admin: Admin;
}

/** Resolves with the first capture of `pattern` in the child's stdout. */
export function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    // Once settled, stop listening: the output that follows is not kept (a long run would hold all of it).
    const settle = (done: () => void): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      done();
    };
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) settle(() => resolve(match[1]!));
    };
    const onExit = (code: number | null): void => settle(() => reject(new Error(`${what} exited (${code}) before listening:\n${out}`)));
    const timer = setTimeout(() => settle(() => reject(new Error(`${what} did not start within ${timeoutMs} ms:\n${out}`))), timeoutMs);
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

export const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });

export const adminOf =
  (url: string): Admin =>
  async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/_emulator${path}`, {
      method,
      ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

/** Starts the emulator with a synthetic registry (generator parameters), on `port` (0: any free one). */
export async function startEmulatorProcess(params: Readonly<Record<string, number>>, port = 0): Promise<EmulatorProcess> {
  const synthetic = Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=8192', '--import', 'tsx', 'src/demo/cli.ts', '--synthetic', synthetic, '--port', String(port), '--rate-limits', 'off'],
    { cwd: SIDECAR_DIR, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await waitForLine(child, /listening on (http:\/\/\S+)/, 'the emulator', 30 * 60_000);
  child.stdout!.resume();
  return { url, child, admin: adminOf(url), close: () => stopChild(child) };
}

export interface EmulatorSummary {
  defaultAccountId: string;
  defaultRegion: string;
  registries: { accountId: string; region: string; repositories: number; images: number }[];
}

/** As demo mode: the default account with the default credentials, the others through assumed roles. */
export function accountsOf(summary: EmulatorSummary): AccountConfig[] {
  const regions = new Map<string, string[]>();
  for (const r of summary.registries) regions.set(r.accountId, [...(regions.get(r.accountId) ?? []), r.region]);
  return [...regions].map(([accountId, list]) =>
    accountId === summary.defaultAccountId
      ? { name: 'default', accountId, regions: list }
      : { name: accountId, accountId, roleArn: demoRoleArn(accountId), regions: list },
  );
}
