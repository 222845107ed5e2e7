import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERTING_DIR, DASHBOARD_DIR, PLUGIN_DASHBOARD_DIR, renderProvisioning } from '../../dashboards/src/render.js';
import { readText, ROOT } from './dashboards-support.js';

describe('generated provisioning files', () => {
  const files = renderProvisioning();

  it.each(files.map((f) => f.path))('%s is committed exactly as `npx tsx dashboards/src/generate.ts` writes it', (path) => {
    expect(readText(path)).toBe(files.find((f) => f.path === path)!.content);
  });

  it('no stale generated file lingers next to them', () => {
    const generated = new Set(files.map((f) => f.path));
    const committed = [
      ...readdirSync(join(ROOT, DASHBOARD_DIR)).map((f) => `${DASHBOARD_DIR}/${f}`),
      ...readdirSync(join(ROOT, ALERTING_DIR)).map((f) => `${ALERTING_DIR}/${f}`),
      ...readdirSync(join(ROOT, PLUGIN_DASHBOARD_DIR)).map((f) => `${PLUGIN_DASHBOARD_DIR}/${f}`),
    ];
    expect(committed.filter((p) => !generated.has(p))).toEqual([]);
  });

  it("the plugin ships every dashboard, and plugin.json includes exactly those", () => {
    const plugin = JSON.parse(readText('plugin/src/datasource/plugin.json')) as { includes: { type: string; name: string; path: string }[] };
    const shipped = readdirSync(join(ROOT, PLUGIN_DASHBOARD_DIR)).map((f) => `dashboards/${f}`).sort();
    expect(plugin.includes.filter((i) => i.type === 'dashboard').map((i) => i.path).sort()).toEqual(shipped);
    for (const include of plugin.includes) {
      const dashboard = JSON.parse(readText(`plugin/src/datasource/${include.path}`)) as { title: string };
      expect(include.name).toBe(dashboard.title);
    }
  });

  it('generation is deterministic', () => {
    expect(renderProvisioning()).toEqual(files);
  });
});
