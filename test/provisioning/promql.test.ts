import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { promtool } from '../support/prometheus.js';
import { alertRuleExpressions, DASHBOARD_FILES, promExpressions, promForTest, readDashboard } from './dashboards-support.js';

const expressions = [...DASHBOARD_FILES.flatMap((f) => promExpressions(readDashboard(f))), ...alertRuleExpressions()];

describe('PromQL in the dashboards and Grafana alert rules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ecrlens-promql-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('covers every Prometheus panel and rule', () => {
    expect(expressions.length).toBeGreaterThan(30);
    expect(alertRuleExpressions()).toHaveLength(5);
  });

  it('every expression parses (promtool check rules)', async () => {
    // One recording rule per expression: promtool parses each and names the broken ones.
    const rules = expressions.map((e, i) => ({ record: `ecrlens_check:expr_${i}`, expr: promForTest(e.value) }));
    const file = join(dir, 'expressions.yml');
    await writeFile(file, stringify({ groups: [{ name: 'dashboard-expressions', rules }] }));
    const result = await promtool(['check', 'rules', file]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`${rules.length} rules found`);
  });

  it('promtool rejects a broken expression, so the check above can fail', async () => {
    const file = join(dir, 'broken.yml');
    await writeFile(file, stringify({ groups: [{ name: 'g', rules: [{ record: 'x:y', expr: 'sum(rate(foo[5m])' }] }] }));
    expect((await promtool(['check', 'rules', file])).code).not.toBe(0);
  });

  it('template variables are substituted before parsing', () => {
    for (const { value } of expressions) expect(promForTest(value)).not.toMatch(/\$/);
  });
});
