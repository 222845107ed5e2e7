import { cpSync, existsSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';

import { APP_ID, DIST_DIR, PLUGIN_DIR, PLUGIN_ID, ROOT, ensurePluginBuilt } from '../support/browser-build.js';
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

const ajvValidator = () => {
  const schema = readJson(join(import.meta.dirname, 'plugin.schema.json'));
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }); // the schema's patterns escape '-' and '%', invalid under the u flag;
  addFormats.default(ajv);
  return ajv.compile(schema);
};

describe('plugin artifact (dist/)', () => {
  let appJson: Record<string, unknown>;
  let dsJson: Record<string, unknown>;

  beforeAll(() => {
    ensurePluginBuilt();
    appJson = readJson(join(DIST_DIR, 'plugin.json'));
    dsJson = readJson(join(DIST_DIR, 'datasource/plugin.json'));
  });

  it('has plugin.json files (the app and its nested data source) valid against Grafana’s plugin.json schema', () => {
    const validate = ajvValidator();
    for (const json of [appJson, dsJson]) {
      // The build appends buildMode; the vendored schema predates it (newer Grafana schemas accept it).
      const { buildMode, ...declared } = json;
      expect(buildMode).toBe('production');
      const valid = validate(declared);
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    }
  });

  it('guards every write with a role Grafana enforces: a misspelt key fails the schema, an unknown role is refused here', () => {
    // The schema types reqRole as any string, and Grafana skips the check of a role that is not valid
    // (org.RoleType.IsValid), so a typo would open the route to everyone: both are checked.
    const validate = ajvValidator();
    const { buildMode: _, ...declared } = appJson;
    const routes = declared.routes as Record<string, unknown>[];
    const misspelt = routes.map(({ reqRole, ...r }, i) => (i === 0 ? { ...r, reqrole: reqRole } : { ...r, reqRole }));
    expect(validate({ ...declared, routes: misspelt })).toBe(false);
    expect(validate({ ...declared, routes })).toBe(true);
    for (const route of routes) {
      expect(['Viewer', 'Editor', 'Admin'], String(route.path)).toContain(route.reqRole);
    }
  });

  it('declares an app that nests the data source, with its pages and role-guarded sidecar routes', () => {
    expect(appJson).toMatchObject({ id: APP_ID, type: 'app' });
    expect(appJson.includes).toEqual([
      { type: 'datasource', name: 'ECR Lens' },
      { type: 'page', name: 'Cleanup plan', path: `/a/${APP_ID}/plan`, role: 'Viewer', addToNav: true, defaultNav: true },
      { type: 'page', name: 'Runs', path: `/a/${APP_ID}/runs`, role: 'Viewer', addToNav: true },
      { type: 'page', name: 'Sources', path: `/a/${APP_ID}/sources`, role: 'Viewer', addToNav: true },
    ]);
    const bearer = { name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' };
    const admin = { name: 'X-Admin-Token', content: '{{ .SecureJsonData.adminToken }}' };
    // Grafana takes the first route whose method and path match, then enforces its role: writes are exact paths.
    expect(appJson.routes).toEqual([
      { path: 'sidecar/api/v1/cleanup/execute', method: 'POST', reqRole: 'Admin', url: '{{ .JsonData.sidecarUrl }}/api/v1/cleanup/execute', headers: [bearer, admin] },
      { path: 'sidecar/api/v1/refresh', method: 'POST', reqRole: 'Admin', url: '{{ .JsonData.sidecarUrl }}/api/v1/refresh', headers: [bearer] },
      { path: 'editor/api/v1/cleanup/execute', method: 'POST', reqRole: 'Editor', url: '{{ .JsonData.editorSidecarUrl }}/api/v1/cleanup/execute', headers: [bearer, admin] },
      { path: 'editor/api/v1/refresh', method: 'POST', reqRole: 'Editor', url: '{{ .JsonData.editorSidecarUrl }}/api/v1/refresh', headers: [bearer] },
      { path: 'sidecar/api/v1/*', method: 'GET', reqRole: 'Viewer', url: '{{ .JsonData.sidecarUrl }}/api/v1', headers: [bearer] },
    ]);
    expect((appJson.dependencies as { grafanaDependency: string }).grafanaDependency).toBe('>=12.3.0');
  });

  it('keeps the data source as it was: its id, metrics, annotations, dashboards and one token-injecting route', () => {
    expect(dsJson).toMatchObject({ id: PLUGIN_ID, type: 'datasource', metrics: true, annotations: true });
    expect((dsJson.includes as { path: string }[]).map((i) => i.path)).toEqual([
      'dashboards/overview.json',
      'dashboards/cost.json',
      'dashboards/vulnerabilities.json',
      'dashboards/cleanup.json',
    ]);
    // No admin token and no execute route: executions belong to the app. Reads are GETs; the one POST is a query,
    // so no role reaches the sidecar's refresh or execute through the data source.
    const bearer = [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }];
    expect(dsJson.routes).toEqual([
      { path: 'sidecar/api/v1/query', method: 'POST', url: '{{ .JsonData.sidecarUrl }}/api/v1/query', headers: bearer },
      { path: 'sidecar', method: 'GET', url: '{{ .JsonData.sidecarUrl }}', headers: bearer },
    ]);
  });

  it('loads only modules Grafana shares with plugins', () => {
    for (const module of ['module.js', 'datasource/module.js']) {
      const deps = amdDependencies(readFileSync(join(DIST_DIR, module), 'utf8'));
      expect(deps).toEqual(expect.arrayContaining(['@grafana/data', '@grafana/runtime', '@grafana/ui', 'react']));
      const unknown = deps.filter((d) => !GRAFANA_SHARED_DEPENDENCIES.includes(d) && !AMD_BUILTINS.includes(d));
      expect(unknown, module).toEqual([]);
    }
  });

  it('stages the archive layout Grafana’s plugin validator expects', () => {
    // No zip library is installed, so this checks the directory that would be zipped as <id>-<version>.zip.
    const staged = join(ROOT, 'test/artifacts/package', APP_ID);
    rmSync(join(ROOT, 'test/artifacts/package'), { recursive: true, force: true });
    mkdirSync(staged, { recursive: true });
    cpSync(DIST_DIR, staged, { recursive: true });

    expect(readdirSync(join(ROOT, 'test/artifacts/package'))).toEqual([APP_ID]);
    for (const file of ['module.js', 'plugin.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'datasource/module.js', 'datasource/plugin.json']) {
      expect(existsSync(join(staged, file)), file).toBe(true);
    }
    for (const dir of [staged, join(staged, 'datasource')]) {
      const info = readJson(join(dir, 'plugin.json')).info as { version: string; updated: string; logos: { small: string; large: string } };
      for (const logo of [info.logos.small, info.logos.large]) {
        expect(logo).toMatch(/\.svg$/);
        // Logos resolve against the nested plugin's own folder.
        const svg = readFileSync(join(dir, logo), 'utf8');
        expect(svg).toContain('<svg');
        expect(svg).not.toMatch(/<script|on\w+=/i); // the validator's unsafesvg check
      }
      expect(info.version).toBe((readJson(join(PLUGIN_DIR, 'package.json')) as { version: string }).version);
      expect(info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(readFileSync(join(staged, 'LICENSE'), 'utf8')).toContain('Apache License');
    const readme = readFileSync(join(staged, 'README.md'), 'utf8');
    expect(readme).toContain('# ECR Lens app for Grafana');
    expect(readme).not.toMatch(/\b(npm|yarn)\b/); // the validator's jargon check
    expect(readFileSync(join(staged, 'CHANGELOG.md'), 'utf8')).toMatch(/^# Changelog/);
  });
});
