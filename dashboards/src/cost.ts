import { DASHBOARD_UIDS } from '@ecr-lens/contract';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { baseDashboard, executedCleanupAnnotations, prom, scoped, SCOPE } from './common.js';
import { EcrQueryBuilder } from './ecrQuery.js';
import { ecrTable, neutral, promBars, promSeries, promStat } from './panels.js';

export const COST_UID = DASHBOARD_UIDS.cost;

// One declaration, row by row and panel by panel as the dashboard shows them: long, and best read whole.
export function costDashboard(): dashboard.Dashboard {
  return baseDashboard(COST_UID, 'ECR Lens / Cost', 'What ECR storage costs, where, and what cleanup would save.')
    .annotation(executedCleanupAnnotations())
    .withRow(new dashboard.RowBuilder('Now'))
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
        'Summed size',
        'The sum of every image size, as the ECR console adds it up.',
        `sum(${scoped('ecrlens_repository_size_bytes')})`,
        'bytes',
        { thresholds: neutral(), trend: true },
      ),
    )
    .withPanel(
      promStat(
        'Deduplicated size',
        'Each layer counted once per repository: what ECR bills.',
        `sum(${scoped('ecrlens_repository_deduplicated_size_bytes')})`,
        'bytes',
        { thresholds: neutral(), trend: true },
      ),
    )
    .withPanel(
      promStat(
        'Sharing saves',
        'How much smaller the deduplicated size is than the summed size.',
        `1 - sum(${scoped('ecrlens_repository_deduplicated_size_bytes')}) / sum(${scoped('ecrlens_repository_size_bytes')})`,
        'percentunit',
        { thresholds: neutral() },
      ),
    )
    .withPanel(
      promStat(
        'Cleanup would reclaim',
        'Deduplicated bytes the cleanup plan would free.',
        `sum(${scoped('ecrlens_repository_reclaimable_bytes')})`,
        'bytes',
        { thresholds: neutral(), trend: true },
      ),
    )
    .withPanel(
      promStat(
        'Images cleanup would delete',
        'Images the cleanup plan marks for deletion.',
        `sum(${scoped('ecrlens_repository_reclaimable_images')})`,
        'short',
        { thresholds: neutral(), trend: true },
      ),
    )
    .withRow(new dashboard.RowBuilder('Per repository'))
    .withPanel(
      ecrTable(
        'Cost per repository',
        'Summed and deduplicated size, monthly cost, and what cleanup would reclaim, most expensive first.',
        new EcrQueryBuilder('cost', SCOPE).sort('monthlyCostUsd', 'desc'),
      ),
    )
    .withPanel(
      promBars(
        'Top 10 repositories by monthly cost',
        'The most expensive repositories in scope.',
        `topk(10, sum by (repository_name) (${scoped('ecrlens_repository_monthly_cost_usd')}))`,
        'currencyUSD',
      ),
    )
    .withPanel(
      promBars(
        'Cleanup would reclaim, by repository',
        'Deduplicated bytes the cleanup plan would free (top 10).',
        `topk(10, sum by (repository_name) (${scoped('ecrlens_repository_reclaimable_bytes')}))`,
        'bytes',
      ),
    )
    .withRow(new dashboard.RowBuilder('Trend'))
    .withPanel(
      promSeries('Monthly cost trend', 'Total monthly cost and the five most expensive repositories.', 'currencyUSD', [
        prom(`sum(${scoped('ecrlens_repository_monthly_cost_usd')})`, 'total', 'A'),
        prom(
          `topk(5, sum by (repository_name) (${scoped('ecrlens_repository_monthly_cost_usd')}))`,
          '{{repository_name}}',
          'B',
        ),
      ]),
    )
    .withPanel(
      promSeries('Deduplicated against summed size', 'Both sizes over time.', 'bytes', [
        prom(`sum(${scoped('ecrlens_repository_size_bytes')})`, 'summed', 'A'),
        prom(`sum(${scoped('ecrlens_repository_deduplicated_size_bytes')})`, 'deduplicated', 'B'),
      ]),
    )
    .build();
}
