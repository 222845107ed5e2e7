import { APP_PAGES, DASHBOARD_UIDS, FIELD_TITLES, type AnyFieldName } from '@ecr-lens/contract';
import * as annotationslist from '@grafana/grafana-foundation-sdk/annotationslist';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { baseDashboard, executedCleanupAnnotations, prom, reduce, scoped, SCOPE } from './common.js';
import { CLEANUP_ANNOTATION_TAGS, ECR_LENS } from './datasources.js';
import { EcrAnnotationQueryBuilder, EcrQueryBuilder } from './ecrQuery.js';
import { ecrTable, neutral, promSeries, promStat } from './panels.js';

export const CLEANUP_UID = DASHBOARD_UIDS.cleanup;

/** The cost frame's column of what the cleanup plan would save per month, summed by the savings panel. */
export const SAVINGS_FIELD = 'reclaimableMonthlyUsd' satisfies AnyFieldName;
/** Grafana matches a stat's fields by their display name, which the sidecar sets from the contract's titles. */
const SAVINGS_TITLE = FIELD_TITLES[SAVINGS_FIELD];

/** Cleanup candidates at their push time, and blocked repositories, from the sidecar's plan. */
export const cleanupCandidateAnnotations = (): dashboard.AnnotationQueryBuilder =>
  new dashboard.AnnotationQueryBuilder()
    .name('Cleanup candidates')
    .datasource(ECR_LENS)
    .enable(true)
    .iconColor('orange')
    .target(new EcrAnnotationQueryBuilder('cleanup', SCOPE));

/** The ECR Lens app's plan page, where the plan this dashboard shows is reviewed, approved and executed. */
export const reviewInAppLink = (): dashboard.DashboardLinkBuilder =>
  new dashboard.DashboardLinkBuilder('Review and approve in ECR Lens')
    .type(dashboard.DashboardLinkType.Link)
    .url(APP_PAGES.plan)
    .icon('external link')
    .tooltip('Approve part of the plan, preview it as a dry run and execute it (the role the app is set to)')
    .asDropdown(false)
    .targetBlank(false)
    .includeVars(false)
    .keepTime(false);

// One declaration, row by row and panel by panel as the dashboard shows them: long, and best read whole.
export function cleanupDashboard(): dashboard.Dashboard {
  return baseDashboard(
    CLEANUP_UID,
    'ECR Lens / Cleanup',
    'What the cleanup plan would delete and why, what it keeps, what ECR lifecycle policies would expire, and past cleanups.',
  )
    .link(reviewInAppLink())
    .annotation(cleanupCandidateAnnotations())
    .annotation(executedCleanupAnnotations())
    .withRow(new dashboard.RowBuilder('Savings'))
    .withPanel(
      promStat(
        'Reclaimable storage',
        'Deduplicated bytes that deleting the planned images would free.',
        `sum(${scoped('ecrlens_repository_reclaimable_bytes')})`,
        'bytes',
        { thresholds: neutral(), trend: true },
      ).span(8),
    )
    .withPanel(
      promStat(
        'Images to delete',
        'Images the plan marks for deletion.',
        `sum(${scoped('ecrlens_repository_reclaimable_images')})`,
        'short',
        { thresholds: neutral(), trend: true },
      ).span(8),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Monthly savings')
        .description('What the planned deletions would save per month, summed over the repositories in scope.')
        .datasource(ECR_LENS)
        .withTarget(new EcrQueryBuilder('cost', SCOPE).refId('A'))
        .reduceOptions(reduce('sum', `/^${SAVINGS_TITLE}$/`))
        .unit('currencyUSD')
        .thresholds(neutral())
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.Value)
        .height(4)
        .span(8),
    )
    .withRow(new dashboard.RowBuilder('Plan'))
    .withPanel(
      ecrTable(
        'Cleanup plan',
        'Every image with its decision (delete, keep or blocked), every reason, the reclaimable bytes and the monthly saving.',
        new EcrQueryBuilder('cleanup', SCOPE),
      ).height(12),
    )
    .withPanel(
      ecrTable(
        'Plan by repository',
        "Each repository's plan: ok, blocked (fail closed, with the reason, for example ECS usage that could not be read) or no-rule, and what it would delete and save. Blocked repositories first.",
        new EcrQueryBuilder('cleanup', { ...SCOPE, level: 'repository' }).sort('status', 'asc'),
      ).height(8),
    )
    .withPanel(
      ecrTable(
        'Lifecycle policy preview',
        "What each repository's ECR lifecycle policy would expire or archive, flagging images that are in use (ECR ignores ECS).",
        new EcrQueryBuilder('lifecycle', SCOPE),
      ),
    )
    .withRow(new dashboard.RowBuilder('History'))
    .withPanel(
      promSeries(
        'Storage, with cleanups',
        'Deduplicated storage and reclaimable bytes; annotations mark cleanup candidates and executed cleanups.',
        'bytes',
        [
          prom(`sum(${scoped('ecrlens_repository_deduplicated_size_bytes')})`, 'stored', 'A'),
          prom(`sum(${scoped('ecrlens_repository_reclaimable_bytes')})`, 'reclaimable', 'B'),
        ],
      ).span(16),
    )
    .withPanel(
      new annotationslist.PanelBuilder()
        .title('Executed cleanups')
        .description('Cleanups run through the sidecar, as Grafana annotations tagged ecr-lens and cleanup.')
        .tags([...CLEANUP_ANNOTATION_TAGS])
        .onlyFromThisDashboard(false)
        .onlyInTimeRange(false)
        .limit(20)
        .showUser(true)
        .showTime(true)
        .showTags(true)
        .height(8)
        .span(8),
    )
    .build();
}
