import React from 'react';
import type { CleanupConflict } from '@ecr-lens/contract';
import { Alert, Badge, Button, Stack, Text, useStyles2 } from '@grafana/ui';

import { shortDigest } from '../format';
import { repositoryKey } from '../plan/selection';
import { Reasons } from './Reasons';
import { tableStyles } from './styles';

const DECISION_COLOUR = { delete: 'orange', keep: 'green', blocked: 'red', gone: 'purple' } as const;

/** A 409 from an execution: the plan changed since it was reviewed. What it decides now for the approved images. */
export function ConflictDiff({ conflict, onReview }: { conflict: CleanupConflict; onReview: () => void }) {
  const styles = useStyles2(tableStyles);
  const changed = conflict.selection?.changed ?? [];
  return (
    <Alert severity="warning" title="The plan changed since you reviewed it: nothing was deleted">
      <Stack direction="column" gap={1}>
        <Text>{conflict.message}</Text>
        <Text>
          The plan you approved was {conflict.planId?.slice(0, 12) ?? 'unknown'}; it is now{' '}
          {conflict.currentPlanId?.slice(0, 12) ?? 'unknown'}.
        </Text>
        {conflict.selection && (
          <Text data-testid="conflict-unchanged">
            {conflict.selection.unchanged} approved images are still planned for deletion; {changed.length} are not.
          </Text>
        )}
        {changed.length > 0 && (
          <table className={styles.table} aria-label="Changed approvals">
            <thead>
              <tr>
                <th>Repository</th>
                <th>Digest</th>
                <th>Now</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {changed.map((c) => (
                <tr key={`${repositoryKey(c)}@${c.digest}`} data-digest={c.digest}>
                  <td>{repositoryKey(c)}</td>
                  <td title={c.digest}>{shortDigest(c.digest)}</td>
                  <td>
                    <Badge text={c.decision} color={DECISION_COLOUR[c.decision]} />
                  </td>
                  <td>
                    <Reasons
                      reasons={c.reasons}
                      fallback={c.decision === 'gone' ? 'No longer in the registry.' : undefined}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div>
          <Button variant="primary" onClick={onReview}>
            Review the new plan
          </Button>
        </div>
      </Stack>
    </Alert>
  );
}
