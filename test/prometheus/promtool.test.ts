/** promtool on the real output of /metrics and on the provisioned Prometheus config, rules and rule tests. */
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MetricsConfig } from '../../sidecar/src/metrics/config.js';
import { MetricsRenderer } from '../../sidecar/src/metrics/renderer.js';
import { metricsFixture } from '../../sidecar/test/metrics/fixture.js';
import { fakeInventory } from '../../sidecar/test/support/builders.js';
import { promtool } from '../support/prometheus.js';

const PROVISIONING = fileURLToPath(new URL('../../provisioning/prometheus/', import.meta.url));

async function exposition(env: Record<string, string> = {}): Promise<string> {
  const renderer = new MetricsRenderer({
    inventory: fakeInventory(metricsFixture()),
    config: MetricsConfig.parse(env),
    refreshIntervalSeconds: 1800,
    awsStats: { snapshot: () => [{ service: 'ecr', operation: 'DescribeImages', calls: 3, errors: 1, throttles: 1 }] },
    cleanup: {
      planKey: () => 'plan-1',
      reclaimableFor: () => ({ bytes: 1024, images: 1, monthlyUsd: 0 }),
      executions: () => ({ executions: { succeeded: 1 }, deletedImages: 2, deletedBytes: 2048 }),
    },
  });
  return (await renderer.render('prometheus')).body;
}

describe('promtool check metrics', () => {
  it('complains only about the Go exporter gauges named *_total (kept by design)', async () => {
    const text = await exposition();
    // Every family is present, the per-image ones included.
    for (const name of [
      'aws_ecr_image_scan_severity_count',
      'aws_ecr_repository_count',
      'ecrlens_cleanup_executions_total',
      'ecrlens_aws_api_calls_total',
      'ecrlens_repository_last_used_timestamp_seconds',
      'ecrlens_image_last_used_timestamp_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    const result = await promtool(['check', 'metrics'], text);
    const complaints = `${result.stdout}${result.stderr}`.trim().split('\n').sort();
    expect(complaints).toEqual([
      'ecr_images_total non-counter metrics should not have "_total" suffix',
      'ecr_repositories_total non-counter metrics should not have "_total" suffix',
    ]);
    expect(result.code).not.toBe(0);
  });

  it('is clean with METRICS_COMPAT_GO=false', async () => {
    const result = await promtool(['check', 'metrics'], await exposition({ METRICS_COMPAT_GO: 'false' }));
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('provisioned Prometheus rules and config', () => {
  it('promtool check rules passes on every rule file', async () => {
    const files = (await readdir(`${PROVISIONING}rules`)).filter((f) => f.endsWith('.yml')).map((f) => `rules/${f}`);
    expect(files.length).toBeGreaterThan(0);
    const result = await promtool(['check', 'rules', ...files], undefined, PROVISIONING);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool test rules proves each alert fires and resolves', async () => {
    const tests = (await readdir(`${PROVISIONING}tests`)).filter((f) => f.endsWith('.yml')).map((f) => `tests/${f}`);
    const result = await promtool(['test', 'rules', ...tests], undefined, PROVISIONING);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
    // Every alert of the rule file has a test.
    const rules = parse(await readFile(`${PROVISIONING}rules/ecr-lens.yml`, 'utf8')) as {
      groups: { rules: { alert?: string }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert).filter(Boolean));
    expect(alerts).toHaveLength(8);
    const testText = await readFile(`${PROVISIONING}tests/ecr-lens.test.yml`, 'utf8');
    for (const alert of alerts) expect(testText).toContain(`alertname: ${alert}`);
  });

  it('promtool check config passes on prometheus.yml (and the rules it loads)', async () => {
    const result = await promtool(['check', 'config', 'prometheus.yml'], undefined, PROVISIONING);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SUCCESS: 1 rule files found');
  });
});
