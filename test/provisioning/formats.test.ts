import { describe, expect, it } from 'vitest';
import {
  AlertRule,
  AlertRulesFile,
  AppsFile,
  ContactPointsFile,
  DashboardProvidersFile,
  DatasourcesFile,
  PoliciesFile,
  type Route,
} from './grafana-formats.js';
import { DASHBOARD_FILES, readText, readYaml } from './dashboards-support.js';

const datasources = DatasourcesFile.parse(readYaml('provisioning/datasources/datasources.yaml'));
const providers = DashboardProvidersFile.parse(readYaml('provisioning/dashboards/dashboards.yaml'));
const rules = AlertRulesFile.parse(readYaml('provisioning/alerting/rules.yaml'));
const contactPoints = ContactPointsFile.parse(readYaml('provisioning/alerting/contact-points.yaml'));
const policies = PoliciesFile.parse(readYaml('provisioning/alerting/policies.yaml'));

describe('provisioning/datasources', () => {
  it('provisions the ECR Lens plugin with a fixed uid, the sidecar URL and the token from the environment', () => {
    const ecr = datasources.datasources.find((d) => d.type === 'ecrlens-ecr-datasource');
    expect(ecr).toMatchObject({
      uid: 'ecr-lens',
      access: 'proxy',
      jsonData: { sidecarUrl: 'http://sidecar:8080' },
      secureJsonData: { apiToken: '$SIDECAR_API_TOKEN' },
    });
  });

  it('provisions Prometheus with a fixed uid', () => {
    expect(datasources.datasources.find((d) => d.type === 'prometheus')).toMatchObject({
      uid: 'prometheus',
      url: 'http://prometheus:9090',
    });
  });

  it('has exactly one default data source and distinct uids', () => {
    expect(datasources.datasources.filter((d) => d.isDefault)).toHaveLength(1);
    const uids = datasources.datasources.map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('the strict schema rejects a misspelt key', () => {
    const bad = { apiVersion: 1, datasources: [{ name: 'x', type: 'prometheus', uid: 'x', jsondata: {} }] };
    expect(DatasourcesFile.safeParse(bad).success).toBe(false);
  });
});

describe('provisioning/plugins', () => {
  it('enables the ECR Lens app, in the schema Grafana reads', () => {
    const apps = AppsFile.parse(readYaml('provisioning/plugins/apps.yaml'));
    expect(apps.apps.map((a) => [a.type, a.disabled])).toEqual([['ecrlens-ecr-app', false]]);
  });

  it('the strict schema rejects a misspelt key', () => {
    expect(AppsFile.safeParse({ apiVersion: 1, apps: [{ type: 'x', orgId: 1 }] }).success).toBe(false);
  });
});

describe('provisioning/dashboards', () => {
  it('a file provider loads the generated JSON from the mounted provisioning folder into "ECR Lens"', () => {
    const [provider] = providers.providers;
    expect(provider).toMatchObject({ type: 'file', folder: 'ECR Lens', options: { path: '/etc/grafana/provisioning/dashboards/json' } });
    // docker-compose mounts ./provisioning at /etc/grafana/provisioning.
    const hostPath = provider!.options.path.replace('/etc/grafana/provisioning', 'provisioning');
    for (const file of DASHBOARD_FILES) expect(() => readText(`${hostPath}/${file}`)).not.toThrow();
  });

  it('shares one folder with the alert rules, found by title, so that provisioning cannot clash', () => {
    const [provider] = providers.providers;
    expect(new Set(rules.groups.map((g) => g.folder))).toEqual(new Set([provider!.folder]));
    expect(provider!.folderUid).toBeUndefined();
  });
});

describe('provisioning/alerting', () => {
  const allRules = rules.groups.flatMap((g) => g.rules);

  it('covers the four alert subjects', () => {
    expect(allRules.map((r) => r.uid)).toEqual([
      'ecr-lens-critical-in-use',
      'ecr-lens-storage-over-threshold',
      'ecr-lens-image-quota',
      'ecr-lens-inventory-stale',
      'ecr-lens-refresh-failing',
    ]);
  });

  it.each(allRules.map((r) => [r.title, r] as const))('%s chains A (Prometheus) -> B (reduce) -> C (threshold)', (_title, rule) => {
    expect(rule.condition).toBe('C');
    const [a, b, c] = rule.data;
    expect(a).toMatchObject({ refId: 'A', datasourceUid: 'prometheus', model: { refId: 'A' } });
    expect(typeof a!.model.expr).toBe('string');
    expect(a!.relativeTimeRange).toEqual({ from: 600, to: 0 });
    expect(b).toMatchObject({ refId: 'B', datasourceUid: '__expr__', model: { type: 'reduce', expression: 'A' } });
    expect(c).toMatchObject({ refId: 'C', datasourceUid: '__expr__', model: { type: 'threshold', expression: 'B' } });
    expect(rule.labels?.severity).toMatch(/^(critical|warning)$/);
  });

  it('references only provisioned data sources', () => {
    const uids = new Set([...datasources.datasources.map((d) => d.uid), '__expr__']);
    for (const rule of allRules) for (const q of rule.data) expect(uids).toContain(q.datasourceUid);
  });

  it('links each rule to a provisioned dashboard', () => {
    for (const rule of allRules) {
      expect(['ecr-lens-overview', 'ecr-lens-cost', 'ecr-lens-vulnerabilities', 'ecr-lens-cleanup']).toContain(
        rule.annotations?.__dashboardUid__,
      );
    }
  });

  it('keeps $ out of labels, which Grafana interpolates from the environment', () => {
    for (const rule of allRules) for (const value of Object.values(rule.labels ?? {})) expect(value).not.toContain('$');
  });

  it('the contact point sends to Slack by a webhook URL from the environment, and by email', () => {
    const [point] = contactPoints.contactPoints;
    const byType = Object.fromEntries(point!.receivers.map((r) => [r.type, r.settings]));
    expect(byType.slack).toMatchObject({ url: '$SLACK_WEBHOOK_URL' });
    expect(byType.email).toMatchObject({ addresses: '$ALERT_EMAIL_ADDRESSES' });
  });

  it('the notification policy routes to a provisioned contact point', () => {
    const names = new Set(contactPoints.contactPoints.map((c) => c.name));
    const receivers = (route: Route): string[] => [
      ...(route.receiver ? [route.receiver] : []),
      ...(route.routes ?? []).flatMap(receivers),
    ];
    const [policy] = policies.policies;
    expect(receivers(policy!).length).toBeGreaterThan(1);
    for (const receiver of receivers(policy!)) expect(names).toContain(receiver);
  });

  it('the strict rule schema rejects a rule whose state is misspelt', () => {
    expect(AlertRule.safeParse({ ...allRules[0], noDataState: 'Nodata' }).success).toBe(false);
  });
});
