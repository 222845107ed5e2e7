import { afterEach, describe, expect, it } from 'vitest';
import { NO_BLOBS, blobAt, blobCount } from '../../src/snapshot/blob-key.js';
import type { Image, Snapshot } from '../../src/snapshot/model.js';
import { imageKey } from '../../src/snapshot/model.js';
import type { Harness } from './helpers.js';
import { REFERENCE_NOW, startHarness } from './helpers.js';

const A = '111111111111';
const B = '222222222222';
const digest = (prefix: string, snapshot: Snapshot): string => {
  const found = snapshot.images.find((i) => i.digest.startsWith(`sha256:${prefix}`));
  if (!found) throw new Error(`no image ${prefix}`);
  return found.digest;
};
const image = (snapshot: Snapshot, repositoryId: string, prefix: string): Image => {
  const found = snapshot.imagesByRepository.get(repositoryId)?.find((i) => i.digest.startsWith(`sha256:${prefix}`));
  if (!found) throw new Error(`no image ${prefix} in ${repositoryId}`);
  return found;
};
const counts = (c: Partial<Record<string, number>>) => ({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0, ...c });
const diff = (before: Record<string, { calls: number }>, after: Record<string, { calls: number }>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [op, c] of Object.entries(after)) {
    const n = c.calls - (before[op]?.calls ?? 0);
    if (n > 0) out[op] = n;
  }
  return out;
};

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('refresh from the reference fixture', () => {
  it('builds the exact snapshot: repositories, images, kinds, scans and uses', async () => {
    // The emulator shares the refresher's clock, so ECS still lists the task that stopped an hour before it.
    harness = await startHarness({ emulatorNow: () => REFERENCE_NOW });
    await harness.refresher.run();
    const status = harness.refresher.status();
    expect(status).toMatchObject({ ready: true, stale: false, snapshotVersion: 1, consecutiveFailures: 0, refreshErrorsTotal: 0, incomplete: [] });
    const s = harness.refresher.snapshot();

    expect(s.registries.map((r) => [r.accountId, r.region, r.scanType, r.replicationRules.length])).toEqual([
      [A, 'us-east-1', 'BASIC', 1],
      [A, 'eu-west-1', 'BASIC', 0],
      [B, 'us-east-1', 'ENHANCED', 0],
    ]);
    expect(s.repositories.map((r) => r.id).sort()).toEqual([
      `${A}/eu-west-1/web/frontend`,
      `${A}/us-east-1/data/etl`,
      `${A}/us-east-1/empty/repo`,
      `${A}/us-east-1/platform/api`,
      `${A}/us-east-1/web/frontend`,
      `${B}/us-east-1/ml/inference`,
    ]);
    const web = s.repositoryById.get(`${A}/us-east-1/web/frontend`)!;
    expect(web).toMatchObject({
      name: 'web/frontend',
      createdAt: 1_704_067_200_000,
      tagMutability: 'MUTABLE',
      scanOnPush: true,
      encryptionType: 'AES256',
      policy: { present: true, pullAccounts: [B], pushAccounts: [], crossAccount: true },
      replicationDestinations: [{ region: 'eu-west-1', registryId: A }],
      tags: { team: 'web', env: 'prod' },
    });
    expect(web.lifecyclePolicyText).toContain('"rules"');
    const api = s.repositoryById.get(`${A}/us-east-1/platform/api`)!;
    expect(api).toMatchObject({
      tagMutability: 'IMMUTABLE',
      encryptionType: 'KMS',
      kmsKey: 'arn:aws:kms:us-east-1:111111111111:key/0b5e7f1a-1c1d-4e2b-9a5f-3f1c2d4e5a6b',
      policy: { present: false },
      replicationDestinations: [],
    });
    expect(api.lifecyclePolicyText).toBeUndefined();

    // Images: 4 + 7 + 2 + 0 in us-east-1, 1 replica in eu-west-1, 2 in account B; archived ones included.
    expect(s.images).toHaveLength(16);
    expect(s.imagesByRepository.get(`${A}/us-east-1/empty/repo`)).toEqual([]);
    const webId = `${A}/us-east-1/web/frontend`;
    const apiId = `${A}/us-east-1/platform/api`;
    expect(image(s, webId, '16172394')).toMatchObject({
      tags: ['v1.1.0', 'latest'],
      kind: 'image',
      pushedAt: 1_748_736_000_000,
      lastPulledAt: 1_767_139_200_000,
      sizeBytes: 56_007_100,
      status: 'ACTIVE',
      children: [],
      scan: { state: 'complete', scanType: 'BASIC', completedAt: 1_748_736_090_000, counts: counts({}) },
    });
    expect(blobCount(image(s, webId, '16172394').layers!)).toBe(4); // config + 3 layers
    expect(image(s, webId, '6a20dfcd').scan.counts).toEqual(counts({ CRITICAL: 1, HIGH: 1, MEDIUM: 1 }));
    // Never scanned: an explicit state, no counts.
    expect(image(s, webId, 'a29f84e7').scan).toEqual({ state: 'not_scanned' });
    expect(image(s, webId, 'a29f84e7').lastPulledAt).toBeUndefined();
    // Archived: listed, scan summary kept, manifest not read.
    expect(image(s, webId, 'a691109e')).toMatchObject({ status: 'ARCHIVED', scan: { state: 'complete', counts: counts({ HIGH: 1 }) } });
    expect(image(s, webId, 'a691109e').layers).toBeUndefined();

    // Multi-arch: the index lists its children; buildx attestation manifests and the cosign signature are attestations.
    const index = image(s, apiId, '4cb6c0c0');
    expect(index).toMatchObject({ kind: 'index', tags: ['2.0.0'], sizeBytes: 48_005_000, layers: NO_BLOBS, scan: { state: 'not_scanned' } });
    expect(index.children.map((d) => d.slice(7, 15))).toEqual(['cca4b0a2', 'f390bdce', '3003a092', 'b3ee8504']);
    expect(['cca4b0a2', 'f390bdce', '3003a092', 'b3ee8504', '4e8f6389', 'ddc5dcad'].map((p) => image(s, apiId, p).kind)).toEqual([
      'image',
      'image',
      'attestation',
      'attestation',
      'attestation',
      'image',
    ]);
    expect(image(s, apiId, '4e8f6389').subjectDigest).toBe(index.digest);
    expect(image(s, `${A}/us-east-1/data/etl`, '97ec29b3')).toMatchObject({ kind: 'attestation', subjectDigest: digest('8c74952a', s) });
    expect(image(s, `${A}/us-east-1/data/etl`, '8c74952a').scan).toMatchObject({ state: 'unsupported', status: 'UNSUPPORTED_IMAGE' });

    // The AWS-native basic scanner leaves DescribeImages without a summary: counts come from the findings.
    expect(image(s, `${A}/eu-west-1/web/frontend`, '16172394').scan).toMatchObject({ state: 'complete', counts: counts({ HIGH: 1 }) });
    // Enhanced scanning: ACTIVE, counts from DescribeImageScanFindings.
    const ml = `${B}/us-east-1/ml/inference`;
    expect(image(s, ml, '075a9075').scan).toMatchObject({ state: 'active', scanType: 'ENHANCED', counts: counts({ CRITICAL: 1, HIGH: 1 }) });
    expect(image(s, ml, 'd1617653').scan).toMatchObject({ state: 'active', counts: counts({}) });
    expect(s.findings.get(digest('075a9075', s))?.map((f) => [f.severity, f.source])).toEqual([
      ['CRITICAL', 'enhanced'],
      ['HIGH', 'enhanced'],
    ]);

    // Deduplicated layer sizes: every blob once.
    expect(s.layerSizes.get(blobAt(image(s, webId, '16172394').layers!, 1))).toBe(30_000_000);

    // ECS uses, matched by tag and by digest.
    const usesOf = (repositoryId: string, prefix: string) =>
      (s.usesByImage.get(imageKey(image(s, repositoryId, prefix))) ?? []).map((u) => `${u.kind}:${u.cluster ?? '-'}:${u.taskDefinition}`).sort();
    expect(usesOf(webId, '16172394')).toEqual([
      'running-task:prod:web-frontend:3',
      'running-task:prod:web-frontend:3',
      'service:prod:web-frontend:3',
      'task-definition:-:web-frontend:3',
    ]);
    // v1.0.0: a task stopped within the window, and revision 2 pinned by digest (revision 1 is INACTIVE).
    expect(usesOf(webId, '6a20dfcd')).toEqual(['stopped-task:prod:web-frontend:2', 'task-definition:-:web-frontend:2']);
    expect(usesOf(apiId, '4cb6c0c0')).toEqual(['running-task:prod:platform-api:2', 'service:prod:platform-api:2', 'task-definition:-:platform-api:2']);
    expect(usesOf(apiId, 'ddc5dcad')).toEqual(['running-task:prod:platform-api:1', 'service:prod:platform-api:1', 'task-definition:-:platform-api:1']);
    expect(usesOf(ml, '075a9075')).toEqual(['running-task:ml:ml-inference:1', 'service:ml:ml-inference:1', 'task-definition:-:ml-inference:1']);
    expect(usesOf(webId, 'a29f84e7')).toEqual([]);
    expect(s.clusters.map((c) => `${c.accountId}/${c.name}`)).toEqual([`${A}/prod`, `${A}/staging`, `${B}/ml`]);
  });

  it('creates one client per service, region and account, and reuses them', async () => {
    harness = await startHarness();
    await harness.refresher.run();
    await harness.refresher.run();
    expect(harness.clients.counts()).toEqual({ ecr: 3, ecs: 3, roles: 1 });
    // The assumed role's credentials are cached: one AssumeRole for two refreshes and two services.
    expect(harness.emulator.controls.callCount('sts:AssumeRole')).toBe(1);
    expect(harness.refresher.snapshot().images.filter((i) => i.repositoryId.startsWith(B))).toHaveLength(2);
  });

  it('does not fetch manifests, findings or task definitions again in a steady-state refresh', async () => {
    let now = REFERENCE_NOW;
    // One registry at a time: the eu-west-1 replica of web/frontend shares a manifest with us-east-1, read once
    // when one registry's read has finished before the other's starts (else twice, as both may be in flight).
    harness = await startHarness({ now: () => now, env: { REGISTRY_CONCURRENCY: '1' } });
    await harness.refresher.run();
    const first = harness.emulator.controls.calls();
    expect(first['ecr:BatchGetImage']?.calls).toBe(4);
    expect(first['ecr:DescribeImageScanFindings']?.calls).toBe(3);
    await harness.refresher.run();
    const second = diff(first, harness.emulator.controls.calls());
    expect(second['ecr:BatchGetImage']).toBeUndefined();
    expect(second['ecr:DescribeImageScanFindings']).toBeUndefined();
    expect(second['ecs:DescribeTaskDefinition']).toBeUndefined();
    expect(second['ecr:DescribeImages']).toBe(6);
    expect(harness.refresher.snapshot().version).toBe(2);
    expect(image(harness.refresher.snapshot(), `${B}/us-east-1/ml/inference`, '075a9075').scan.counts).toEqual(counts({ CRITICAL: 1, HIGH: 1 }));

    // Enhanced findings carry no change signal in DescribeImages: they are fetched again after SCAN_FINDINGS_MAX_AGE.
    const before = harness.emulator.controls.calls();
    now += 6 * 3_600_000 + 1;
    await harness.refresher.run();
    expect(diff(before, harness.emulator.controls.calls())['ecr:DescribeImageScanFindings']).toBe(3);
  });
});

describe('refresh under failure', () => {
  it('absorbs throttling with retries: nothing reaches the snapshot', async () => {
    harness = await startHarness({
      maxAttempts: 10,
      controls: { faults: { 'ecr:DescribeImages': { throttleProbability: 0.4 } }, seed: 7 },
    });
    await harness.refresher.run();
    const status = harness.refresher.status();
    expect(status).toMatchObject({ ready: true, stale: false, incomplete: [] });
    expect(harness.refresher.snapshot().images).toHaveLength(16);
    const throttled = harness.stats.snapshot().filter((s) => s.throttles > 0);
    expect(throttled.length).toBeGreaterThan(0);
    expect(harness.emulator.controls.calls()['ecr:DescribeImages']!.throttled).toBe(throttled.find((s) => s.operation === 'DescribeImages')?.throttles ?? 0);
  });

  it('keeps the last good snapshot when every call fails, and reports it stale', async () => {
    harness = await startHarness();
    await harness.refresher.run();
    const good = harness.refresher.snapshot();
    harness.emulator.controls.setFault('*', { serverErrorProbability: 1 });
    await harness.refresher.run();
    expect(harness.refresher.snapshot()).toBe(good);
    expect(harness.refresher.status()).toMatchObject({ ready: true, stale: true, snapshotVersion: 1, consecutiveFailures: 1, refreshErrorsTotal: 1 });
    expect(harness.refresher.status().lastError).toContain('no registry could be read');
    await harness.refresher.run();
    expect(harness.refresher.status()).toMatchObject({ consecutiveFailures: 2, refreshErrorsTotal: 2 });

    harness.emulator.controls.clearFaults();
    await harness.refresher.run();
    expect(harness.refresher.status()).toMatchObject({ ready: true, stale: false, snapshotVersion: 2, consecutiveFailures: 0, refreshErrorsTotal: 2 });
    expect(harness.refresher.status().lastError).toBeUndefined();
  });

  it('is not ready when the first refresh fails', async () => {
    harness = await startHarness({ controls: { faults: { '*': { serverErrorProbability: 1 } } } });
    await harness.refresher.run();
    expect(harness.refresher.status()).toMatchObject({ ready: false, stale: true, snapshotVersion: 0, refreshErrorsTotal: 1 });
    expect(harness.refresher.snapshot().images).toEqual([]);
  });

  it('isolates a repository whose images cannot be read: only it is incomplete, its last images are kept', async () => {
    harness = await startHarness({ proxy: true });
    await harness.refresher.run();
    const apiId = `${A}/us-east-1/platform/api`;
    const before = harness.refresher.snapshot().imagesByRepository.get(apiId);
    expect(before).toHaveLength(7);

    harness.proxy!.fail = (operation, body) => operation === 'DescribeImages' && body.repositoryName === 'platform/api';
    await harness.refresher.run();
    const s = harness.refresher.snapshot();
    expect(s.version).toBe(2);
    expect(s.incomplete).toEqual([
      { scope: 'images', accountId: A, region: 'us-east-1', target: 'platform/api', operation: 'DescribeImages', error: expect.stringContaining('ServerException') },
    ]);
    expect(s.incompleteByRepository.get(apiId)).toHaveLength(1);
    expect(s.incompleteByRepository.get(`${A}/us-east-1/web/frontend`)).toBeUndefined();
    expect(s.imagesByRepository.get(apiId)).toEqual(before);
    expect(s.images).toHaveLength(16);
    expect(harness.refresher.status()).toMatchObject({ stale: false, consecutiveFailures: 0 });
  });

  it('records a repository that never could be read as incomplete, not as empty-and-complete', async () => {
    harness = await startHarness({ proxy: true });
    harness.proxy!.fail = (operation, body) => operation === 'DescribeImages' && body.repositoryName === 'platform/api';
    await harness.refresher.run();
    const s = harness.refresher.snapshot();
    expect(s.imagesByRepository.get(`${A}/us-east-1/platform/api`)).toEqual([]);
    expect(s.incompleteByRepository.get(`${A}/us-east-1/platform/api`)?.[0]).toMatchObject({ scope: 'images', target: 'platform/api' });
  });

  it('keeps a failing setting at its previous value and a failing cluster at its previous uses', async () => {
    // Settings read on every refresh (test/refresh/policy-cadence.test.ts covers reusing them).
    harness = await startHarness({ proxy: true, env: { POLICY_REFRESH_INTERVAL: '0' } });
    await harness.refresher.run();
    const first = harness.refresher.snapshot();
    harness.proxy!.fail = (operation, body) =>
      (operation === 'GetLifecyclePolicy' && body.repositoryName === 'web/frontend') || (operation === 'ListTasks' && String(body.cluster).endsWith('/prod'));
    await harness.refresher.run();
    const s = harness.refresher.snapshot();
    const webId = `${A}/us-east-1/web/frontend`;
    expect(s.repositoryById.get(webId)!.lifecyclePolicyText).toBe(first.repositoryById.get(webId)!.lifecyclePolicyText);
    // web/frontend exists in both regions of account A: both fail.
    expect(s.incomplete.map((i) => `${i.scope}:${i.region}:${i.target}:${i.operation}`).sort()).toEqual([
      'cluster:us-east-1:prod:ListTasks/DescribeTasks RUNNING',
      'cluster:us-east-1:prod:ListTasks/DescribeTasks STOPPED',
      'repository:eu-west-1:web/frontend:GetLifecyclePolicy',
      'repository:us-east-1:web/frontend:GetLifecyclePolicy',
    ]);
    const kinds = (snap: Snapshot) => snap.uses.filter((u) => u.cluster === 'prod').map((u) => u.kind).sort();
    expect(kinds(s)).toEqual(kinds(first));
  });
});

describe('refresh scheduling', () => {
  it('coalesces concurrent requests and rate-limits new ones', async () => {
    let now = REFERENCE_NOW;
    harness = await startHarness({ now: () => now, env: { REFRESH_MIN_INTERVAL: '60' } });
    const [a, b] = await Promise.all([harness.refresher.refresh(), harness.refresher.refresh()]);
    expect(a.started).toBe(true);
    expect(b).toMatchObject({ started: false, reason: 'coalesced' });
    expect(b.status.snapshotVersion).toBe(1);
    expect(await harness.refresher.refresh()).toMatchObject({ started: false, reason: 'rate-limited' });
    now += 61_000;
    expect(await harness.refresher.refresh()).toMatchObject({ started: true, status: { snapshotVersion: 2 } });
    expect(harness.emulator.controls.callCount('ecr:DescribeRepositories')).toBe(6);
  });

  it('reports stale data once the snapshot is older than twice the refresh interval', async () => {
    let now = REFERENCE_NOW;
    harness = await startHarness({ now: () => now, env: { CACHE_REFRESH_INTERVAL: '600' } });
    await harness.refresher.run();
    now += 1_200_000;
    expect(harness.refresher.status().stale).toBe(false);
    now += 1;
    expect(harness.refresher.status().stale).toBe(true);
  });
});
