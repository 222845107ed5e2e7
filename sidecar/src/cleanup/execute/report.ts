/**
 * The end of a cleanup run: its outcome counted, announced in Grafana, reported to the caller and
 * audited. Nothing here can undo a deletion, so failures to announce or audit are reported, not thrown.
 */
import prettyBytes from 'pretty-bytes';
import type { ExecuteDeps, ExecuteRequest, ExecutionReport } from './execute-types.js';
import type { BatchesOutcome } from './batches.js';
import { GRAFANA_TAGS } from './grafana.js';
import { iso, message } from './guard.js';
import type { Run } from './guard.js';
import type { CleanupPlan } from '../plan/planner.js';
import type { ExecutionOutcome } from '../service.js';

/** What the report covers besides the batches' outcome. */
export interface ReportInput {
  readonly plan: CleanupPlan;
  readonly started: number;
  /** Deletions the plan proposes in scope, before the budget. */
  readonly candidates: number;
  /** Deletions within the run's budget. */
  readonly budgeted: number;
}

function outcomeOf(request: ExecuteRequest, o: BatchesOutcome): ExecutionOutcome {
  if (request.dryRun) return 'dry_run';
  if (o.auditFailed) return 'audit_failed';
  if (o.stoppedBecause) return 'aborted';
  return o.failures.length === 0 ? 'succeeded' : o.deleted.length > 0 ? 'partial' : 'failed';
}

/** Posts the run's annotation to Grafana when one is configured; what happened, for the report. */
async function announce(
  deps: ExecuteDeps,
  request: ExecuteRequest,
  run: Run,
  text: string,
  time: number,
): Promise<{ readonly grafana: ExecutionReport['grafana']; readonly id?: number }> {
  const target = deps.service.config.execution.grafana;
  if (request.dryRun) return { grafana: 'skipped-dry-run' };
  if (!target || !deps.grafana) return { grafana: 'not-configured' };
  const posted = await deps.grafana(target, { time, text, tags: [...GRAFANA_TAGS] });
  if (posted.ok) return { grafana: 'posted', ...(posted.id !== undefined ? { id: posted.id } : {}) };
  deps.logger?.warn('grafana annotation failed', { runId: run.runId, error: posted.error });
  return { grafana: `failed: ${posted.error}` };
}

export async function reportRun(deps: ExecuteDeps, request: ExecuteRequest, run: Run, input: ReportInput, o: BatchesOutcome): Promise<ExecutionReport> {
  const { service } = deps;
  const { plan } = input;
  const outcome = outcomeOf(request, o);
  const deletedBytes = o.deleted.reduce((n, d) => n + (d.sizeBytes ?? 0), 0);
  service.record(outcome, request.dryRun ? 0 : o.deleted.length, request.dryRun ? 0 : deletedBytes, request.dryRun ? 0 : o.failures.length);

  const text =
    `ECR Lens cleanup ${outcome}: deleted ${o.deleted.length} images (${prettyBytes(deletedBytes, { binary: true })}) in ${new Set(o.deleted.map((d) => d.repository)).size} repositories` +
    `${o.failures.length ? `, ${o.failures.length} failures` : ''}${o.stoppedBecause ? `; stopped: ${o.stoppedBecause}` : ''}; plan ${plan.id.slice(0, 12)}, run ${run.runId}.`;
  const { grafana, id: annotationId } = await announce(deps, request, run, text, input.started);

  const report: ExecutionReport = {
    runId: run.runId,
    planId: plan.id,
    dryRun: request.dryRun,
    outcome,
    ...(o.stoppedBecause ? { stoppedBecause: o.stoppedBecause } : {}),
    startedAt: iso(input.started),
    finishedAt: iso(service.now()),
    candidates: input.candidates,
    deferred: input.candidates - input.budgeted + o.notReached,
    maxDeletionsPerRun: service.config.execution.maxDeletionsPerRun,
    deleted: o.deleted,
    failures: o.failures,
    deletedBytes,
    blockedRepositories: plan.repositories.filter((r) => r.status === 'blocked').map((r) => r.repository.id),
    usesChecks: o.usesChecks,
    grafana,
    ...(annotationId !== undefined ? { grafanaAnnotationId: annotationId } : {}),
  };
  await deps
    .audit({
      event: o.stoppedBecause ? 'cleanup.aborted' : 'cleanup.finished',
      at: report.finishedAt,
      ...run.base,
      outcome,
      ...(o.stoppedBecause ? { reason: o.stoppedBecause } : {}),
      deleted: o.deleted.map((d) => `${d.account}/${d.region}/${d.repository}@${d.digest}`),
      failures: o.failures.map((f) => ({ image: `${f.account}/${f.region}/${f.repository}@${f.digest}`, code: f.code, reason: f.reason })),
      bytes: deletedBytes,
      deferred: report.deferred,
      grafana,
      ...(annotationId !== undefined ? { grafanaAnnotationId: annotationId } : {}),
    })
    .catch((error: unknown) => deps.logger?.warn('cleanup audit write failed', { runId: run.runId, error: message(error) }));
  deps.logger?.info('cleanup run', { runId: run.runId, outcome, deleted: o.deleted.length, failures: o.failures.length, bytes: deletedBytes });
  return report;
}
