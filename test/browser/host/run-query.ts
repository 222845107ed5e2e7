import type { DataQueryResponse, DataSourceApi, TimeRange } from '@grafana/data';
import { isObservable, lastValueFrom } from 'rxjs';

/** DataSource.query() as a dashboard panel calls it (1 m interval, UTC), its answer awaited whatever its form. */
export async function runQuery(
  ds: DataSourceApi,
  targets: unknown[],
  range: TimeRange,
  requestId: string,
): Promise<DataQueryResponse> {
  const response = ds.query({
    requestId,
    interval: '1m',
    intervalMs: 60_000,
    range,
    scopedVars: {},
    targets: targets as never,
    timezone: 'utc',
    app: 'dashboard',
    startTime: Date.now(),
  });
  return isObservable(response) ? lastValueFrom(response) : response;
}
