import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import * as expr from '@grafana/grafana-foundation-sdk/expr';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { PROMETHEUS_UID, PROVISIONED_PROMETHEUS } from './datasources.js';
import { CLEANUP_UID } from './cleanup.js';
import { COST_UID } from './cost.js';
import { OVERVIEW_UID } from './overview.js';
import { VULNERABILITIES_UID } from './vulnerabilities.js';

/**
 * Grafana-managed alert rules on the Prometheus data source (a frontend-only data source cannot alert),
 * written in Grafana's file-provisioning format. The SDK builders model the HTTP API, so each object is
 * mapped to the file format below.
 */

export const ALERT_FOLDER = 'ECR Lens';
export const CONTACT_POINT = 'ecr-lens';
const EXPR = { type: '__expr__', uid: '__expr__' };

/** Kept in step with provisioning/prometheus/rules/ecr-lens.yml (owned by the metrics side). */
export const QUOTA_RATIO_THRESHOLD = 0.8;
/** Failed refreshes within an hour that count as "failing" (one may be a blip). */
export const FAILED_REFRESHES_PER_HOUR = 2;

interface RuleSpec {
  uid: string;
  title: string;
  /** PromQL returning one series per alert instance. */
  expr: string;
  threshold: number;
  for: string;
  severity: 'critical' | 'warning';
  summary: string;
  description: string;
  dashboardUid: string;
  noDataState: 'OK' | 'Alerting' | 'NoData' | 'KeepLast';
}

export const RULES: readonly RuleSpec[] = [
  {
    uid: 'ecr-lens-critical-in-use',
    title: 'CRITICAL vulnerabilities in running images',
    expr: 'max by (registry_id, region, repository_name) (ecrlens_repository_critical_images_in_use)',
    threshold: 0,
    for: '10m',
    severity: 'critical',
    summary: '{{ $labels.repository_name }} runs {{ $values.B.Value }} image(s) with CRITICAL findings',
    description:
      'Repository {{ $labels.repository_name }} ({{ $labels.registry_id }}, {{ $labels.region }}) has images with CRITICAL findings that ECS runs or deploys.',
    dashboardUid: VULNERABILITIES_UID,
    noDataState: 'OK',
  },
  {
    uid: 'ecr-lens-storage-over-threshold',
    title: 'Repository storage over threshold',
    // The ratio of billed size to the repository's threshold: the Prometheus recording rules give the
    // threshold, 100 GiB unless the repository tag ecrlens:storage-threshold-bytes overrides it.
    expr: 'ecrlens:repository_storage_bytes / on (registry_id, region, repository_name) ecrlens:repository_storage_threshold_bytes',
    threshold: 1,
    for: '1h',
    severity: 'warning',
    summary: '{{ $labels.repository_name }} stores {{ humanizePercentage $values.B.Value }} of its storage threshold',
    description:
      'The deduplicated (billed) size of {{ $labels.repository_name }} in {{ $labels.region }} is over its threshold (repository tag ecrlens:storage-threshold-bytes, else 100 GiB). Review its cleanup plan.',
    dashboardUid: COST_UID,
    noDataState: 'OK',
  },
  {
    uid: 'ecr-lens-image-quota',
    title: 'Images per repository near the quota',
    expr: 'max by (registry_id, region, repository_name) (ecrlens_repository_images_quota_ratio)',
    threshold: QUOTA_RATIO_THRESHOLD,
    for: '30m',
    severity: 'warning',
    summary:
      '{{ $labels.repository_name }} is at {{ humanizePercentage $values.B.Value }} of its images-per-repository quota',
    description: 'Pushes to {{ $labels.repository_name }} fail once the quota is reached. Clean up or raise the quota.',
    dashboardUid: CLEANUP_UID,
    noDataState: 'OK',
  },
  {
    uid: 'ecr-lens-inventory-stale',
    title: 'ECR inventory stale',
    expr: 'max(ecrlens_inventory_stale)',
    threshold: 0,
    for: '10m',
    severity: 'warning',
    summary: 'The ECR Lens sidecar serves a stale inventory',
    description:
      'The last successful refresh is too old; dashboards show old data. Check the sidecar logs and AWS access.',
    dashboardUid: OVERVIEW_UID,
    // No series at all means Prometheus no longer scrapes the sidecar: that is an alert too.
    noDataState: 'Alerting',
  },
  {
    uid: 'ecr-lens-refresh-failing',
    title: 'ECR inventory refreshes failing',
    expr: 'sum(increase(ecr_scrape_errors_total[1h]))',
    threshold: FAILED_REFRESHES_PER_HOUR - 1,
    for: '0s',
    severity: 'warning',
    summary: 'ECR Lens inventory refreshes failed {{ humanize $values.B.Value }} time(s) in the last hour',
    description: 'Refreshes of the ECR/ECS inventory keep failing; the sidecar keeps serving its last good snapshot.',
    dashboardUid: OVERVIEW_UID,
    noDataState: 'Alerting',
  },
];

function ruleBuilder(spec: RuleSpec): alerting.RuleBuilder {
  const query = new prometheus.DataqueryBuilder()
    .datasource(PROVISIONED_PROMETHEUS)
    .expr(spec.expr)
    .instant()
    .intervalMs(60_000)
    .maxDataPoints(43_200)
    .refId('A');
  const reduce = new expr.TypeReduceBuilder().datasource(EXPR).expression('A').reducer('last').refId('B');
  const threshold = new expr.TypeThresholdBuilder()
    .datasource(EXPR)
    .expression('B')
    .conditions([{ evaluator: { type: 'gt', params: [spec.threshold] } }])
    .refId('C');
  return new alerting.RuleBuilder(spec.title)
    .uid(spec.uid)
    .condition('C')
    .withQuery(
      new alerting.QueryBuilder('A').datasourceUid(PROMETHEUS_UID).relativeTimeRange({ from: 600, to: 0 }).model(query),
    )
    .withQuery(new alerting.QueryBuilder('B').datasourceUid('__expr__').model(reduce))
    .withQuery(new alerting.QueryBuilder('C').datasourceUid('__expr__').model(threshold))
    .forDuration(spec.for)
    .noDataState(spec.noDataState)
    .execErrState('Error')
    .labels({ severity: spec.severity, service: 'ecr-lens' })
    .annotations({
      summary: spec.summary,
      description: spec.description,
      __dashboardUid__: spec.dashboardUid,
    });
}

/** provisioning/alerting/rules.yaml */
export function alertRulesFile(): Record<string, unknown> {
  const rules = RULES.map((spec) => {
    // The file format takes the group's folder and name from the group, not from each rule.
    const { folderUID: _f, orgID: _o, ruleGroup: _g, ...rule } = ruleBuilder(spec).build();
    return rule;
  });
  return {
    apiVersion: 1,
    groups: [{ orgId: 1, name: 'ecr-lens', folder: ALERT_FOLDER, interval: '1m', rules }],
  };
}

/** provisioning/alerting/contact-points.yaml: Slack by webhook and email; values come from the environment. */
export function contactPointsFile(): Record<string, unknown> {
  const receivers = [
    new alerting.ContactPointBuilder()
      .uid('ecr-lens-slack')
      .name(CONTACT_POINT)
      .type('slack')
      .settings({ url: '$SLACK_WEBHOOK_URL', username: 'ECR Lens' }),
    new alerting.ContactPointBuilder()
      .uid('ecr-lens-email')
      .name(CONTACT_POINT)
      .type('email')
      .settings({ addresses: '$ALERT_EMAIL_ADDRESSES', singleEmail: true }),
  ].map((builder) => {
    const { name: _n, ...receiver } = builder.build();
    return { disableResolveMessage: false, ...receiver };
  });
  return { apiVersion: 1, contactPoints: [{ orgId: 1, name: CONTACT_POINT, receivers }] };
}

/** provisioning/alerting/policies.yaml: everything to the ECR Lens contact point; critical repeats sooner. */
export function policiesFile(): Record<string, unknown> {
  const policy = new alerting.NotificationPolicyBuilder()
    .receiver(CONTACT_POINT)
    .groupBy(['grafana_folder', 'alertname'])
    .groupWait('30s')
    .groupInterval('5m')
    .repeatInterval('12h')
    .routes([
      new alerting.NotificationPolicyBuilder()
        .receiver(CONTACT_POINT)
        .objectMatchers([['severity', '=', 'critical']])
        .groupBy(['grafana_folder', 'alertname', 'repository_name'])
        .groupWait('10s')
        .repeatInterval('4h'),
    ])
    .build();
  return { apiVersion: 1, policies: [{ orgId: 1, ...policy }] };
}
