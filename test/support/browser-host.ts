import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

import type { AppHarnessConfig } from '../browser/host/app-api.js';
import type { HarnessConfig } from '../browser/host/api.js';
import { ROOT } from './browser-build.js';

export const HOST_ENTRY = join(ROOT, 'test/browser/host/entry.ts');
export const SYSTEMJS_DIR = join(ROOT, 'node_modules/systemjs/dist');

const SHIM = 'cjs-default-shim';

/**
 * esbuild gives `.mjs` importers Node's interop: `import X from 'cjs'` is the whole `module.exports`, even when the
 * CommonJS module marks itself `__esModule` with a `default` (react-custom-scrollbars-2, used by @grafana/ui's
 * Table). Grafana's webpack honours `__esModule`; this plugin does the same by importing such modules through a
 * small non-`.mjs` shim.
 */
const cjsDefaultInterop: Plugin = {
  name: SHIM,
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (!args.importer.endsWith('.mjs') || args.pluginData === SHIM) {
        return undefined;
      }
      const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: SHIM });
      if (resolved.errors.length > 0 || !/\.(c?js)$/.test(resolved.path)) {
        return undefined;
      }
      const source = readFileSync(resolved.path, 'utf8');
      const esModuleWithDefault =
        /__esModule/.test(source) && /exports(\.default|\[["']default["']\])\s*=/.test(source);
      return esModuleWithDefault ? { path: resolved.path, namespace: SHIM } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: SHIM }, (args) => ({
      contents: `import m from ${JSON.stringify(args.path)}; export default m; export * from ${JSON.stringify(args.path)};`,
      resolveDir: ROOT,
      loader: 'js',
    }));
  },
};

/**
 * Bundles Grafana's shared modules and the harness into one browser script: `<outdir>/host.js`. Another entry
 * (one that imports the harness entry and adds to it) gives another host page.
 */
export async function buildHostBundle(outdir: string, entry: string = HOST_ENTRY): Promise<void> {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { host: entry },
    outdir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    logLevel: 'error',
    define: {
      'process.env.NODE_ENV': JSON.stringify(process.env.HARNESS_NODE_ENV ?? 'production'),
      global: 'globalThis',
    },
    loader: { '.svg': 'text', '.woff': 'empty', '.woff2': 'empty', '.png': 'dataurl', '.css': 'empty' },
    absWorkingDir: ROOT,
    plugins: [cjsDefaultInterop],
  });
}

/** The host page: SystemJS with its AMD extra (as Grafana loads them), then the bundle. */
export function hostPage(config: HarnessConfig): string {
  return page(`window.harnessConfig = ${JSON.stringify(config)};`);
}

/** The app's host page (a bundle of test/browser/host/app-entry.ts at /host/host.js). */
export function appHostPage(config: AppHarnessConfig): string {
  // Grafana's index.html sets grafanaBootData before any script reads @grafana/runtime's config.
  const bootData = {
    assets: { dark: '', light: '' },
    settings: { featureToggles: {} },
    user: { login: config.user.login, orgRole: config.user.role, isGrafanaAdmin: config.user.isGrafanaAdmin === true, isSignedIn: true },
    navTree: [],
  };
  return page(`window.appHarnessConfig = ${JSON.stringify(config)}; window.grafanaBootData = ${JSON.stringify(bootData)};`);
}

function page(configScript: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>ECR Lens plugin harness</title>
<style>
  body { margin: 0; font-family: Inter, Helvetica, Arial, sans-serif; background: #f4f5f5; }
  .harness-page { padding: 16px 20px; width: 1400px; }
</style>
<script src="/vendor/systemjs/system.js"></script>
<script src="/vendor/systemjs/extras/amd.js"></script>
<script>
  // As Grafana does: keep the AMD define off the global scope (UMD bundles such as lodash would register
  // themselves with it) and hand it only to plugin code, through the fetch hook in the host bundle.
  window.__grafana_amd_define = window.define;
  delete window.define;
</script>
<script>${configScript}</script>
</head>
<body>
<div id="root"></div>
<script src="/host/host.js"></script>
</body>
</html>`;
}
