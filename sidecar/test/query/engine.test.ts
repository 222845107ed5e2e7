import { describe, expect, it } from 'vitest';
import { runQuery, executeQuery } from '../../src/query/engine.js';
import { QueryError } from '../../src/query/errors.js';
import { DAY, MIB, NOW, OTHER_ACCOUNT } from '../support/builders.js';
import { api, apiDangling, apiV0, apiV1, findingsV1, sampleSnapshot, web, webAmd, webArm, webIndex, webSignature } from '../support/sample.js';
import { request, rows, testContext, values } from '../support/frames.js';

const snapshot = sampleSnapshot();
const ctx = testContext();
const run = (input: Record<string, unknown>) => runQuery(snapshot, request(input), ctx);
const digests = (input: Record<string, unknown>) => values(run({ queryType: 'images', ...input }).frame, 'digest');

describe('repositories', () => {
  it('answers every column with exact values', () => {
    const { frame, total } = run({ queryType: 'repositories' });
    expect(total).toBe(3);
    const [a, w, e] = rows(frame);
    expect(a).toEqual({
      account: '111111111111',
      region: 'us-east-1',
      repository: 'team/api',
      uri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/team/api',
      createdAt: NOW - 400 * DAY,
      tagMutability: 'MUTABLE',
      scanOnPush: true,
      encryptionType: 'AES256',
      kmsKey: null,
      imagesTagged: 2,
      imagesUntagged: 1,
      imageCount: 3,
      summedSizeBytes: 270 * MIB,
      deduplicatedSizeBytes: 192 * MIB,
      monthlyCostUsd: 0.01875,
      lastPushedAt: NOW - 2 * DAY,
      lastPulledAt: apiV1.lastPulledAt,
      daysSinceLastPull: 1,
      hasLifecyclePolicy: true,
      lifecyclePolicyText: api.lifecyclePolicyText,
      replicationDestinations: 'us-west-2/111111111111',
      crossAccountAccess: true,
      pullAccounts: OTHER_ACCOUNT,
      pushAccounts: null,
      // The builder's repository carries no read time: a snapshot from the refresher always does.
      settingsReadAt: null,
      incomplete: true,
    });
    expect(w).toMatchObject({ repository: 'web', imagesTagged: 1, imagesUntagged: 0, imageCount: 4, encryptionType: 'KMS', kmsKey: web.kmsKey, lastPulledAt: null, daysSinceLastPull: null, hasLifecyclePolicy: false, lifecyclePolicyText: null, incomplete: false, monthlyCostUsd: 0.010078 });
    expect(e).toMatchObject({ repository: 'empty', imageCount: 0, lastPushedAt: null, summedSizeBytes: 0, incomplete: true });
    expect(frame.meta.notices?.[0]?.text).toContain('images 222222222222/us-east-1/empty: DescribeImages failed (AccessDeniedException)');
  });

  it('describes fields with units, explaining both sizes', () => {
    const { frame } = run({ queryType: 'repositories' });
    const field = (n: string) => frame.fields.find((f) => f.name === n)!;
    expect(field('summedSizeBytes').config.unit).toBe('bytes');
    expect(field('summedSizeBytes').config.description).toMatch(/upper bound/);
    expect(field('deduplicatedSizeBytes').config.description).toMatch(/how ECR bills/);
    expect(field('monthlyCostUsd').config.unit).toBe('currencyUSD');
    expect(field('createdAt').type).toBe('time');
    expect(frame.fields.every((f) => (f.config.description ?? '').length > 10)).toBe(true);
  });

  it('filters by registry, region, glob, pull and push times and age', () => {
    const names = (f: Record<string, unknown>) => values(run({ queryType: 'repositories', filters: f }).frame, 'repository');
    expect(names({ registry: OTHER_ACCOUNT })).toEqual(['empty']);
    expect(names({ region: 'eu-west-1' })).toEqual(['web']);
    expect(names({ repository: 'team/*' })).toEqual(['team/api']);
    expect(names({ repository: ['w?b', 'nothing'] })).toEqual(['web']);
    expect(names({ pulledAfter: NOW - 2 * DAY })).toEqual(['team/api']);
    expect(names({ pulledBefore: NOW })).toEqual(['team/api']);
    expect(names({ pushedBefore: NOW - 3 * DAY })).toEqual(['web']);
    expect(names({ pushedAfter: new Date(NOW - 3 * DAY).toISOString() })).toEqual(['team/api']);
    expect(names({ olderThanDays: 30 })).toEqual(['team/api', 'web']);
    // Never pulled: measured from the last push (web, 5 d) or creation (empty, 3 d).
    expect(names({ notPulledForDays: 4 })).toEqual(['web']);
  });

  it('sorts by any column, nulls last, and pages', () => {
    const sorted = run({ queryType: 'repositories', sort: { field: 'lastPulledAt', order: 'desc' } });
    expect(values(sorted.frame, 'repository')).toEqual(['team/api', 'web', 'empty']);
    const page = run({ queryType: 'repositories', sort: { field: 'summedSizeBytes', order: 'desc' }, limit: 1, offset: 1 });
    expect(values(page.frame, 'repository')).toEqual(['web']);
    expect(page.total).toBe(3);
  });
});

describe('images', () => {
  it('shows multi-arch children as in use through their index, and unknown counts as null', () => {
    const { frame, total } = run({ queryType: 'images', filters: { repository: 'web' } });
    expect(total).toBe(4);
    const byDigest = Object.fromEntries(rows(frame).map((r) => [r.digest, r]));
    expect(byDigest[webIndex.digest]).toMatchObject({ kind: 'index', tags: '2.0', inUse: true, inUseBy: 'running-task prod/task1', sizeBytes: 50 * MIB });
    expect(byDigest[webAmd.digest]).toMatchObject({ kind: 'image', tags: null, inUse: true, scanState: 'complete', critical: 0, high: 0 });
    expect(byDigest[webArm.digest]).toMatchObject({ inUse: true, scanState: 'pending', critical: null, high: null, undefined: null });
    expect(byDigest[webSignature.digest]).toMatchObject({ kind: 'attestation', inUse: false, inUseBy: null, imageStatus: 'ARCHIVED' });
  });

  it('answers an image row exactly', () => {
    const [row] = rows(run({ queryType: 'images', filters: { digest: apiV1.digest } }).frame);
    expect(row).toEqual({
      account: '111111111111',
      region: 'us-east-1',
      repository: 'team/api',
      digest: apiV1.digest,
      tags: 'v1, latest',
      kind: 'image',
      pushedAt: NOW - 2 * DAY,
      sizeBytes: 100 * MIB,
      lastPulledAt: NOW - DAY - 3_600_000,
      daysSinceLastPull: 1,
      scanState: 'complete',
      critical: 1,
      high: 2,
      medium: 0,
      low: 0,
      informational: 0,
      undefined: 0,
      inUse: true,
      inUseBy: 'service prod/api',
      // Used now: at the snapshot's read time.
      lastUsedAt: snapshot.refreshStartedAt,
      lastUsedBy: 'service prod/api',
      imageStatus: 'ACTIVE',
      uri: `${api.uri}@${apiV1.digest}`,
    });
  });

  it('filters by each image filter', () => {
    expect(digests({ filters: { tag: 'v*' } })).toEqual([apiV1.digest, apiV0.digest]);
    expect(digests({ filters: { minSeverity: 'CRITICAL' } })).toEqual([apiV1.digest]);
    expect(digests({ filters: { minSeverity: 'MEDIUM' } })).toEqual([apiV1.digest, apiV0.digest]);
    expect(digests({ filters: { scanState: ['not_scanned', 'pending'] } })).toEqual([apiDangling.digest, webArm.digest]);
    expect(digests({ filters: { kind: 'attestation' } })).toEqual([webSignature.digest]);
    expect(digests({ filters: { untagged: false } })).toEqual([apiV1.digest, apiV0.digest, webIndex.digest]);
    expect(digests({ filters: { untagged: true, repository: 'team/api' } })).toEqual([apiDangling.digest]);
    expect(digests({ filters: { inUse: false } })).toEqual([apiDangling.digest, webSignature.digest]);
    expect(digests({ filters: { inUse: true, repository: 'team/api' } })).toEqual([apiV1.digest, apiV0.digest]);
    expect(digests({ filters: { cluster: 'prod', repository: 'team/api' } })).toEqual([apiV1.digest]);
    expect(digests({ filters: { olderThanDays: 30 } })).toEqual([apiV0.digest, apiDangling.digest]);
    expect(digests({ filters: { notPulledForDays: 30, repository: 'team/api' } })).toEqual([apiV0.digest, apiDangling.digest]);
    expect(digests({ filters: { pulledAfter: NOW - 60 * DAY } })).toEqual([apiV1.digest, apiDangling.digest]);
    expect(digests({ filters: { pulledBefore: NOW - 10 * DAY } })).toEqual([apiDangling.digest]);
    expect(digests({ filters: { pushedBefore: NOW - 30 * DAY } })).toEqual([apiV0.digest, apiDangling.digest]);
    expect(digests({ filters: { pushedAfter: NOW - 3 * DAY } })).toEqual([apiV1.digest]);
    expect(digests({ filters: { registry: OTHER_ACCOUNT } })).toEqual([]);
  });

  it('applies the range to pushedAt', () => {
    expect(digests({ range: { from: NOW - 50 * DAY, to: NOW - 10 * DAY } })).toEqual([apiV0.digest]);
  });

  it('sorts across repositories and pages with the total before paging', () => {
    const { frame, total } = run({ queryType: 'images', sort: { field: 'sizeBytes', order: 'desc' }, limit: 2 });
    expect(values(frame, 'digest')).toEqual([apiV1.digest, apiV0.digest]);
    expect(total).toBe(7);
    const last = run({ queryType: 'images', sort: { field: 'lastPulledAt', order: 'asc' }, limit: 3 });
    expect(values(last.frame, 'digest')).toEqual([apiDangling.digest, apiV1.digest, apiV0.digest]);
  });
});

describe('cost', () => {
  it('gives both sizes, the price and null reclaimable columns without a cleanup provider', () => {
    const { frame } = run({ queryType: 'cost', filters: { registry: '111111111111' } });
    expect(rows(frame)[1]).toEqual({
      account: '111111111111',
      region: 'eu-west-1',
      repository: 'web',
      imageCount: 4,
      summedSizeBytes: 96 * MIB,
      deduplicatedSizeBytes: 86 * MIB,
      monthlyCostUsd: 0.010078,
      pricePerGbMonth: 0.12,
      archivedImageCount: 1,
      archivedSummedSizeBytes: MIB,
      deduplicatedComplete: true,
      imagesWithoutSize: 0,
      reclaimableBytes: null,
      reclaimableImages: null,
      reclaimableMonthlyUsd: null,
    });
    expect(frame.meta.notices?.map((n) => n.text)).toContain(
      'Deduplicated size incomplete: 1 image(s) in 1 repository(ies) lack layer data and were counted at their imageSizeInBytes.',
    );
  });

  it('shows what the reclaimable provider gives', () => {
    const withCleanup = testContext({ reclaimable: (_s, id) => (id === api.id ? { bytes: 80 * MIB, images: 1, monthlyUsd: 0.0078 } : undefined) });
    const { frame } = runQuery(snapshot, request({ queryType: 'cost', filters: { repository: 'team/api' } }), withCleanup);
    expect(rows(frame)[0]).toMatchObject({ reclaimableBytes: 80 * MIB, reclaimableImages: 1, reclaimableMonthlyUsd: 0.0078 });
  });
});

describe('severity', () => {
  it('sums per repository, with scanned and unscanned counts and null when nothing is scanned', () => {
    const { frame } = run({ queryType: 'severity' });
    expect(rows(frame)).toEqual([
      { account: '111111111111', region: 'us-east-1', repository: 'team/api', images: 3, scannedImages: 2, unscannedImages: 1, critical: 1, high: 3, medium: 3, low: 0, informational: 0, undefined: 0 },
      { account: '111111111111', region: 'eu-west-1', repository: 'web', images: 4, scannedImages: 1, unscannedImages: 1, critical: 0, high: 0, medium: 0, low: 0, informational: 0, undefined: 0 },
      { account: '222222222222', region: 'us-east-1', repository: 'empty', images: 0, scannedImages: 0, unscannedImages: 0, critical: null, high: null, medium: null, low: null, informational: null, undefined: null },
    ]);
  });

  it('lists per image with level image, and leaves out repositories without matching images', () => {
    const perImage = run({ queryType: 'severity', filters: { level: 'image', repository: 'team/api' }, sort: { field: 'critical', order: 'desc' } });
    expect(values(perImage.frame, 'digest')).toEqual([apiV1.digest, apiV0.digest, apiDangling.digest]);
    expect(values(perImage.frame, 'high')).toEqual([2, 1, null]);
    expect(values(perImage.frame, 'scanState')).toEqual(['complete', 'active', 'not_scanned']);
    const filtered = run({ queryType: 'severity', filters: { tag: 'v0' } });
    expect(rows(filtered.frame)).toEqual([
      { account: '111111111111', region: 'us-east-1', repository: 'team/api', images: 1, scannedImages: 1, unscannedImages: 0, critical: 0, high: 1, medium: 3, low: 0, informational: 0, undefined: 0 },
    ]);
  });
});

describe('findings', () => {
  it('lists the CVEs of one image, most severe first', () => {
    const { frame, total } = run({ queryType: 'findings', filters: { digest: apiV1.digest } });
    expect(total).toBe(3);
    expect(values(frame, 'name')).toEqual(['CVE-2024-0001', 'CVE-2024-0003', 'CVE-2024-0002']);
    expect(rows(frame)[2]).toEqual({
      name: 'CVE-2024-0002',
      severity: 'HIGH',
      packageName: 'openssl',
      packageVersion: '3.0.1',
      fixedInVersion: '3.0.2',
      uri: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0002',
      score: null,
      status: null,
      source: 'basic',
      description: null,
    });
    expect(values(run({ queryType: 'findings', filters: { digest: apiV1.digest, minSeverity: 'CRITICAL' } }).frame, 'name')).toEqual(['CVE-2024-0001']);
  });

  it('requires filters.digest', () => {
    expect(() => run({ queryType: 'findings' })).toThrow(QueryError);
    try {
      run({ queryType: 'findings' });
    } catch (error) {
      expect((error as QueryError).issues).toEqual([{ path: 'filters.digest', message: 'is required for queryType findings' }]);
    }
  });

  it('says findings are unavailable instead of showing none, and asks the provider lazily', async () => {
    const pure = run({ queryType: 'findings', filters: { digest: apiV0.digest } });
    expect(pure.total).toBe(0);
    expect(pure.frame.meta.notices?.[0]?.text).toMatch(/not available \(scan state active\); this is not a clean result/);
    const asked: string[] = [];
    const lazy = testContext({
      findingsProvider: async (repository, digest) => {
        asked.push(`${repository.name}@${digest}`);
        return [findingsV1[0]!];
      },
    });
    const result = await executeQuery(snapshot, request({ queryType: 'findings', filters: { digest: apiV0.digest } }), lazy);
    expect(asked).toEqual([`team/api@${apiV0.digest}`]);
    expect(values(result.frame, 'name')).toEqual(['CVE-2024-0002']);
    await executeQuery(snapshot, request({ queryType: 'findings', filters: { digest: apiV1.digest } }), lazy);
    expect(asked).toHaveLength(1);
  });
});

describe('usage', () => {
  it('lists every use with its repository, and filters by cluster, kind, repository, digest and range', () => {
    const { frame, total } = run({ queryType: 'usage' });
    expect(total).toBe(4);
    expect(rows(frame)[0]).toEqual({
      account: '111111111111',
      region: 'us-east-1',
      source: 'ecs',
      cluster: 'prod',
      service: null,
      task: 'task1',
      taskDefinition: 'web:3',
      container: 'web',
      functionName: null,
      qualifier: null,
      namespace: null,
      pod: null,
      list: null,
      reference: `${web.uri}:2.0`,
      digest: webIndex.digest,
      repository: 'web',
      kind: 'running-task',
      at: NOW - 3_600_000,
      firstSeenAt: null,
      lastSeenAt: null,
    });
    const kinds = (filters: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      values(run({ queryType: 'usage', filters, ...extra }).frame, 'kind');
    expect(kinds({ cluster: 'staging' })).toEqual(['stopped-task']);
    expect(values(run({ queryType: 'usage', filters: { cluster: 'staging' } }).frame, 'repository')).toEqual([null]);
    expect(kinds({ useKind: ['service', 'task-definition'] })).toEqual(['service', 'task-definition']);
    expect(kinds({ repository: 'team/*' })).toEqual(['service', 'task-definition']);
    expect(kinds({ digest: apiV0.digest })).toEqual(['task-definition']);
    expect(kinds({}, { range: { from: NOW - 5 * 3_600_000, to: NOW } })).toEqual(['running-task', 'task-definition', 'stopped-task']);
  });
});

describe('bad requests the engine catches', () => {
  const issues = (input: Record<string, unknown>) => {
    try {
      run(input);
    } catch (error) {
      return (error as QueryError).issues.map((i) => i.path);
    }
    return [];
  };
  it('names filters that do not apply, an unknown sort column, a reversed range and an unavailable type', () => {
    expect(issues({ queryType: 'cost', filters: { tag: 'x', minSeverity: 'HIGH' } })).toEqual(['filters.tag', 'filters.minSeverity']);
    expect(issues({ queryType: 'images', sort: { field: 'nope' } })).toEqual(['sort.field']);
    expect(issues({ queryType: 'images', range: { from: NOW, to: NOW - 1 } })).toEqual(['range.to']);
    expect(issues({ queryType: 'cleanup' })).toEqual(['queryType']);
  });
  it('lets another module plug in a query type', () => {
    const custom = runQuery(snapshot, request({ queryType: 'cleanup' }), ctx, {
      cleanup: {
        filters: [],
        usesRange: false,
        build: (s) => ({ name: 'cleanup', fields: [], meta: { preferredVisualisationType: 'table', totalRows: 0, snapshotVersion: s.version } }),
      },
    });
    expect(custom.frame.name).toBe('cleanup');
  });
});
