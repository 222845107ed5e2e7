import React, { useEffect, useState } from 'react';
import { dateTime } from '@grafana/data';
import type { CleanupSources } from '@ecr-lens/contract';
import { Alert, Badge, Stack, Text, useStyles2 } from '@grafana/ui';

import type { AppClient } from '../client';
import { Loading } from './Loading';
import { tableStyles } from './styles';

const ago = (iso: string) => dateTime(iso).fromNow();

/** Per registry: which in-use sources cover it, how fresh they are, and what the plan is blind to. */
export function SourcesPage({ client }: { client: AppClient }) {
  const styles = useStyles2(tableStyles);
  const [sources, setSources] = useState<CleanupSources>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    client.sources().then(setSources, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [client]);

  if (error || !sources) {
    return <Loading what="the sources" error={error} />;
  }
  return (
    <Stack direction="column" gap={2}>
      {sources.notSources.length > 0 && (
        <Alert severity="warning" title="In-use sources not read">
          <ul>
            {sources.notSources.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        </Alert>
      )}
      {sources.notices.length > 0 && (
        <Alert severity="info" title="What the plan cannot see">
          <ul>
            {sources.notices.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </Alert>
      )}
      <table className={styles.table} aria-label="Registries">
        <thead>
          <tr>
            <th>Registry</th>
            <th>Repositories</th>
            <th>Coverage</th>
            <th>Sources</th>
            <th>Failures</th>
            <th>Blocked repositories</th>
          </tr>
        </thead>
        <tbody>
          {sources.registries.map((r) => {
            const key = `${r.account}/${r.region}`;
            return (
              <tr key={key} data-registry={key}>
                <td>{key}</td>
                <td>{r.repositories}</td>
                <td>
                  {r.blind ? (
                    <Badge
                      text="blind"
                      color="red"
                      tooltip="Nothing watches what runs from it: its repositories with a rule are blocked."
                    />
                  ) : r.watched ? (
                    <Badge text="watched" color="green" />
                  ) : (
                    <Badge text="declared: nothing runs" color="blue" />
                  )}
                </td>
                <td>
                  <ul className={styles.reasons}>
                    {r.sources.map((s) => (
                      <li key={`${s.source}:${s.description}`}>
                        <Text weight="medium">{s.source}</Text> {s.description}: read {ago(s.readAt)}
                        {s.watchedSince ? `, watched since ${ago(s.watchedSince)}` : ''}
                        {s.notices.map((n) => (
                          <div key={n}>
                            <Text color="warning">{n}</Text>
                          </div>
                        ))}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  {r.failures.map((f) => [f.target, f.operation, f.error].filter(Boolean).join(': ')).join('; ') || '—'}
                </td>
                <td>{r.blockedRepositories}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Stack>
  );
}
