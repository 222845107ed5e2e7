/**
 * Findings the snapshot's budget cannot take are counted, not made into records (refresh/ecr-scans.ts toFetchedScan):
 * the scan result, the cached scan and the snapshot's findings must be what making them would have given.
 */
import type { EnhancedImageScanFinding, ImageScanFinding } from '@aws-sdk/client-ecr';
import fc from 'fast-check';
import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScanFindingsPages } from '../../src/aws/ecr.js';
import { EcrFetcher } from '../../src/aws/ecr.js';
import { RefreshCaches } from '../../src/refresh/caches.js';
import type { EcrReadContext } from '../../src/refresh/ecr-context.js';
import { SNAPSHOT_FINDINGS_MAX, readRepository } from '../../src/refresh/ecr.js';
import { toFetchedScan } from '../../src/refresh/ecr-scans.js';
import { startRefreshRun } from '../../src/refresh/run.js';
import { OMITTED_FINDINGS, SharedCounts, compactScan, countFindings, madeFindings, scanResult } from '../../src/refresh/scans.js';
import type { Incomplete, Registry } from '../../src/snapshot/model.js';
import { REFERENCE_NOW, startHarness, type Harness } from './helpers.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const severity = fc.option(fc.constantFrom('CRITICAL', 'HIGH', 'medium', 'LOW', 'INFORMATIONAL', 'UNDEFINED', '', 'BOGUS', '__proto__', 'constructor'), { nil: undefined });
const basic = fc.record({ name: fc.string({ maxLength: 8 }), severity }, { requiredKeys: ['name'] }) as fc.Arbitrary<ImageScanFinding>;
const enhanced = fc.record({ title: fc.string({ maxLength: 8 }), severity }, { requiredKeys: ['title'] }) as fc.Arbitrary<EnhancedImageScanFinding>;
const pages: fc.Arbitrary<ScanFindingsPages> = fc.record(
  {
    status: fc.option(fc.record({ status: fc.constantFrom('COMPLETE', 'ACTIVE', 'FAILED') }), { nil: undefined }),
    completedAt: fc.option(fc.constant(new Date(REFERENCE_NOW - 60_000)), { nil: undefined }),
    severityCounts: fc.option(fc.dictionary(fc.constantFrom('CRITICAL', 'HIGH', 'LOW'), fc.nat(50)), { nil: undefined }),
    findings: fc.array(basic, { maxLength: 12 }),
    enhancedFindings: fc.array(enhanced, { maxLength: 12 }),
  },
  { requiredKeys: ['findings', 'enhancedFindings'] },
) as fc.Arbitrary<ScanFindingsPages>;
const detail = fc.record({
  imageScanStatus: fc.option(fc.record({ status: fc.constantFrom('COMPLETE', 'ACTIVE') }), { nil: undefined }),
});

describe('findings over the budget, counted only', () => {
  it('give the scan result and cached scan that the findings made into records give', () => {
    fc.assert(
      fc.property(pages, detail, fc.nat(30), fc.constantFrom<'BASIC' | 'ENHANCED'>('BASIC', 'ENHANCED'), (p, d, left, registryScanType) => {
        const made = toFetchedScan(p, REFERENCE_NOW);
        const budgeted = toFetchedScan(p, REFERENCE_NOW, (s) => s, left);
        const listed = p.findings.length + p.enhancedFindings.length;
        expect(budgeted.findings === OMITTED_FINDINGS).toBe(listed > left);
        if (listed > left) {
          expect(madeFindings(budgeted)).toBeUndefined();
          expect(budgeted.counts).toEqual(made.counts ?? countFindings(made.findings));
        } else expect(budgeted).toEqual(made);
        expect(scanResult({ detail: d, fetched: budgeted, registryScanType })).toEqual(scanResult({ detail: d, fetched: made, registryScanType }));
        const shared = new SharedCounts();
        expect({ ...compactScan(budgeted, shared) }).toEqual({ ...compactScan(made, shared) });
      }),
      { numRuns: 300 },
    );
  });

  it('leave the snapshot without those lists, and everything else as with a budget that takes them', async () => {
    harness = await startHarness();
    const all = await readInference(harness, SNAPSHOT_FINDINGS_MAX);
    const one = await readInference(harness, 1);
    // One image with findings (ACTIVE, enhanced) and one with none: only the empty list fits a budget of one.
    const lists = new Map(all.result.findings);
    expect([...lists.values()].map((list) => list.length).sort()).toEqual([0, 2]);
    const withFindings = [...lists].find(([, list]) => list.length > 0)![0];
    expect(one.result.findings.map(([digest]) => digest)).not.toContain(withFindings);
    for (const [digest, list] of one.result.findings) expect(list).toEqual(lists.get(digest));
    expect(one.result.images).toEqual(all.result.images);
    expect(one.scans).toEqual(all.scans);
    expect(one.result.images.find((i) => i.digest === withFindings)!.scan.counts).toMatchObject({ CRITICAL: 1, HIGH: 1 });
  });
});

describe('scans read for their counts only', () => {
  it('once the budget is spent, read one finding per scan and ECR\'s counts, and give the same images and cached scans', async () => {
    harness = await startHarness();
    const all = await readInference(harness, SNAPSHOT_FINDINGS_MAX);
    const calls = () => harness!.emulator.controls.calls()['ecr:DescribeImageScanFindings']?.calls ?? 0;
    const before = calls();
    const none = await readInference(harness, 0);
    expect(calls() - before).toBe(2); // one page for each of the two images, though one has two findings
    expect(none.result.findings).toEqual([]);
    expect(none.result.images).toEqual(all.result.images);
    expect(none.scans).toEqual(all.scans);

    const pages = (await inferenceFetcher(harness).scanFindings('ml/inference', withFindingsDigest(all), true))!;
    expect(pages.countsOnly).toBe(true);
    expect(pages.enhancedFindings).toHaveLength(1);
    expect(pages.severityCounts).toEqual({ CRITICAL: 1, HIGH: 1 });
  });

  it('read every page when ECR gives no counts, and count the findings', async () => {
    harness = await startHarness({ proxy: true });
    const all = await readInference(harness, SNAPSHOT_FINDINGS_MAX);
    // An AWS that leaves the optional findingSeverityCounts out.
    harness.proxy!.answer = (target, answer) => {
      if (target !== 'DescribeImageScanFindings') return answer;
      const findings = answer.imageScanFindings as Record<string, unknown> | undefined;
      if (findings) delete findings.findingSeverityCounts;
      return answer;
    };
    const pages = (await inferenceFetcher(harness).scanFindings('ml/inference', withFindingsDigest(all), true))!;
    expect(pages.countsOnly).toBeUndefined();
    expect(pages.severityCounts).toBeUndefined();
    expect(pages.enhancedFindings.map((f) => f.severity).sort()).toEqual(['CRITICAL', 'HIGH']);
    const none = await readInference(harness, 0);
    expect(none.result.images).toEqual(all.result.images);
    expect(none.result.images.find((i) => i.digest === withFindingsDigest(all))!.scan.counts).toMatchObject({ CRITICAL: 1, HIGH: 1 });
  });
});

const INFERENCE_ACCOUNT = '222222222222';
const inferenceFetcher = (h: Harness) => new EcrFetcher(h.clients.ecr(h.config.accounts.find((a) => a.accountId === INFERENCE_ACCOUNT)!, 'us-east-1'), pLimit(4));
const withFindingsDigest = (read: InferenceRead) => read.result.findings.find(([, list]) => list.length > 0)![0];

type InferenceRead = Awaited<ReturnType<typeof readInference>>;

/** ml/inference (an enhanced-scanning registry) read from nothing, with `budget` findings left for the snapshot. */
async function readInference(h: Harness, budget: number) {
  const ecr = inferenceFetcher(h);
  const [listed] = await ecr.repositories();
  expect(listed!.repositoryName).toBe('ml/inference');
  const registry: Registry = { accountId: INFERENCE_ACCOUNT, region: 'us-east-1', replicationRules: [], scanType: 'ENHANCED', scanningRules: [] };
  const caches = new RefreshCaches();
  const ctx: EcrReadContext = {
    accountId: INFERENCE_ACCOUNT,
    region: 'us-east-1',
    ecr,
    caches,
    run: startRefreshRun(REFERENCE_NOW, undefined, budget),
    scanMaxAgeMs: 6 * 3_600_000,
    settingsMaxAgeMs: 0,
    repositoryLimit: pLimit(1),
    describeRegistry: Promise.resolve({ status: 'fulfilled', value: { replicationRules: [] } }),
    basicScanner: Promise.resolve(undefined),
  };
  const incomplete: Incomplete[] = [];
  const result = await readRepository(ctx, registry, listed!, incomplete);
  expect(incomplete).toEqual([]);
  return { result, scans: new Map([...caches.scans.get(result.repository.id)!].map(([digest, scan]) => [digest, { ...scan }])) };
}
