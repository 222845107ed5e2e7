import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HarnessConfig } from '../browser/host/api.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PLUGIN_DIR = join(ROOT, 'plugin');
export const DIST_DIR = join(PLUGIN_DIR, 'dist');
/** The app plugin; the data source is nested in it (dist/datasource). */
export const APP_ID = 'ecrlens-ecr-app';
export const PLUGIN_ID = 'ecrlens-ecr-datasource';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    newest = Math.max(newest, t);
  }
  return newest;
}

/** Builds plugin/dist unless dist/module.js is newer than every source, README, CHANGELOG, package.json and the webpack config. */
export function ensurePluginBuilt(): void {
  const moduleJs = join(DIST_DIR, 'module.js');
  const inputs = Math.max(
    newestMtime(join(PLUGIN_DIR, 'src')),
    ...['package.json', 'webpack.config.ts', 'CHANGELOG.md', 'LICENSE'].map((f) => statSync(join(PLUGIN_DIR, f)).mtimeMs),
  );
  if (existsSync(moduleJs) && statSync(moduleJs).mtimeMs >= inputs && existsSync(join(DIST_DIR, 'plugin.json')) && existsSync(join(DIST_DIR, 'datasource/module.js'))) {
    return;
  }
  execFileSync('npm', ['run', 'build', '-w', 'plugin'], { cwd: ROOT, stdio: 'inherit' });
}

/** What the host page needs to load the built plugin as Grafana's data source `uid`, proxied to `sidecarUrl`. */
export function harnessConfig(uid: string, sidecarUrl: string, range: HarnessConfig['range']): HarnessConfig {
  return {
    moduleUrl: `/public/plugins/${APP_ID}/datasource/module.js`,
    instanceSettings: {
      id: 1,
      uid,
      type: PLUGIN_ID,
      name: 'ECR Lens',
      url: `/api/datasources/proxy/uid/${uid}`,
      access: 'proxy',
      jsonData: { sidecarUrl },
    },
    variables: {},
    range,
  };
}
