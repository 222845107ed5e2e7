import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERTING_DIR, DASHBOARD_DIR, renderProvisioning } from '../../dashboards/src/render.js';
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
    ];
    expect(committed.filter((p) => !generated.has(p))).toEqual([]);
  });

  it('generation is deterministic', () => {
    expect(renderProvisioning()).toEqual(files);
  });
});
