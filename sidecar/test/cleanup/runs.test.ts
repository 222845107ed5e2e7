/**
 * A run's row for the Runs page, from its first audit entry and its end: real, dry, refused and unfinished
 * runs, and entries with fields missing or of the wrong type (an older version's, or a crash's).
 */
import { CleanupRun } from '@ecr-lens/contract';
import { describe, expect, it } from 'vitest';
import { runSummary } from '../../src/cleanup/execute/runs.js';
import type { AuditEntry, AuditEvent } from '../../src/store/types.js';

const WHO = { tokenFingerprint: '5d41402abc4b', remoteAddress: '10.0.0.7', via: '172.30.0.2', user: 'alice' };
const entry = (event: AuditEvent, at: string, extra: Record<string, unknown> = {}): AuditEntry => ({ event, runId: 'run-1', at, who: WHO, ...extra });
const A = '111111111111/us-east-1/api';
const W = '111111111111/us-east-1/worker';

describe('runSummary', () => {
  it('tells a real run: who, when, what, the outcome, the bytes and the annotation', () => {
    const row = runSummary({
      head: { seq: 4, entry: entry('cleanup.started', '2025-01-01T10:00:00.000Z', { planId: 'p'.repeat(64), dryRun: false, candidates: 3, approved: 3, digests: [`${A}@sha256:1`, `${A}@sha256:2`, `${W}@sha256:3`] }) },
      end: {
        seq: 9,
        entry: entry('cleanup.finished', '2025-01-01T10:00:05.000Z', {
          outcome: 'partial',
          deleted: [`${W}@sha256:3`, `${A}@sha256:1`],
          failures: [{ image: `${A}@sha256:2`, code: 'ImageNotFound', reason: 'gone' }],
          bytes: 123,
          deferred: 0,
          grafana: 'posted',
          grafanaAnnotationId: 42,
        }),
      },
    });
    expect(CleanupRun.parse(row)).toEqual(row);
    expect(row).toEqual({
      runId: 'run-1',
      seq: 4,
      planId: 'p'.repeat(64),
      dryRun: false,
      outcome: 'partial',
      user: 'alice',
      tokenFingerprint: '5d41402abc4b',
      remoteAddress: '10.0.0.7',
      startedAt: '2025-01-01T10:00:00.000Z',
      finishedAt: '2025-01-01T10:00:05.000Z',
      candidates: 3,
      approved: 3,
      deleted: 2,
      failures: 1,
      bytes: 123,
      deferred: 0,
      repositories: [W, A],
      reason: null,
      grafana: 'posted',
      grafanaAnnotationId: 42,
    });
  });

  it('tells a refusal by its reason, and a run with no end as unfinished, with the repositories it set out to clean', () => {
    const refused = runSummary({ head: { seq: 1, entry: entry('cleanup.refused', '2025-01-01T10:00:00.000Z', { planId: 'p1', dryRun: false, reason: 'plan id no longer matches' }) } });
    expect(refused).toMatchObject({ outcome: 'refused', reason: 'plan id no longer matches', finishedAt: '2025-01-01T10:00:00.000Z', candidates: 0, deleted: 0, repositories: [] });
    const open = runSummary({ head: { seq: 2, entry: entry('cleanup.started', '2025-01-01T11:00:00.000Z', { dryRun: false, candidates: 2, digests: [`${A}@sha256:1`, `${A}@sha256:2`] }) } });
    expect(open).toMatchObject({ outcome: 'unfinished', finishedAt: null, candidates: 2, approved: null, deleted: 0, repositories: [A], grafanaAnnotationId: null });
  });

  it('reads what it can of damaged entries, and never throws', () => {
    const row = runSummary({
      head: { seq: 3, entry: { event: 'cleanup.started', runId: 'run-9', at: 7, who: 'nobody', candidates: -1, digests: 'x', dryRun: 'yes' } as unknown as AuditEntry },
      end: { seq: 5, entry: { event: 'cleanup.finished', runId: 'run-9', at: '2025-01-01T12:00:00.000Z', outcome: 'exploded', deleted: [1], bytes: 'lots', grafanaAnnotationId: 'x' } as unknown as AuditEntry },
    });
    expect(CleanupRun.parse(row)).toEqual(row);
    expect(row).toMatchObject({ runId: 'run-9', outcome: 'unfinished', dryRun: false, user: null, startedAt: '', candidates: null, deleted: 0, bytes: 0, repositories: [], grafanaAnnotationId: null });
  });
});
