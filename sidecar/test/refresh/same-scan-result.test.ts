import type { FindingSeverity, ScanStatus } from '@aws-sdk/client-ecr';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameScan } from '../../src/refresh/assemble-image.js';
import { sameScanResult, scanResult, SharedCounts, type FetchedScan, type ScanInput } from '../../src/refresh/scans.js';
import type { Finding, ScanResult, Severity } from '../../src/snapshot/model.js';
import { SEVERITIES } from '../../src/snapshot/model.js';

// Few values per field, so that inputs and scans often agree and the comparison's every branch is taken.
const STATUSES: (string | undefined)[] = [undefined, '', 'COMPLETE', 'ACTIVE', 'PENDING', 'FAILED', 'UNSUPPORTED_IMAGE', 'SCAN_ELIGIBILITY_EXPIRED'];
const status = fc.constantFrom(...STATUSES) as fc.Arbitrary<ScanStatus | undefined>;
const description = fc.constantFrom(undefined, '', 'Scan complete', 'No findings');
const time = fc.constantFrom(undefined, 1_700_000_000_000, 1_700_000_500_000);
const date = time.map((t) => (t === undefined ? undefined : new Date(t)));
const severity = fc.constantFrom<Severity>(...SEVERITIES);
const counts = fc.record(Object.fromEntries(SEVERITIES.map((s) => [s, fc.integer({ min: 0, max: 2 })])) as Record<Severity, fc.Arbitrary<number>>);
// ECR's raw summary: any key (lower case, UNTRIAGED), some values missing.
const rawCounts: fc.Arbitrary<Partial<Record<FindingSeverity, number>>> = fc.dictionary(fc.constantFrom('CRITICAL', 'HIGH', 'high', 'UNTRIAGED', 'INFORMATIONAL', 'UNDEFINED'), fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }), { maxKeys: 4 }) as fc.Arbitrary<Partial<Record<FindingSeverity, number>>>;
const finding = severity.map((s): Finding => ({ name: `CVE-${s}`, severity: s, source: 'enhanced' }));

const fetched: fc.Arbitrary<FetchedScan> = fc.record(
  {
    notFound: fc.boolean(),
    status,
    description,
    completedAt: time,
    vulnerabilitySourceUpdatedAt: time,
    counts,
    findings: fc.array(finding, { maxLength: 4 }),
    enhanced: fc.boolean(),
    fetchedAt: fc.constant(1),
  },
  { requiredKeys: ['findings', 'enhanced', 'fetchedAt'] },
);

const input: fc.Arbitrary<ScanInput> = fc.record(
  {
    detail: fc.record(
      {
        imageScanStatus: fc.record({ status, description }, { requiredKeys: [] }),
        imageScanFindingsSummary: fc.record(
          { imageScanCompletedAt: date, vulnerabilitySourceUpdatedAt: date, findingSeverityCounts: rawCounts },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    fetched,
    registryScanType: fc.constantFrom<'BASIC' | 'ENHANCED'>('BASIC', 'ENHANCED'),
  },
  { requiredKeys: ['detail', 'registryScanType'] },
);

// A scan to compare with: often the input's own result (equal), or that result with one field changed.
const scanFor = (i: ScanInput): fc.Arbitrary<ScanResult> => {
  const own = scanResult(i, (s) => s, new SharedCounts());
  return fc.oneof(
    fc.constant(own),
    fc.constant({ ...own }),
    status.map((s): ScanResult => ({ ...own, status: s })),
    description.map((d): ScanResult => ({ ...own, description: d })),
    time.map((t): ScanResult => ({ ...own, completedAt: t })),
    time.map((t): ScanResult => ({ ...own, vulnerabilitySourceUpdatedAt: t })),
    fc.constantFrom<ScanResult['scanType']>(undefined, 'BASIC', 'ENHANCED').map((t): ScanResult => ({ ...own, scanType: t })),
    fc.option(counts, { nil: undefined }).map((c): ScanResult => ({ ...own, counts: c })),
  );
};

describe('sameScanResult', () => {
  it('says what sameScan says of the result scanResult would make, for any input and scan', () => {
    let equal = 0;
    fc.assert(
      fc.property(input.chain((i) => fc.tuple(fc.constant(i), scanFor(i))), ([i, scan]) => {
        const expected = sameScan(scanResult(i), scan);
        if (expected) equal++;
        expect(sameScanResult(i, scan)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
    // Both answers were taken often.
    expect(equal).toBeGreaterThan(300);
    expect(equal).toBeLessThan(2700);
  });

  it('compares counts from each source: fetched counts, counted findings, the summary', () => {
    const complete = { imageScanStatus: { status: 'COMPLETE' as ScanStatus } };
    const two: Finding[] = [
      { name: 'a', severity: 'HIGH', source: 'enhanced' },
      { name: 'b', severity: 'HIGH', source: 'enhanced' },
    ];
    const withFindings: ScanInput = { detail: complete, fetched: { findings: two, enhanced: true, fetchedAt: 1, completedAt: 5 }, registryScanType: 'ENHANCED' };
    const scan = scanResult(withFindings);
    expect(scan.counts?.HIGH).toBe(2);
    expect(sameScanResult(withFindings, scan)).toBe(true);
    expect(sameScanResult(withFindings, { ...scan, counts: { ...scan.counts!, HIGH: 1 } })).toBe(false);

    const summary: ScanInput = {
      detail: { ...complete, imageScanFindingsSummary: { imageScanCompletedAt: new Date(5), findingSeverityCounts: { high: 1, UNTRIAGED: 2 } as Partial<Record<FindingSeverity, number>> } },
      registryScanType: 'BASIC',
    };
    const fromSummary = scanResult(summary);
    expect(fromSummary.counts).toMatchObject({ HIGH: 1, UNDEFINED: 2 });
    expect(sameScanResult(summary, fromSummary)).toBe(true);
    expect(sameScanResult(summary, { ...fromSummary, counts: { ...fromSummary.counts!, UNDEFINED: 0 } })).toBe(false);
    expect(sameScanResult(summary, { ...fromSummary, counts: undefined })).toBe(false);
  });
});
