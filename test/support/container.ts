/**
 * The sidecar image's layout, without Docker: the compiled JavaScript in a working directory the runtime user
 * cannot write (the image's /app, owned by root), a data directory owned by that user (the image's /data), and
 * the sidecar started as the image starts it (`sh sidecar/docker-entrypoint.sh` and the Dockerfile's CMD) as a
 * non-root user: `nobody` when the tests run as root, else the current user with the working directory made
 * read-only (0555).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  cpSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './browser-build.js';

/** The user the sidecar runs as. `drop`: the tests run as root, so the child is started with this uid and gid. */
export interface RuntimeUser {
  readonly uid: number;
  readonly gid: number;
  readonly drop: boolean;
}

/** How to spawn as the runtime user. */
const idsOf = (user: RuntimeUser): { uid?: number; gid?: number } =>
  user.drop ? { uid: user.uid, gid: user.gid } : {};

/**
 * The sidecar's production dependencies as paths below the checkout, i.e. what the image's
 * `npm ci --workspace sidecar --omit=dev` installs: copied, not linked, so a module missing from the image is missing here too.
 */
function productionModules(): string[] {
  const ls = spawnSync('npm', ['ls', '--workspace', 'sidecar', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (ls.status !== 0) throw new Error(`npm ls --omit=dev failed (${ls.status}):\n${ls.stderr}`);
  const paths = ls.stdout
    .split('\n')
    .map((line) => relative(ROOT, line.trim()))
    .filter((path) => /^(sidecar\/)?node_modules\//.test(path));
  return [...new Set(paths)].sort();
}

/** `nobody` (65534, as on Debian) when the tests run as root; else the current user. */
export function runtimeUser(): RuntimeUser {
  const uid = process.getuid!();
  return uid === 0 ? { uid: 65534, gid: 65534, drop: true } : { uid, gid: process.getgid!(), drop: false };
}

export interface ImageLayout {
  /** The image's /app: package.json files, sidecar/dist, sidecar/docker-entrypoint.sh, node_modules. */
  readonly app: string;
  /** A new directory like the image's /data: owned by the runtime user, 0755. */
  dataDir(name: string): string;
  /** A directory the runtime user cannot write (a /data volume mounted with the wrong owner). */
  readonly lockedData: string;
  /** A path that does not exist, for HOME: no ~/.aws of the host can switch demo mode off. */
  readonly home: string;
  readonly user: RuntimeUser;
  /** Removes everything made here. */
  remove(): void;
}

function walk(dir: string, visit: (path: string, isDir: boolean) => void): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // Symbolic links (node_modules/.bin and the like) are neither followed nor chmod-ed: chmod would change their target.
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) walk(path, visit);
    visit(path, entry.isDirectory());
  }
}

/** Every entry under `dir` (links not followed) with its type, owner, mode, size and mtime, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const visit = (path: string): void => {
    const s = lstatSync(path);
    const type = s.isSymbolicLink() ? 'link' : s.isDirectory() ? 'dir' : 'file';
    out.push(
      `${relative(dir, path) || '.'} ${type} ${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8)} ${s.size} ${s.mtimeMs}`,
    );
    if (type === 'dir') for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return out.sort();
}

/**
 * Compiles the sidecar with its build settings (sidecar/tsconfig.build.json, as the Dockerfile does) into a
 * fresh /app-like directory, so the test never runs a stale sidecar/dist.
 */
/** The image's /app: the package manifests, the contract and the sidecar compiled as the Dockerfile does, production modules. */
function compileInto(app: string): void {
  mkdirSync(join(app, 'sidecar'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  copyFileSync(join(ROOT, 'sidecar/package.json'), join(app, 'sidecar/package.json'));
  copyFileSync(join(ROOT, 'sidecar/docker-entrypoint.sh'), join(app, 'sidecar/docker-entrypoint.sh'));
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  // The wire contract, a workspace package the sidecar imports, compiled as the Dockerfile does.
  mkdirSync(join(app, 'contract'), { recursive: true });
  copyFileSync(join(ROOT, 'contract/package.json'), join(app, 'contract/package.json'));
  const contract = spawnSync(
    process.execPath,
    [
      tsc,
      '-p',
      join(ROOT, 'contract/tsconfig.json'),
      '--outDir',
      join(app, 'contract/dist'),
      '--composite',
      'false',
      '--incremental',
      'false',
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (contract.status !== 0)
    throw new Error(`tsc -p contract failed (${contract.status}):\n${contract.stdout}${contract.stderr}`);
  const build = spawnSync(
    process.execPath,
    [tsc, '-p', join(ROOT, 'sidecar/tsconfig.build.json'), '--outDir', join(app, 'sidecar/dist')],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (build.status !== 0)
    throw new Error(`tsc -p sidecar/tsconfig.build.json failed (${build.status}):\n${build.stdout}${build.stderr}`);
  // The image's modules come from `npm ci --omit=dev`; here the same packages, copied from the checkout (the
  // native better-sqlite3 build included), so the runtime user needs no access to the checkout.
  for (const path of productionModules())
    cpSync(join(ROOT, path), join(app, path), { recursive: true, verbatimSymlinks: true });
}

/** The image's modes: /app read-only to the runtime user, the locked data directory not writable by it. */
function lockDown(app: string, lockedData: string, user: RuntimeUser): void {
  if (user.drop) {
    // As root: /app stays root's (0755 directories, 0644 files, whatever the umask); /data is the runtime user's.
    walk(app, (path, isDir) => chmodSync(path, isDir ? 0o755 : 0o644));
    chmodSync(app, 0o755);
    chmodSync(lockedData, 0o755);
  } else {
    // As the runtime user itself: only the modes keep it from writing.
    walk(app, (path, isDir) => chmodSync(path, isDir ? 0o555 : 0o444));
    chmodSync(app, 0o555);
    chmodSync(lockedData, 0o555);
  }
}

export function layOutImage(): ImageLayout {
  const user = runtimeUser();
  const base = mkdtempSync(join(tmpdir(), 'ecr-lens-image-'));
  // mkdtemp makes 0700: the runtime user must reach app/ and data/.
  chmodSync(base, 0o755);
  const app = join(base, 'app');
  const lockedData = join(base, 'locked-data');
  const remove = (): void => {
    if (existsSync(base)) {
      walk(base, (path, isDir) => isDir && chmodSync(path, 0o755));
      chmodSync(base, 0o755);
    }
    rmSync(base, { recursive: true, force: true });
  };
  try {
    compileInto(app);
    mkdirSync(lockedData);
    lockDown(app, lockedData, user);
    checkRuntimeAccess(app, user);
  } catch (error) {
    remove();
    throw error;
  }
  const dataDir = (name: string): string => {
    const dir = join(base, name);
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    if (user.drop) chownSync(dir, user.uid, user.gid);
    return dir;
  };
  return { app, dataDir, lockedData, home: join(base, 'no-home'), user, remove };
}

/** Fails with a useful message when the runtime user cannot run node or load the image's modules. */
function checkRuntimeAccess(app: string, user: RuntimeUser): void {
  const probe = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const { default: Database } = await import('better-sqlite3'); new Database(':memory:').close(); await import('@aws-sdk/client-ecr');",
    ],
    { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, ...idsOf(user) },
  );
  if (probe.status !== 0)
    throw new Error(
      `uid ${user.uid} cannot run ${process.execPath} or load the copied modules ` +
        `(${probe.error?.message ?? probe.stderr.trim()}): the node binary must be readable by that user`,
    );
}

/** The image's ENV (Dockerfile), with PATH leading to this node, HOME absent, and `env` on top. */
export function imageEnv(layout: ImageLayout, env: Record<string, string>): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: layout.home,
    NODE_ENV: 'production',
    NODE_OPTIONS: '--max-old-space-size=1152',
    APP_HOST: '0.0.0.0',
    APP_PORT: '8080',
    ECRLENS_DATA_DIR: '/data',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
  };
}

export interface ImageProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the output matches `pattern`; rejects when the process exits first or after `ms`. */
  waitForOutput(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** SIGKILL if still running (afterEach). */
  kill(): void;
}

/** The Dockerfile's CMD (exec form): what the entrypoint runs. */
export const imageCommand = (): string[] =>
  JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'sidecar/Dockerfile'), 'utf8'))![1]!) as string[];

/** Starts the image's ENTRYPOINT + CMD in `layout.app` as the runtime user, with `env` as its whole environment. */
export function runImage(layout: ImageLayout, env: Record<string, string>): ImageProcess {
  const child = spawn('sh', [join(layout.app, 'sidecar/docker-entrypoint.sh'), ...imageCommand()], {
    cwd: layout.app,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...idsOf(layout.user),
  });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    // 'close': the process has exited and its output is fully read.
    child.once('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  const waitForOutput = (pattern: RegExp, ms = 60_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(deadline);
        listeners.delete(check);
      };
      const check = (): void => {
        const match = out.match(pattern);
        if (match) {
          finish();
          resolve(match);
        }
      };
      const deadline = setTimeout(() => {
        finish();
        reject(new Error(`no output matching ${pattern} within ${ms} ms:\n${out}`));
      }, ms);
      listeners.add(check);
      check();
      void exited.then(({ code, signal }) => {
        finish();
        reject(new Error(`the sidecar exited (code ${code}, signal ${signal}) before printing ${pattern}:\n${out}`));
      }, reject);
    });
  return {
    child,
    output: () => out,
    exited,
    waitForOutput,
    kill: () => {
      if (running) child.kill('SIGKILL');
    },
  };
}
