import React from 'react';
import { Alert, LoadingPlaceholder } from '@grafana/ui';

/** What a page shows before its data came: why it could not be loaded, or that it is loading. */
export function Loading({ what, error }: { what: string; error: string | undefined }) {
  return error ? (
    <Alert severity="error" title={`${what[0]!.toUpperCase()}${what.slice(1)} could not be loaded`}>
      {error}
    </Alert>
  ) : (
    <LoadingPlaceholder text={`Loading ${what}…`} />
  );
}
