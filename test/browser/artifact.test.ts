import { cpSync, existsSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';

import { DIST_DIR, PLUGIN_DIR, PLUGIN_ID, ROOT, ensurePluginBuilt } from '../support/browser-build.js';
import { AMD_BUILTINS, GRAFANA_SHARED_DEPENDENCIES } from './sharedDependencies.js';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

/** The dependency list of the bundle's top-level `define([...], factory)`. */
export function amdDependencies(moduleJs: string): string[] {
  const match = /\bdefine\(\s*(\[[^\]]*\])/.exec(moduleJs);
  if (!match) {
    throw new Error('dist/module.js is not an AMD module: no define([...]) found');
  }
  return JSON.parse(match[1]) as string[];
}

describe('plugin artifact (dist/)', () => {
  let pluginJson: Record<string, unknown>;

  beforeAll(() => {
    ensurePluginBuilt();
    pluginJson = readJson(join(DIST_DIR, 'plugin.json'));
  });

  it('has a plugin.json that is valid against Grafana’s plugin.json schema', () => {
    const schema = readJson(join(import.meta.dirname, 'plugin.schema.json'));
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }); // the schema's patterns escape '-' and '%', invalid under the u flag;
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    // The build appends buildMode; the vendored schema predates it (newer Grafana schemas accept it).
    const { buildMode, ...declared } = pluginJson;
    expect(buildMode).toBe('production');
    const valid = validate(declared);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('declares a data source with metrics, annotations and the token-injecting sidecar routes, admin-only for execute and refresh', () => {
    expect(pluginJson).toMatchObject({ id: PLUGIN_ID, type: 'datasource', metrics: true, annotations: true });
    const bearer = { name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' };
    // Grafana takes the first route whose path prefixes the request's: the admin-only ones come first.
    expect(pluginJson.routes).toEqual([
      {
        path: 'sidecar/api/v1/cleanup/execute',
        url: '{{ .JsonData.sidecarUrl }}/api/v1/cleanup/execute',
        reqRole: 'Admin',
        headers: [bearer, { name: 'X-Admin-Token', content: '{{ .SecureJsonData.adminToken }}' }],
      },
      {
        path: 'sidecar/api/v1/refresh',
        url: '{{ .JsonData.sidecarUrl }}/api/v1/refresh',
        reqRole: 'Admin',
        headers: [bearer],
      },
      {
        path: 'sidecar',
        url: '{{ .JsonData.sidecarUrl }}',
        headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }],
      },
    ]);
    expect((pluginJson.dependencies as { grafanaDependency: string }).grafanaDependency).toBe('>=12.3.0');
  });

  it('loads only modules Grafana shares with plugins', () => {
    const deps = amdDependencies(readFileSync(join(DIST_DIR, 'module.js'), 'utf8'));
    expect(deps).toEqual(expect.arrayContaining(['@grafana/data', '@grafana/runtime', '@grafana/ui', 'react']));
    const unknown = deps.filter((d) => !GRAFANA_SHARED_DEPENDENCIES.includes(d) && !AMD_BUILTINS.includes(d));
    expect(unknown).toEqual([]);
  });

  it('stages the archive layout Grafana’s plugin validator expects', () => {
    // No zip library is installed, so this checks the directory that would be zipped as <id>-<version>.zip.
    const staged = join(ROOT, 'test/artifacts/package', PLUGIN_ID);
    rmSync(join(ROOT, 'test/artifacts/package'), { recursive: true, force: true });
    mkdirSync(staged, { recursive: true });
    cpSync(DIST_DIR, staged, { recursive: true });

    expect(readdirSync(join(ROOT, 'test/artifacts/package'))).toEqual([PLUGIN_ID]);
    for (const file of ['module.js', 'plugin.json', 'README.md', 'CHANGELOG.md', 'LICENSE']) {
      expect(existsSync(join(staged, file)), file).toBe(true);
    }
    const staged_json = readJson(join(staged, 'plugin.json'));
    const info = staged_json.info as { version: string; updated: string; logos: { small: string; large: string } };
    for (const logo of [info.logos.small, info.logos.large]) {
      expect(logo).toMatch(/\.svg$/);
      const svg = readFileSync(join(staged, logo), 'utf8');
      expect(svg).toContain('<svg');
      expect(svg).not.toMatch(/<script|on\w+=/i); // the validator's unsafesvg check
    }
    expect(info.version).toBe((readJson(join(PLUGIN_DIR, 'package.json')) as { version: string }).version);
    expect(info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(readFileSync(join(staged, 'LICENSE'), 'utf8')).toContain('Apache License');
    const readme = readFileSync(join(staged, 'README.md'), 'utf8');
    expect(readme).toContain('# ECR Lens data source for Grafana');
    expect(readme).not.toMatch(/\b(npm|yarn)\b/); // the validator's jargon check
    expect(readFileSync(join(staged, 'CHANGELOG.md'), 'utf8')).toMatch(/^# Changelog/);
  });
});
