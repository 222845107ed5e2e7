import { DASHBOARD_UIDS } from '@ecr-lens/contract';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, executedCleanupAnnotations, prom, scoped, SCOPE } from './common.js';
import { ECR_LENS } from './datasources.js';
import { EcrAnnotationQueryBuilder, EcrQueryBuilder } from './ecrQuery.js';
import { badFrom, ecrTable, neutral, promSeries, promStat, thresholds } from './panels.js';

export const OVERVIEW_UID = DASHBOARD_UIDS.overview;

/** Image pushes from the sidecar, marked on every time series. */
export const pushAnnotations = (): dashboard.AnnotationQueryBuilder =>
  new dashboard.AnnotationQueryBuilder()
    .name('Image pushes')
    .datasource(ECR_LENS)
    .enable(true)
    .iconColor('blue')
    .target(new EcrAnnotationQueryBuilder('push', SCOPE));

// One declaration, row by row and panel by panel as the dashboard shows them: long, and best read whole.
export function overviewDashboard(): dashboard.Dashboard {
  return baseDashboard(
    OVERVIEW_UID,
    'ECR Lens / Overview',
    'What the ECR registries hold, how it grew, and how fresh the inventory is.',
  )
    .annotation(pushAnnotations())
    .annotation(executedCleanupAnnotations())
    .withRow(new dashboard.RowBuilder('Inventory'))
    .withPanel(
      promStat('Repositories', 'Repositories in scope.', `count(${scoped('ecrlens_repository_size_bytes')})`, 'short', {
        thresholds: neutral(),
        trend: true,
      }),
    )
    .withPanel(
      promStat(
        'Images',
        'Images in scope, every kind, tagged or not.',
        `sum(${scoped('ecrlens_repository_images')})`,
        'short',
        { thresholds: neutral(), trend: true },
      ),
    )
    .withPanel(
      promStat(
        'Stored (deduplicated)',
        'Bytes stored once per repository: layers shared between images count once.',
        `sum(${scoped('ecrlens_repository_deduplicated_size_bytes')})`,
        'bytes',
        { thresholds: neutral(), trend: true },
      ),
    )
    .withPanel(
      promStat(
        'Monthly storage cost',
        'Deduplicated storage priced per GB-month by region.',
        `sum(${scoped('ecrlens_repository_monthly_cost_usd')})`,
        'currencyUSD',
        { thresholds: neutral(), trend: true },
      ),
    )
    .withPanel(
      promStat(
        'Inventory age',
        'Time since the last successful refresh of the inventory.',
        'time() - max(ecrlens_inventory_last_success_timestamp_seconds)',
        's',
        { thresholds: thresholds(3600, 7200) },
      ),
    )
    .withPanel(
      promStat(
        'Inventory state',
        'Whether the sidecar serves a stale snapshot.',
        'max(ecrlens_inventory_stale)',
        'none',
        {
          thresholds: badFrom(1),
        },
      ).mappings([
        {
          type: dashboard.MappingType.ValueToText,
          options: { '0': { text: 'Fresh', color: 'green', index: 0 }, '1': { text: 'Stale', color: 'red', index: 1 } },
        },
      ]),
    )
    .withRow(new dashboard.RowBuilder('Growth'))
    .withPanel(
      promSeries('Images by repository', 'Image count per repository over time (top 10).', 'short', [
        prom(`topk(10, sum by (repository_name) (${scoped('ecrlens_repository_images')}))`, '{{repository_name}}'),
      ]),
    )
    .withPanel(
      promSeries('Storage', 'Summed against deduplicated bytes over time.', 'bytes', [
        prom(`sum(${scoped('ecrlens_repository_size_bytes')})`, 'summed', 'A'),
        prom(`sum(${scoped('ecrlens_repository_deduplicated_size_bytes')})`, 'deduplicated', 'B'),
      ]),
    )
    .withPanel(
      promSeries('Refreshes and AWS calls', 'Refresh errors and AWS API calls per second, by operation.', 'short', [
        prom('sum(increase(ecr_scrape_errors_total[$__rate_interval]))', 'refresh errors', 'A'),
        prom('sum by (operation) (rate(ecrlens_aws_api_calls_total[$__rate_interval]))', '{{operation}}', 'B'),
      ]).span(24),
    )
    .withRow(new dashboard.RowBuilder('Repositories'))
    .withPanel(
      ecrTable(
        'Repositories',
        'Every repository in scope with its settings, image counts, sizes and cost.',
        new EcrQueryBuilder('repositories', SCOPE),
      ),
    )
    .withPanel(
      ecrTable(
        'Images',
        'The images of the repositories in scope, newest push first. Click a repository in the table above for its images, and a digest for its findings.',
        new EcrQueryBuilder('images', SCOPE).sort('pushedAt', 'desc').limit(200),
      ),
    )
    .withPanel(
      ecrTable(
        'Images in use',
        'Images that ECS runs or deploys, with where they are used.',
        new EcrQueryBuilder('usage', SCOPE),
      ),
    )
    .build();
}
