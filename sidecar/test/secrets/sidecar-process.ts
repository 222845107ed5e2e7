/**
 * The real entry point (`tsx src/main.ts`, demo or not) as a child process, with every byte it writes to
 * stdout and stderr kept, for tests that check the whole output of a run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SidecarProcess {
  /** stdout and stderr as written so far, interleaved. */
  output(): string;
  /** Resolves when `marker` has been written; rejects if the process exits first. */
  waitFor(marker: string | RegExp): Promise<string>;
  /** SIGTERM, then the exit code once both streams are drained. */
  stop(): Promise<number | null>;
  /** The exit code once both streams are drained (for a process that exits by itself). */
  readonly exited: Promise<number | null>;
}

const SIDECAR_DIR = fileURLToPath(new URL('../..', import.meta.url));

export function spawnSidecar(args: readonly string[], env: Readonly<Record<string, string>>): SidecarProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: SIDECAR_DIR,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  // 'close' comes after both streams ended: nothing written is missed.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const matches = (marker: string | RegExp): boolean => (typeof marker === 'string' ? out.includes(marker) : marker.test(out));
  return {
    output: () => out,
    exited,
    waitFor: (marker) =>
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          if (!matches(marker)) return;
          listeners.delete(check);
          resolve(out);
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (!matches(marker)) reject(new Error(`the sidecar exited (${code}) before writing ${String(marker)}:\n${out}`));
        });
      }),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
