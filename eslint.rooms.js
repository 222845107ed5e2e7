/**
 * The rooms of sidecar/src and what each may not import (docs/architecture.md): data flows one way, from AWS
 * through the snapshot to pure functions, HTTP and the plugin. Each entry lists the rooms above it: importing one
 * is an arrow back up. Enforced with ESLint's own no-restricted-imports: for every folder of a room, each
 * forbidden room's relative path from that folder becomes a pattern, so a path means what it resolves to.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(fileURLToPath(import.meta.url));
const SRC = join(ROOT, 'sidecar/src');

const WIRING = ['app', 'main', 'demo'];
const EDGES = ['http', 'reports', 'cleanup/execute', 'cleanup/service', ...WIRING];

/** room (a folder under sidecar/src, or a file without .ts) -> the rooms it may not import. */
export const FORBIDDEN = {
  snapshot: ['aws', 'refresh', 'uses', 'store', 'query', 'cost', 'cleanup', 'metrics', 'config', ...EDGES],
  store: ['aws', 'refresh', 'uses', 'query', 'cost', 'cleanup', 'metrics', 'config', ...EDGES],
  uses: ['aws', 'refresh', 'store', 'query', 'cost', 'cleanup', 'metrics', 'config', ...EDGES],
  cost: ['aws', 'refresh', 'uses', 'store', 'query', 'cleanup', 'metrics', 'config', ...EDGES],
  query: ['aws', 'refresh', 'uses', 'store', 'cleanup', 'metrics', 'config', ...EDGES],
  // The columnar machinery sits under the query types that use it, the engine and the warm-up.
  'query/columnar': ['aws', 'refresh', 'uses', 'store', 'cleanup', 'metrics', 'config', 'query/types', 'query/engine', 'query/builder', 'query/cache', 'query/warm', ...EDGES],
  aws: ['refresh', 'uses', 'store', 'query', 'cost', 'cleanup', 'metrics', 'config', ...EDGES],
  'cleanup/plan': ['aws', 'refresh', 'store', 'metrics', 'config', 'cleanup/execute', 'cleanup/service', 'http', 'reports', ...WIRING],
  metrics: ['refresh', 'uses', 'store', 'query', 'cleanup', ...EDGES],
  refresh: ['query', 'cleanup', 'metrics', 'config', ...EDGES],
  'cleanup/execute': ['aws', 'refresh', 'metrics', 'http', 'reports', ...WIRING],
  reports: ['aws', 'refresh', 'uses', 'store', 'cleanup', 'metrics', 'config', 'http', ...WIRING],
  http: WIRING,
  // The emulator is a wing of its own: it speaks AWS's wire protocols and knows nothing of the sidecar.
  demo: ['snapshot', 'store', 'aws', 'uses', 'cost', 'query', 'cleanup', 'metrics', 'refresh', 'reports', 'http', 'config', 'secrets', 'app', 'main', 'cooperative', 'arrival-turns', 'concat-lists', 'log', 'env-number', 'setting-reader', 'trusted-proxies'],
};

/** A room's path under sidecar/src: a folder, or a module file (`config` is config.ts, `cleanup/service` service.ts). */
const FILE_ROOMS = new Set(['config', 'secrets', 'main', 'cleanup/service', 'query/engine', 'query/builder', 'query/cache', 'query/warm', 'cooperative', 'arrival-turns', 'concat-lists', 'log', 'env-number', 'setting-reader', 'trusted-proxies']);

const folders = (dir) => [dir, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => folders(join(dir, e.name)))];
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function patternsFrom(folder, room) {
  return [...new Set(FORBIDDEN[room])].map((other) => {
    let path = relative(folder, join(SRC, other)).split('\\').join('/');
    if (!path.startsWith('.')) path = `./${path}`;
    const tail = FILE_ROOMS.has(other) ? '\\.js$' : '(?:/|$)';
    return { regex: `^${escape(path)}${tail}`, message: `${room} may not import ${other}: data flows one way (docs/architecture.md).` };
  });
}

export const roomRules = Object.keys(FORBIDDEN).flatMap((room) =>
  folders(join(SRC, room)).map((folder) => ({
    files: [`${relative(ROOT, folder).split('\\').join('/')}/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: patternsFrom(folder, room) }] },
  })),
);

/**
 * The wire contract (contract/src) is the floor under every package: it may import zod and itself, nothing of
 * the sidecar, the plugin or the dashboards, so the plugin can bundle it and the sidecar build on it.
 */
export const contractRules = [
  {
    files: ['contract/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!zod$|\\./)', message: 'the contract imports only zod and its own modules (docs/architecture.md).' },
          ],
        },
      ],
    },
  },
];

