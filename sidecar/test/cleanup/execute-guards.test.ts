import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/cleanup/execute/audit.js';
import { cleanupConfigFromEnv } from '../../src/cleanup/plan/config.js';
import { deletionOrder, executeCleanup } from '../../src/cleanup/execute/execute.js';
import { createCleanupService } from '../../src/cleanup/service.js';
import { DAY, NOW, fakeInventory, makeImage, makeIncomplete, makeRepository, makeSnapshot, makeUse, readyStatus } from '../support/builders.js';

const repo = makeRepository({ name: 'api' });
const child = makeImage({ repository: repo, seed: 'child', pushedAt: NOW - 90 * DAY });
const index = makeImage({ repository: repo, tags: ['old'], kind: 'index', children: [child.digest], pushedAt: NOW - 90 * DAY });
const loose = makeImage({ repository: repo, tags: ['older'], pushedAt: NOW - 95 * DAY });
const caller = { tokenFingerprint: 'abc' };
const neverDelete = async (): Promise<never> => {
  throw new Error('the deleter must not be called');
};

function setup(refreshStartedAt: number, outcome: 'ok' | 'failed' | 'rate-limited') {
  const snapshot = makeSnapshot({ repositories: [repo], images: [child, index, loose], refreshStartedAt });
  const inventory = fakeInventory(snapshot, () => {
    const status = readyStatus(snapshot, outcome === 'failed' ? { consecutiveFailures: 1, stale: true, lastError: 'ThrottlingException' } : {});
    return outcome === 'rate-limited' ? { started: false, reason: 'rate-limited', status } : { started: true, status };
  });
  const config = cleanupConfigFromEnv({ CLEANUP_DEFAULT_RULE: 'true', KEEP_MIN_IMAGE_COUNT: '0', CLEANUP_DELETE_ENABLED: 'true' }, {});
  const service = createCleanupService({ config, inventory, prices: { defaultUsdPerGbMonth: 0.1 }, now: () => NOW });
  const audit: AuditEntry[] = [];
  return { service, inventory, audit, write: async (e: AuditEntry) => void audit.push(e) };
}

describe('execution guards', () => {
  it('orders an index before the manifests it lists', () => {
    const { service } = setup(NOW, 'ok');
    const batches = deletionOrder(service.plan());
    expect(batches.map((b) => b.levels.map((l) => l.map((p) => p.image.tags[0] ?? 'child')))).toEqual([[['old', 'older'], ['child']]]);
  });

  it('refuses when the refresh failed, and audits the refusal', async () => {
    const { service, inventory, audit, write } = setup(NOW, 'failed');
    const plan = service.plan();
    const result = await executeCleanup({ service, inventory, deleter: neverDelete, audit: write }, { planId: plan.id, dryRun: false, caller });
    expect(result).toMatchObject({ kind: 'unavailable', message: 'the inventory refresh did not succeed: ThrottlingException; nothing was deleted' });
    expect(audit.map((a) => a.event)).toEqual(['cleanup.refused']);
    expect(service.executions().executions).toEqual({ refused: 1 });
  });

  it('refuses to delete from an old snapshot when the refresh was rate-limited, but still dry-runs', async () => {
    const { service, inventory, write } = setup(NOW - 10 * 60_000, 'rate-limited');
    const plan = service.plan();
    const real = await executeCleanup({ service, inventory, deleter: neverDelete, audit: write }, { planId: plan.id, dryRun: false, caller });
    expect(real).toMatchObject({ kind: 'unavailable', message: 'the inventory snapshot is 600 s old (refresh rate-limited); retry when a refresh is allowed; nothing was deleted' });
    const dry = await executeCleanup({ service, inventory, deleter: neverDelete, audit: write }, { planId: plan.id, dryRun: true, caller });
    expect(dry.kind === 'done' && dry.report.deleted.map((d) => d.tags[0] ?? 'child')).toEqual(['old', 'older', 'child']);
  });

  it('aborts before deleting when the audit log cannot be written', async () => {
    const { service, inventory } = setup(NOW, 'ok');
    const plan = service.plan();
    const failing = async (): Promise<void> => {
      throw new Error('EACCES: permission denied');
    };
    const result = await executeCleanup({ service, inventory, deleter: neverDelete, audit: failing }, { planId: plan.id, dryRun: false, caller });
    expect(result).toMatchObject({ kind: 'unavailable', message: 'the audit log could not be written (EACCES: permission denied); nothing was deleted' });
  });

  it('never deletes more than maxDeletionsPerRun', async () => {
    const { inventory, write } = setup(NOW, 'ok');
    const config = cleanupConfigFromEnv({ CLEANUP_DEFAULT_RULE: 'true', KEEP_MIN_IMAGE_COUNT: '0', CLEANUP_MAX_DELETIONS_PER_RUN: '2' }, {});
    const service = createCleanupService({ config, inventory, prices: { defaultUsdPerGbMonth: 0.1 }, now: () => NOW });
    const calls: string[][] = [];
    const deleter = async (_r: unknown, _name: string, digests: readonly string[]) => {
      calls.push([...digests]);
      return { deleted: digests, failures: [] };
    };
    const result = await executeCleanup({ service, inventory, deleter, audit: write }, { planId: service.plan().id, dryRun: false, caller });
    expect(result.kind === 'done' && result.report).toMatchObject({ candidates: 3, deferred: 1, outcome: 'succeeded' });
    expect(calls).toEqual([[index.digest, loose.digest]]);
  });

  it('stops between batches when the in-use sources can no longer be read, and audits the stop', async () => {
    const { inventory, audit, write } = setup(NOW, 'ok');
    let clock = NOW;
    const config = cleanupConfigFromEnv({ CLEANUP_DEFAULT_RULE: 'true', KEEP_MIN_IMAGE_COUNT: '0', CLEANUP_DELETE_ENABLED: 'true' }, {});
    const service = createCleanupService({ config, inventory, prices: { defaultUsdPerGbMonth: 0.1 }, now: () => clock });
    const planId = service.plan().id;
    let reads = 0;
    const failing = makeSnapshot({
      repositories: [repo],
      images: [child, index, loose],
      refreshStartedAt: NOW,
      incomplete: [makeIncomplete({ scope: 'lambda', operation: 'ListFunctions', error: 'AccessDeniedException' })],
    });
    const sources = { ...inventory, refreshUses: async () => (++reads === 1 ? inventory.snapshot() : failing) };
    const deleter = async (_r: unknown, _name: string, digests: readonly string[]) => {
      clock += 11_000; // the batch took longer than the recheck interval
      return { deleted: digests, failures: [] };
    };
    const result = await executeCleanup({ service, inventory: sources, deleter, audit: write }, { planId, dryRun: false, caller });
    expect(result.kind === 'done' && result.report).toMatchObject({
      outcome: 'aborted',
      candidates: 3,
      deferred: 1,
      usesChecks: 2,
      stoppedBecause: 'the in-use sources could not be read completely (1 failures; first: lambda ListFunctions: AccessDeniedException)',
    });
    expect(result.kind === 'done' && result.report.deleted.map((d) => d.tags[0])).toEqual(['old', 'older']);
    expect(audit.map((a) => a.event)).toEqual(['cleanup.started', 'cleanup.batch.started', 'cleanup.batch.finished', 'cleanup.aborted']);
    expect(service.executions().executions).toEqual({ aborted: 1 });
  });

  it('stops between batches when an image of the next batch became used', async () => {
    const { inventory, audit, write } = setup(NOW, 'ok');
    let clock = NOW;
    const config = cleanupConfigFromEnv({ CLEANUP_DEFAULT_RULE: 'true', KEEP_MIN_IMAGE_COUNT: '0', CLEANUP_DELETE_ENABLED: 'true' }, {});
    const service = createCleanupService({ config, inventory, prices: { defaultUsdPerGbMonth: 0.1 }, now: () => clock });
    const planId = service.plan().id;
    const used = makeSnapshot({
      repositories: [repo],
      images: [child, index, loose],
      refreshStartedAt: NOW,
      uses: [makeUse({ reference: `${repo.uri}@${child.digest}`, cluster: 'prod', task: 'task/late' })],
    });
    let reads = 0;
    const sources = { ...inventory, refreshUses: async () => (++reads === 1 ? inventory.snapshot() : used) };
    const deleted: string[][] = [];
    const deleter = async (_r: unknown, _name: string, digests: readonly string[]) => {
      clock += 11_000;
      deleted.push([...digests]);
      return { deleted: digests, failures: [] };
    };
    const result = await executeCleanup({ service, inventory: sources, deleter, audit: write }, { planId, dryRun: false, caller });
    expect(result.kind === 'done' && result.report).toMatchObject({ outcome: 'aborted', deferred: 1 });
    expect(result.kind === 'done' && result.report.stoppedBecause).toBe(
      `1 image(s) of api are no longer to be deleted (now in use, or the plan changed), e.g. ${child.digest}`,
    );
    expect(deleted).toEqual([[index.digest, loose.digest]]);
    expect(audit.at(-1)!.event).toBe('cleanup.aborted');
  });

  it('stops before the next batch when an audit write fails, and never answers succeeded', async () => {
    const { service, inventory } = setup(NOW, 'ok');
    const written: string[] = [];
    const audit = async (e: AuditEntry): Promise<void> => {
      if (e.event === 'cleanup.batch.finished') throw new Error('EROFS: read-only file system');
      written.push(e.event);
    };
    const sent: string[][] = [];
    const deleter = async (_r: unknown, _name: string, digests: readonly string[]) => {
      sent.push([...digests]);
      return { deleted: digests, failures: [] };
    };
    const result = await executeCleanup({ service, inventory, deleter, audit }, { planId: service.plan().id, dryRun: false, caller });
    expect(result.kind === 'done' && result.report).toMatchObject({ outcome: 'audit_failed', stoppedBecause: 'the audit log could not be written (EROFS: read-only file system)' });
    expect(sent).toEqual([[index.digest, loose.digest]]);
    // The end record is still attempted: here only batch records fail.
    expect(written).toEqual(['cleanup.started', 'cleanup.batch.started', 'cleanup.aborted']);
  });

  it('refuses a second real run while one is deleting, and lets it run afterwards', async () => {
    const { service, inventory, write } = setup(NOW, 'ok');
    const planId = service.plan().id;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const deleting = new Promise<void>((resolve) => (entered = resolve));
    const deleter = async (_r: unknown, _name: string, digests: readonly string[]) => {
      entered();
      await gate;
      return { deleted: digests, failures: [] };
    };
    const first = executeCleanup({ service, inventory, deleter, audit: write }, { planId, dryRun: false, caller });
    await deleting;
    const second = await executeCleanup({ service, inventory, deleter: neverDelete, audit: write }, { planId, dryRun: false, caller });
    expect(second).toMatchObject({ kind: 'busy' });
    const dry = await executeCleanup({ service, inventory, deleter: neverDelete, audit: write }, { planId, dryRun: true, caller });
    expect(dry.kind).toBe('done');
    release();
    const done = await first;
    expect(second.kind === 'busy' && done.kind === 'done' && second.runningRunId).toBe(done.kind === 'done' ? done.report.runId : '');
    expect(service.runLock.current()).toBeUndefined();
  });

  it('on shutdown, finishes the batch in flight, writes the record and stops; no new run starts', async () => {
    const { service, inventory, audit, write } = setup(NOW, 'ok');
    const planId = service.plan().id;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const deleting = new Promise<void>((resolve) => (entered = resolve));
    const sent: string[][] = [];
    const deleter = async (_r: unknown, _name: string, digests: readonly string[]) => {
      sent.push([...digests]);
      entered();
      await gate;
      return { deleted: digests, failures: [] };
    };
    const running = executeCleanup({ service, inventory, deleter, audit: write }, { planId, dryRun: false, caller });
    await deleting;
    let stopped = false;
    const stopping = service.runLock.stop().then(() => (stopped = true));
    expect(stopped).toBe(false);
    release();
    const result = await running;
    await stopping;
    expect(result.kind === 'done' && result.report).toMatchObject({ outcome: 'aborted', deferred: 1, stoppedBecause: 'the sidecar is shutting down: the batches not sent are left for a later run' });
    expect(sent).toEqual([[index.digest, loose.digest]]);
    expect(audit.map((a) => a.event)).toEqual(['cleanup.started', 'cleanup.batch.started', 'cleanup.batch.finished', 'cleanup.aborted']);
    const after = await executeCleanup({ service, inventory, deleter: neverDelete, audit: write }, { planId, dryRun: false, caller });
    expect(after).toMatchObject({ kind: 'unavailable', message: 'the sidecar is shutting down; nothing was deleted' });
  });
});
