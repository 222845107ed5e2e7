import React from 'react';
import type { CleanupExecuteReport } from '@ecr-lens/contract';
import { Alert, Stack, Text, useStyles2 } from '@grafana/ui';

import { formatBytes, shortDigest } from '../format';
import { repositoryKey } from '../plan/selection';
import { tableStyles } from './styles';

const SEVERITY = { succeeded: 'success', dry_run: 'info', partial: 'warning' } as const;

/** What an execution (or its dry run) did, image by image. */
export function ExecutionReport({ title, report }: { title: string; report: CleanupExecuteReport }) {
  const styles = useStyles2(tableStyles);
  const severity = SEVERITY[report.outcome as keyof typeof SEVERITY] ?? 'error';
  return (
    <Alert severity={severity} title={`${title}: ${report.outcome}`}>
      <Stack direction="column" gap={1}>
        <Text data-testid="report-summary">
          {report.deleted.length} images {report.dryRun ? 'would be deleted' : 'deleted'} (
          {formatBytes(report.deletedBytes)}
          ), {report.failures.length} failed, {report.deferred} deferred (at most {report.maxDeletionsPerRun} per run).
          Run {report.runId}.
        </Text>
        {report.stoppedBecause && <Text>Stopped: {report.stoppedBecause}</Text>}
        <table className={styles.table} aria-label={`${title} images`}>
          <thead>
            <tr>
              <th>Repository</th>
              <th>Digest</th>
              <th>Tags</th>
              <th>Size</th>
              <th>Result</th>
            </tr>
          </thead>
          <tbody>
            {report.deleted.map((d) => (
              <tr key={`${repositoryKey(d)}@${d.digest}`} data-digest={d.digest}>
                <td>{repositoryKey(d)}</td>
                <td title={d.digest}>{shortDigest(d.digest)}</td>
                <td>{d.tags.join(', ') || '—'}</td>
                <td>{formatBytes(d.sizeBytes)}</td>
                <td>{report.dryRun ? 'would be deleted' : 'deleted'}</td>
              </tr>
            ))}
            {report.failures.map((f) => (
              <tr key={`${repositoryKey(f)}@${f.digest}:failed`} data-digest={f.digest}>
                <td>{repositoryKey(f)}</td>
                <td title={f.digest}>{shortDigest(f.digest)}</td>
                <td>{f.tags.join(', ') || '—'}</td>
                <td>{formatBytes(f.sizeBytes)}</td>
                <td>
                  failed: {f.code} {f.reason}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Stack>
    </Alert>
  );
}
