import { DASHBOARD_UIDS, SEVERITY_COLOURS } from '@ecr-lens/contract';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { baseDashboard, prom, scoped, SCOPE } from './common.js';
import { EcrQueryBuilder } from './ecrQuery.js';
import { badFrom, ecrTable, promSeries, promStat, thresholds } from './panels.js';

export const VULNERABILITIES_UID = DASHBOARD_UIDS.vulnerabilities;

/** Free text, filled in by the plugin's drill-down link on a digest: the image whose findings the last panel lists. */
export const digestVariable = (): dashboard.TextBoxVariableBuilder =>
  new dashboard.TextBoxVariableBuilder('digest')
    .label('Image digest')
    .defaultValue('')
    .description('sha256 digest of one image; click a digest in a table to fill it in.');

/** Each severity's series in its colour (the plugin colours severity cells the same way). */
function severityColours(panel: timeseries.PanelBuilder): timeseries.PanelBuilder {
  for (const [severity, color] of Object.entries(SEVERITY_COLOURS)) {
    panel.overrideByName(severity, [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }]);
  }
  return panel;
}

// One declaration, row by row and panel by panel as the dashboard shows them: long, and best read whole.
export function vulnerabilitiesDashboard(): dashboard.Dashboard {
  return baseDashboard(
    VULNERABILITIES_UID,
    'ECR Lens / Vulnerabilities',
    'Scan findings by severity, vulnerable images that run, and what was never scanned.',
  )
    .withVariable(digestVariable())
    .withRow(new dashboard.RowBuilder('Severity'))
    .withPanel(
      promStat(
        'CRITICAL images in use',
        'Images with CRITICAL findings that ECS runs or deploys.',
        `sum(${scoped('ecrlens_repository_critical_images_in_use')})`,
        'short',
        { thresholds: badFrom(1, 'dark-red') },
      ),
    )
    .withPanel(
      promStat(
        'CRITICAL findings',
        'CRITICAL findings across images in scope.',
        `sum(${scoped('ecrlens_repository_vulnerability_findings', 'severity="CRITICAL"')})`,
        'short',
        { thresholds: badFrom(1, 'dark-red') },
      ),
    )
    .withPanel(
      promStat(
        'HIGH findings',
        'HIGH findings across images in scope.',
        `sum(${scoped('ecrlens_repository_vulnerability_findings', 'severity="HIGH"')})`,
        'short',
        { thresholds: thresholds(1, 50) },
      ),
    )
    .withPanel(
      severityColours(
        promSeries('Findings by severity', 'Findings over time, by severity.', 'short', [
          prom(`sum by (severity) (${scoped('ecrlens_repository_vulnerability_findings')})`, '{{severity}}'),
        ]).span(12),
      ),
    )
    .withPanel(
      ecrTable(
        'Severity counts by repository',
        'Findings per severity for each repository, with images scanned and not scanned.',
        new EcrQueryBuilder('severity', SCOPE),
      )
        .span(12)
        .height(8),
    )
    .withRow(new dashboard.RowBuilder('Images'))
    .withPanel(
      ecrTable(
        'CRITICAL and HIGH images in use',
        'Images with HIGH or CRITICAL findings that ECS runs or deploys. Click a digest for its findings.',
        new EcrQueryBuilder('images', { ...SCOPE, minSeverity: 'HIGH', inUse: true }),
      ),
    )
    .withPanel(
      ecrTable(
        'Never scanned, or under enhanced scanning',
        'Images with no scan at all, and images that Inspector scans continuously (enhanced scanning).',
        new EcrQueryBuilder('images', { ...SCOPE, scanState: ['not_scanned', 'active'] }),
      ),
    )
    .withPanel(
      ecrTable(
        'Findings of the selected image',
        'Every finding of the image in the digest variable, most severe first. Click a digest in a table above to choose one.',
        new EcrQueryBuilder('findings', { ...SCOPE, digest: '$digest' }),
      ),
    )
    .build();
}
