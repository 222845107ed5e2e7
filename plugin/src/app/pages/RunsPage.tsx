import React, { useCallback, useEffect, useState } from 'react';
import { DASHBOARD_UIDS, type CleanupRun, type CleanupRunsPage } from '@ecr-lens/contract';
import { Badge, Button, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';

import type { AppClient } from '../client';
import { formatBytes, formatTime } from '../format';
import { Loading } from './Loading';
import { tableStyles } from './styles';

const OUTCOME_COLOUR: Record<CleanupRun['outcome'], 'green' | 'blue' | 'orange' | 'red' | 'purple'> = {
  succeeded: 'green',
  dry_run: 'blue',
  partial: 'orange',
  failed: 'red',
  aborted: 'red',
  audit_failed: 'red',
  refused: 'purple',
  unfinished: 'orange',
};
// The annotation is shown on the Cleanup dashboard; open it around the run.
const MARGIN_MS = 30 * 60 * 1000;

/** The Cleanup dashboard around a run's time, where the run's annotation marks the storage panels. */
export function annotationHref(run: CleanupRun): string {
  const start = Date.parse(run.startedAt);
  const end = run.finishedAt ? Date.parse(run.finishedAt) : start;
  return `/d/${DASHBOARD_UIDS.cleanup}?from=${start - MARGIN_MS}&to=${end + MARGIN_MS}`;
}

/** Every execution from the audit, newest first: who, when, what, the outcome and the bytes freed. */
export function RunsPage({ client }: { client: AppClient }) {
  const styles = useStyles2(tableStyles);
  const [runs, setRuns] = useState<CleanupRun[]>();
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string>();

  const show = useCallback((page: CleanupRunsPage, older: boolean) => {
    setRuns((prev) => (older ? [...(prev ?? []), ...page.runs] : page.runs));
    setNext(page.next);
  }, []);
  const failed = (err: unknown) => setError(err instanceof Error ? err.message : String(err));

  useEffect(() => {
    client.runs().then(
      (page) => show(page, false),
      (err: unknown) => setError(err instanceof Error ? err.message : String(err))
    );
  }, [client, show]);

  if (error || !runs) {
    return <Loading what="the runs" error={error} />;
  }
  if (runs.length === 0) {
    return <Text color="secondary">No cleanup has been executed or previewed yet.</Text>;
  }
  return (
    <Stack direction="column" gap={1}>
      <table className={styles.table} aria-label="Runs">
        <thead>
          <tr>
            <th>Started</th>
            <th>Who</th>
            <th>Kind</th>
            <th>Outcome</th>
            <th>Deleted</th>
            <th>Approved</th>
            <th>Freed</th>
            <th>Repositories</th>
            <th>Annotation</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.runId} data-run={run.runId}>
              <td title={run.runId}>{formatTime(run.startedAt)}</td>
              <td>{run.user ?? run.remoteAddress ?? 'unknown'}</td>
              <td>{run.dryRun ? 'dry run' : 'deletion'}</td>
              <td>
                <Badge text={run.outcome} color={OUTCOME_COLOUR[run.outcome]} />
                {run.reason && <div>{run.reason}</div>}
              </td>
              <td>
                {run.deleted}
                {run.failures > 0 ? ` (${run.failures} failed)` : ''}
                {run.deferred ? ` (${run.deferred} deferred)` : ''}
              </td>
              <td>{run.approved ?? 'whole scope'}</td>
              <td>{run.dryRun ? `${formatBytes(run.bytes)} (dry run)` : formatBytes(run.bytes)}</td>
              <td>{run.repositories.join(', ')}</td>
              <td>
                {run.grafanaAnnotationId !== null ? (
                  <TextLink href={annotationHref(run)}>{`annotation ${run.grafanaAnnotationId}`}</TextLink>
                ) : (
                  <Text color="secondary">{run.grafana ?? '—'}</Text>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next !== null && (
        <div>
          <Button variant="secondary" onClick={() => client.runs(next).then((page) => show(page, true), failed)}>
            Older runs
          </Button>
        </div>
      )}
    </Stack>
  );
}
