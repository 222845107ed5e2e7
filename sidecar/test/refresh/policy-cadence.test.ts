/**
 * Lifecycle policies, repository policies and tags are read on their own cadence (POLICY_REFRESH_INTERVAL): a
 * refresh within it reuses them without a call, one after it reads them again, and a repository whose read
 * failed is read again on the next refresh whatever the interval.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { REFERENCE_NOW, startHarness, type Harness } from './helpers.js';

const HOUR = 3_600_000;
const SETTINGS = ['GetLifecyclePolicy', 'GetRepositoryPolicy', 'ListTagsForResource'] as const;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const settingsCalls = (h: Harness) =>
  Object.fromEntries(SETTINGS.map((op) => [op, h.emulator.controls.callCount(`ecr:${op}`)]));

describe('policy cadence', () => {
  it('reuses the settings within the interval, and reads them again after it', async () => {
    let now = REFERENCE_NOW;
    harness = await startHarness({ now: () => now, env: { POLICY_REFRESH_INTERVAL: String(6 * 3600) } });
    await harness.refresher.run();
    const first = harness.refresher.snapshot();
    const repositories = first.repositories.length;
    expect(settingsCalls(harness)).toEqual({
      GetLifecyclePolicy: repositories,
      GetRepositoryPolicy: repositories,
      ListTagsForResource: repositories,
    });
    for (const r of first.repositories) expect(r.settingsReadAt).toBe(REFERENCE_NOW);

    harness.emulator.controls.resetCalls();
    now += HOUR;
    await harness.refresher.run();
    const second = harness.refresher.snapshot();
    expect(settingsCalls(harness)).toEqual({ GetLifecyclePolicy: 0, GetRepositoryPolicy: 0, ListTagsForResource: 0 });
    expect(harness.emulator.controls.callCount('ecr:DescribeImages')).toBeGreaterThan(0);
    for (const r of second.repositories) {
      const before = first.repositoryById.get(r.id)!;
      expect([r.lifecyclePolicyText, r.policy, r.tags, r.settingsReadAt]).toEqual([
        before.lifecyclePolicyText,
        before.policy,
        before.tags,
        REFERENCE_NOW,
      ]);
    }

    harness.emulator.controls.resetCalls();
    now = REFERENCE_NOW + 6 * HOUR;
    await harness.refresher.run();
    expect(settingsCalls(harness)).toEqual({
      GetLifecyclePolicy: repositories,
      GetRepositoryPolicy: repositories,
      ListTagsForResource: repositories,
    });
    for (const r of harness.refresher.snapshot().repositories) expect(r.settingsReadAt).toBe(now);
  });

  it('reads a repository whose read failed again on the next refresh, and only that one', async () => {
    harness = await startHarness({ proxy: true, env: { POLICY_REFRESH_INTERVAL: String(6 * 3600) } });
    harness.proxy!.fail = (operation, body) =>
      operation === 'GetLifecyclePolicy' && body.repositoryName === 'web/frontend';
    await harness.refresher.run();
    const failed = harness.refresher.snapshot().repositories.filter((r) => r.name === 'web/frontend');
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) expect(r.settingsReadAt).toBeUndefined();

    harness.proxy!.fail = () => false;
    harness.emulator.controls.resetCalls();
    await harness.refresher.run();
    expect(settingsCalls(harness)).toEqual({
      GetLifecyclePolicy: failed.length,
      GetRepositoryPolicy: failed.length,
      ListTagsForResource: failed.length,
    });
    for (const r of harness.refresher.snapshot().repositories) expect(r.settingsReadAt).toBeDefined();
  });

  it('reads them on every refresh with POLICY_REFRESH_INTERVAL=0', async () => {
    harness = await startHarness({ env: { POLICY_REFRESH_INTERVAL: '0' } });
    await harness.refresher.run();
    harness.emulator.controls.resetCalls();
    await harness.refresher.run();
    const repositories = harness.refresher.snapshot().repositories.length;
    expect(harness.emulator.controls.callCount('ecr:GetLifecyclePolicy')).toBe(repositories);
  });
});
