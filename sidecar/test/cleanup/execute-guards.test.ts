import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/cleanup/audit.js';
import { cleanupConfigFromEnv } from '../../src/cleanup/config.js';
import { deletionOrder, executeCleanup } from '../../src/cleanup/execute.js';
import { createCleanupService } from '../../src/cleanup/service.js';
import { DAY, NOW, fakeInventory, makeImage, makeRepository, makeSnapshot, readyStatus } from '../support/builders.js';

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
});
