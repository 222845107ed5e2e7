import { dateTime, type TestDataSourceResponse } from '@grafana/data';

import type { SidecarError } from './api';
import type { Incomplete, InventoryStatus } from '@ecr-lens/contract';

const MAX_LISTED = 3;

function describeIncomplete(i: Incomplete): string {
  const where = [i.target, i.accountId && i.region ? `${i.accountId}/${i.region}` : i.region]
    .filter(Boolean)
    .join(' in ');
  const what = [i.operation, i.error].filter(Boolean).join(': ');
  return [where, what].filter(Boolean).join(': ') || 'unknown part';
}

/** Plain-words health of a reachable sidecar that accepted the token. `now` is injected for tests. */
export function describeStatus(status: InventoryStatus, now: number): TestDataSourceResponse {
  const sentences = ['The sidecar is reachable and accepted the API token.'];
  let level: 'success' | 'warning' | 'error' = 'success';
  const warn = () => (level = level === 'error' ? 'error' : 'warning');

  if (!status.ready) {
    sentences.push('Its first inventory refresh has not finished yet, so queries cannot answer until it does.');
    warn();
  }
  if (typeof status.lastSuccessAt === 'number') {
    sentences.push(`Inventory refreshed ${dateTime(status.lastSuccessAt).from(dateTime(now))}.`);
  }
  if (status.stale) {
    sentences.push('The inventory is stale: queries answer from an older snapshot until a refresh succeeds.');
    warn();
  }
  if (status.lastError) {
    sentences.push(`The last refresh failed with an AWS error: ${status.lastError}`);
    warn();
  }
  const incomplete = status.incomplete;
  if (incomplete.length > 0) {
    const listed = incomplete.slice(0, MAX_LISTED).map(describeIncomplete).join('; ');
    const more = incomplete.length > MAX_LISTED ? ` and ${incomplete.length - MAX_LISTED} more` : '';
    sentences.push(`Part of the inventory could not be read (${incomplete.length}): ${listed}${more}.`);
    warn();
  }
  return {
    status: level,
    message: sentences.join(' '),
    details: incomplete.length > 0 ? { verboseMessage: incomplete.map(describeIncomplete).join('\n') } : undefined,
  };
}

/** Plain-words health when the status call failed. */
export function describeFailure(err: SidecarError, sidecarUrl: string | undefined): TestDataSourceResponse {
  const target = sidecarUrl ? ` at ${sidecarUrl}` : '';
  if (err.unauthorized) {
    return {
      status: 'error',
      message:
        "The sidecar rejected the API token. The sidecar is reachable; set the token to the sidecar's SIDECAR_API_TOKEN and save.",
    };
  }
  if (err.unreachable) {
    return {
      status: 'error',
      message: `The sidecar could not be reached${target}. Check the sidecar URL and that the sidecar is running. (${err.message})`,
    };
  }
  if (err.status === 404) {
    return {
      status: 'error',
      message: `Something answered${target}, but not an ECR Lens sidecar: /api/v1/status was not found.`,
    };
  }
  return { status: 'error', message: `The sidecar answered with an error: ${err.message}` };
}
