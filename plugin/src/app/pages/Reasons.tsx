import React from 'react';
import { useStyles2 } from '@grafana/ui';

import { tableStyles } from './styles';

/** The planner's reasons, one per line, as it worded them; `fallback` when it gave none. */
export function Reasons({
  reasons,
  fallback,
}: {
  reasons: ReadonlyArray<{ code: string; text: string }>;
  fallback?: string;
}) {
  const styles = useStyles2(tableStyles);
  return (
    <ul className={styles.reasons}>
      {reasons.length === 0 && fallback && <li>{fallback}</li>}
      {reasons.map((r) => (
        <li key={r.code + r.text}>{r.text}</li>
      ))}
    </ul>
  );
}
