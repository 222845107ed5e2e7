/**
 * Real cleanup executions on the campaign's sidecar, each scoped to its own repositories: one that
 * succeeds, one whose audit fails right after a BatchDeleteImage call was sent (its outcome cannot be
 * written), and one whose audit fails before the next batch is sent. Each run's deletions, read from the
 * emulator, are compared with the audit the sidecar exports.
 */
import type { RunningEmulator } from '../../src/demo/index.js';
import type { AuditEntry } from '../../src/store/types.js';
import type { DeletionCheck } from './deletions.js';
import { checkDeletions, parseJsonLines } from './deletions.js';
import type { FailingStore } from './failing-store.js';
import { LONG_NAMES, liveImages } from './fixture.js';
import type { Campaign, PartResult } from './part.js';
import { BIG_REPOSITORY } from '../../test/reliability/support.js';

export interface ExecutionTarget {
  readonly url: string;
  readonly emulator: RunningEmulator;
  readonly failing: FailingStore;
  readonly api: Record<string, string>;
  readonly adminToken: string;
}

interface Run {
  readonly name: string;
  readonly failWhen?: (entry: AuditEntry) => boolean;
  readonly outcome: string;
}

const RUNS: readonly Run[] = [
  { name: 'real run, audit healthy', outcome: 'succeeded' },
  { name: 'audit fails after BatchDeleteImage was sent', failWhen: (e) => e.event === 'cleanup.batch.finished', outcome: 'audit_failed' },
  { name: 'audit fails before the 2nd batch', failWhen: (e) => e.event === 'cleanup.batch.started' && e.batch === 1, outcome: 'audit_failed' },
];

interface PlanRepository {
  repository: string;
  status: string;
  summary: { delete: number };
}

export async function executionsPart(campaign: Campaign, t: ExecutionTarget): Promise<PartResult> {
  const part = 'executions';
  campaign.recorder.part = part;
  const failures: string[] = [];
  const lines: string[] = [];
  const full = (await (await fetch(`${t.url}/api/v1/cleanup/plan?limit=1`, { headers: t.api })).json()) as { repositories: PlanRepository[] };
  // Two repositories per run, so that each run sends at least two batches (one per repository and region).
  const names = [...new Set(full.repositories.filter((r) => r.status === 'ok' && r.summary.delete > 0).map((r) => r.repository))].filter(
    (name) => name !== BIG_REPOSITORY && !(LONG_NAMES as readonly string[]).includes(name),
  );
  if (names.length < RUNS.length * 2) failures.push(`only ${names.length} repositories with deletions; the runs need ${RUNS.length * 2}`);
  const spans: { run: string; runId: string | undefined; before: Set<string>; after: Set<string> }[] = [];
  for (const [i, run] of RUNS.entries()) {
    const repositories = names.slice(i * 2, i * 2 + 2);
    if (repositories.length === 0) break;
    // One brace glob: the plan route takes one value per parameter (a repeated ?repository= gets a 400).
    const glob = `{${repositories.join(',')}}`;
    const qs = new URLSearchParams({ repository: glob, limit: '1' });
    const planned = await fetch(`${t.url}/api/v1/cleanup/plan?${qs}`, { headers: t.api });
    const plan = (await planned.json()) as { planId: string; message?: string };
    if (planned.status !== 200) failures.push(`${run.name}: the plan answered ${planned.status} ${plan.message ?? ''}`);
    t.failing.failFrom(run.failWhen);
    const before = liveImages(t.emulator.store);
    let runId: string | undefined;
    try {
      const res = await fetch(`${t.url}/api/v1/cleanup/execute`, {
        method: 'POST',
        headers: { ...t.api, 'content-type': 'application/json', 'x-admin-token': t.adminToken },
        body: JSON.stringify({ planId: plan.planId, repositories: [glob], dryRun: false }),
      });
      const report = (await res.json()) as { runId?: string; outcome?: string; deleted?: unknown[]; stoppedBecause?: string; message?: string };
      runId = report.runId;
      if (res.status !== 200 || report.outcome !== run.outcome) failures.push(`${run.name}: ${res.status} ${report.outcome ?? report.message} (expected 200 ${run.outcome})`);
      lines.push(`${run.name} (${repositories.join(', ')}): ${res.status} ${report.outcome}, ${report.deleted?.length ?? 0} deleted, ${t.failing.refused} audit writes refused${report.stoppedBecause ? `; stopped: ${report.stoppedBecause.slice(0, 90)}` : ''}`);
    } catch (error) {
      failures.push(`${run.name}: ${(error as Error).message}`);
    } finally {
      t.failing.failFrom(undefined);
    }
    spans.push({ run: run.name, runId, before, after: liveImages(t.emulator.store) });
  }
  const exported = await fetch(`${t.url}/api/v1/cleanup/audit?format=jsonl`, { headers: t.api });
  const text = await exported.text();
  campaign.secrets.scan('audit (store)', text);
  const entries = parseJsonLines(text);
  // Each run against its own entries: a record written by another run does not count.
  const deletions: { run: string; check: DeletionCheck }[] = spans.map(({ run, runId, before, after }) => ({
    run,
    check: checkDeletions(before, after, entries.filter((e) => e.runId === runId)),
  }));
  for (const { run, check } of deletions) {
    if (check.withoutRecord.length > 0) failures.push(`${run}: ${check.withoutRecord.length} deletions without a record, e.g. ${check.withoutRecord[0]}`);
    lines.push(`  ${run}: ${check.deleted} deleted in the emulator; without a record ${check.withoutRecord.length}, outcome unknown (batch.started only) ${check.outcomeUnknown}, recorded as failed ${check.recordedAsFailed.length}, recorded but not deleted ${check.claimedButPresent.length}`);
    if (check.deleted === 0) failures.push(`${run}: deleted nothing, so it tested nothing`);
  }
  // The audit failures are faults mid-run: survived when the run stopped as audit_failed with every deletion on record.
  const faulted = RUNS.filter((r) => r.failWhen && spans.some((s) => s.run === r.name));
  const ok = faulted.filter((r) => !failures.some((f) => f.startsWith(`${r.name}:`))).length;
  return { part, kind: 'real executions', inputs: spans.length, failures, lines, deletions, survived: { what: 'audit writes failing mid-run', ok, of: faulted.length } };
}
