import { createHash } from 'node:crypto';
import { BLOB_KEY_CHARS, blobCount, blobKey, blobKeys, blobList } from '../../src/snapshot/blob-key.js';
import { describe, expect, it } from 'vitest';
import type { FetchedScan } from '../../src/refresh/scans.js';
import { cachedScanValid, needsFindingsFetch, scanResult, scanState } from '../../src/refresh/scans.js';
import { enhancedFinding, basicFinding } from '../../src/aws/finding-mappers.js';
import { compactFinding } from '../../src/refresh/ecr-scans.js';
import { compactManifest, imageKind, parseManifest } from '../../src/refresh/assemble-image.js';

const D = (c: string): string => `sha256:${c.repeat(64)}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

describe('parseManifest', () => {
  it('reads the config and layers of an image manifest', () => {
    const m = parseManifest(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: D('c'), size: 1500 },
        layers: [
          { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: D('1'), size: 100 },
          { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: D('2'), size: 200 },
        ],
      }),
    );
    expect(m).toEqual({ mediaType: DOCKER_MANIFEST, blobs: blobList([D('c'), D('1'), D('2')].map(blobKey)), blobSizes: [1500, 100, 200], children: [], attestationChildren: [], attestationLayers: false });
    // Blobs are kept as 16-byte keys (a sha256 digest's first bytes), one string for the list.
    expect(BLOB_KEY_CHARS).toBe(16);
    expect(blobCount(m.blobs)).toBe(3);
    expect(blobKeys(m.blobs).map((b) => Buffer.from(b, 'latin1').toString('hex'))).toEqual([D('c'), D('1'), D('2')].map((d) => d.slice(7, 39)));
  });

  it('keys digests other than sha256 by a keyed hash of their text, 16 bytes as well', () => {
    const other = 'sha512:' + 'ab'.repeat(64);
    expect(blobKey(other)).toHaveLength(16);
    expect(blobKey(other)).toBe(blobKey(other));
    expect(blobKey(other)).not.toBe(blobKey('sha512:' + 'ab'.repeat(63) + 'ac'));
    // Not the key of a blob whose content is the digest's text (nor of the text's own sha256).
    expect(blobKey(other)).not.toBe(blobKey(`sha256:${createHash('sha256').update(other).digest('hex')}`));
    expect(blobKey('sha256:ABC')).toHaveLength(16);
    expect(blobKey('sha256:ABC')).not.toBe(blobKey('sha256:abc'));
  });

  it('reads the children of an index and marks buildx attestation manifests', () => {
    const m = parseManifest(
      JSON.stringify({
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: D('a'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: OCI_MANIFEST, digest: D('b'), size: 1, platform: { os: 'linux', architecture: 'arm64' } },
          { mediaType: OCI_MANIFEST, digest: D('e'), size: 1, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': D('a') } },
        ],
      }),
    );
    expect(m.children).toEqual([D('a'), D('b'), D('e')]);
    expect(m.attestationChildren).toEqual([D('e')]);
    expect(blobCount(m.blobs)).toBe(0);
  });

  const SOCI_REFERRER = JSON.stringify({
    mediaType: OCI_MANIFEST,
    artifactType: 'application/vnd.amazon.soci.index.v1+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: D('0'), size: 2 },
    layers: [{ mediaType: 'application/octet-stream', digest: D('9'), size: 10 }],
    subject: { mediaType: OCI_MANIFEST, digest: D('a'), size: 500 },
  });

  it('reads the subject and artifact type of a referrer', () => {
    const m = parseManifest(SOCI_REFERRER);
    expect(m.subject).toBe(D('a'));
    expect(m.artifactType).toBe('application/vnd.amazon.soci.index.v1+json');
  });

  it('caches a manifest as its fields in the same order, without the blob sizes, frozen', () => {
    const m = parseManifest(SOCI_REFERRER);
    const cached = compactManifest(m);
    const { blobSizes: _sizes, ...expected } = m;
    expect(Object.keys(cached)).toEqual(Object.keys(expected));
    expect({ ...cached }).toStrictEqual(expected);
    expect(Object.isFrozen(cached)).toBe(true);
    // Without the optional fields, none is set (not even as undefined).
    const plain = compactManifest(parseManifest(JSON.stringify({ config: { digest: D('c'), size: 1 }, layers: [] })));
    expect(Object.keys(plain)).toEqual(['blobs', 'children', 'attestationChildren', 'attestationLayers']);
  });

  it('rejects text that is not a JSON object', () => {
    expect(() => parseManifest('[]')).toThrow('manifest is not a JSON object');
    expect(() => parseManifest('{')).toThrow();
  });
});

describe('imageKind', () => {
  it.each([
    [{ manifestMediaType: DOCKER_MANIFEST, artifactMediaType: 'application/vnd.docker.container.image.v1+json' }, 'image'],
    [{ manifestMediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.oci.image.config.v1+json' }, 'image'],
    [{ manifestMediaType: OCI_MANIFEST }, 'image'],
    [{ manifestMediaType: OCI_INDEX }, 'index'],
    [{ manifestMediaType: DOCKER_LIST }, 'index'],
    [{ manifestMediaType: OCI_MANIFEST, subjectDigest: D('a') }, 'attestation'],
    [{ manifestMediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.dev.cosign.artifact.sig.v1+json' }, 'attestation'],
    [{ manifestMediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.amazon.soci.index.v1+json' }, 'attestation'],
    [{ manifestMediaType: OCI_MANIFEST, artifactMediaType: 'application/spdx+json' }, 'attestation'],
    [{ manifestMediaType: OCI_MANIFEST, attestationChild: true }, 'attestation'],
    [{ manifestMediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.cncf.helm.config.v1+json' }, 'other'],
    [{ manifestMediaType: 'application/vnd.example.unknown' }, 'other'],
  ] as const)('%j is %s', (input, kind) => {
    expect(imageKind(input)).toBe(kind);
  });

  it('treats a manifest whose layers are all in-toto statements as an attestation', () => {
    const manifest = parseManifest(
      JSON.stringify({
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D('c'), size: 1 },
        layers: [{ mediaType: 'application/vnd.in-toto+json', digest: D('1'), size: 10 }],
      }),
    );
    expect(imageKind({ manifestMediaType: OCI_MANIFEST, manifest })).toBe('attestation');
  });
});

describe('scan state', () => {
  it.each([
    ['COMPLETE', 'complete'],
    ['ACTIVE', 'active'],
    ['PENDING', 'pending'],
    ['IN_PROGRESS', 'pending'],
    ['FAILED', 'failed'],
    ['FINDINGS_UNAVAILABLE', 'failed'],
    ['LIMIT_EXCEEDED', 'failed'],
    ['UNSUPPORTED_IMAGE', 'unsupported'],
    ['SCAN_ELIGIBILITY_EXPIRED', 'not_scanned'],
    [undefined, 'not_scanned'],
  ])('%s -> %s', (status, state) => {
    expect(scanState(status)).toBe(state);
  });

  const at = new Date(1_700_000_000_000);
  const src = new Date(1_699_000_000_000);

  it('takes basic counts from the DescribeImages summary, filling absent severities with 0', () => {
    expect(
      scanResult({
        detail: {
          imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
          imageScanFindingsSummary: { imageScanCompletedAt: at, vulnerabilitySourceUpdatedAt: src, findingSeverityCounts: { HIGH: 2, LOW: 1 } },
        },
        registryScanType: 'BASIC',
      }),
    ).toEqual({
      state: 'complete',
      status: 'COMPLETE',
      description: 'The scan was completed successfully.',
      scanType: 'BASIC',
      completedAt: 1_700_000_000_000,
      vulnerabilitySourceUpdatedAt: 1_699_000_000_000,
      counts: { CRITICAL: 0, HIGH: 2, MEDIUM: 0, LOW: 1, INFORMATIONAL: 0, UNDEFINED: 0 },
    });
  });

  it('gives a scanned image’s result the same fields, in the same order, with or without a description and source date', () => {
    const counts = { CRITICAL: 0, HIGH: 2, MEDIUM: 0, LOW: 1, INFORMATIONAL: 0, UNDEFINED: 0 };
    const shapes = [
      [{ description: 'The scan was completed successfully.' }, { vulnerabilitySourceUpdatedAt: src }],
      [{ description: 'The scan was completed successfully.' }, {}],
      [{}, { vulnerabilitySourceUpdatedAt: src }],
      [{}, {}],
    ] as const;
    const results = shapes.map(([status, summary]) =>
      scanResult({
        detail: {
          imageScanStatus: { status: 'COMPLETE', ...status },
          imageScanFindingsSummary: { imageScanCompletedAt: at, ...summary, findingSeverityCounts: { HIGH: 2, LOW: 1 } },
        },
        registryScanType: 'BASIC',
      }),
    );
    expect(results.map((r) => Object.entries(r))).toEqual([
      Object.entries({ state: 'complete', status: 'COMPLETE', description: 'The scan was completed successfully.', scanType: 'BASIC', completedAt: at.getTime(), vulnerabilitySourceUpdatedAt: src.getTime(), counts }),
      Object.entries({ state: 'complete', status: 'COMPLETE', description: 'The scan was completed successfully.', scanType: 'BASIC', completedAt: at.getTime(), counts }),
      Object.entries({ state: 'complete', status: 'COMPLETE', scanType: 'BASIC', completedAt: at.getTime(), vulnerabilitySourceUpdatedAt: src.getTime(), counts }),
      Object.entries({ state: 'complete', status: 'COMPLETE', scanType: 'BASIC', completedAt: at.getTime(), counts }),
    ]);
    // An enhanced scan still running (no counts yet) is made field by field, in the same order.
    expect(Object.keys(scanResult({ detail: { imageScanStatus: { status: 'ACTIVE', description: 'Scanning' } }, registryScanType: 'ENHANCED' }))).toEqual([
      'state',
      'status',
      'description',
      'scanType',
    ]);
  });

  it('never reports zero counts for missing data', () => {
    expect(scanResult({ detail: {}, registryScanType: 'BASIC' })).toEqual({ state: 'not_scanned' });
    expect(scanResult({ detail: { imageScanStatus: { status: 'ACTIVE' } }, registryScanType: 'ENHANCED' })).toEqual({ state: 'active', status: 'ACTIVE', scanType: 'ENHANCED' });
    expect(scanResult({ detail: { imageScanStatus: { status: 'FAILED', description: 'x' } }, registryScanType: 'BASIC' }).counts).toBeUndefined();
  });

  it('takes enhanced counts from fetched findings', () => {
    const fetched: FetchedScan = {
      status: 'ACTIVE',
      completedAt: 1_700_000_000_000,
      counts: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 1 },
      findings: [],
      enhanced: true,
      fetchedAt: 5,
    };
    expect(scanResult({ detail: { imageScanStatus: { status: 'ACTIVE' } }, fetched, registryScanType: 'ENHANCED' })).toEqual({
      state: 'active',
      status: 'ACTIVE',
      scanType: 'ENHANCED',
      completedAt: 1_700_000_000_000,
      counts: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 1 },
    });
  });

  it('reads the newer basic scanner from fetched findings, and ScanNotFound as not scanned', () => {
    const fetched: FetchedScan = {
      status: 'COMPLETE',
      completedAt: 1_700_000_000_000,
      findings: [basicFinding({ name: 'CVE-1', severity: 'HIGH' }), basicFinding({ name: 'CVE-2', severity: 'HIGH' })],
      enhanced: false,
      fetchedAt: 5,
    };
    expect(scanResult({ detail: {}, fetched, registryScanType: 'BASIC' }).counts).toEqual({ CRITICAL: 0, HIGH: 2, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 });
    expect(scanResult({ detail: {}, fetched: { notFound: true, findings: [], enhanced: false, fetchedAt: 5 }, registryScanType: 'BASIC' })).toEqual({ state: 'not_scanned' });
  });

  it('decides which images need DescribeImageScanFindings', () => {
    expect(needsFindingsFetch({ imageScanStatus: { status: 'ACTIVE' } }, false)).toBe(true);
    expect(needsFindingsFetch({ imageScanStatus: { status: 'COMPLETE' }, imageScanFindingsSummary: { imageScanCompletedAt: at } }, true)).toBe(false);
    expect(needsFindingsFetch({}, true)).toBe(true);
    expect(needsFindingsFetch({}, false)).toBe(false);
    expect(needsFindingsFetch({ imageStatus: 'ARCHIVED', imageScanStatus: { status: 'ACTIVE' } }, true)).toBe(false);
  });

  it('keeps cached findings until the scan or the source changes, or they age out without a signal', () => {
    const cached: FetchedScan = { status: 'ACTIVE', completedAt: at.getTime(), vulnerabilitySourceUpdatedAt: src.getTime(), findings: [], enhanced: true, fetchedAt: 1000 };
    const withSummary = (completed: Date, source: Date) => ({ imageScanStatus: { status: 'COMPLETE' as const }, imageScanFindingsSummary: { imageScanCompletedAt: completed, vulnerabilitySourceUpdatedAt: source } });
    expect(cachedScanValid(cached, withSummary(at, src), 10 ** 12, 1)).toBe(true);
    expect(cachedScanValid(cached, withSummary(new Date(at.getTime() + 1), src), 2000, 10_000)).toBe(false);
    expect(cachedScanValid(cached, withSummary(at, new Date(src.getTime() + 1)), 2000, 10_000)).toBe(false);
    expect(cachedScanValid(cached, { imageScanStatus: { status: 'ACTIVE' } }, 5000, 10_000)).toBe(true);
    expect(cachedScanValid(cached, { imageScanStatus: { status: 'ACTIVE' } }, 11_000, 10_000)).toBe(false);
  });
});

describe('findings', () => {
  it('reads a basic finding', () => {
    expect(
      basicFinding({
        name: 'CVE-2023-0001',
        severity: 'HIGH',
        uri: 'https://cve/1',
        description: 'd',
        attributes: [
          { key: 'package_name', value: 'openssl' },
          { key: 'package_version', value: '1.1.1' },
          { key: 'CVSS2_SCORE', value: '7.5' },
        ],
      }),
    ).toEqual({ name: 'CVE-2023-0001', severity: 'HIGH', uri: 'https://cve/1', description: 'd', packageName: 'openssl', packageVersion: '1.1.1', score: 7.5, source: 'basic' });
  });

  it('reads an enhanced finding; unknown severities become UNDEFINED', () => {
    expect(
      enhancedFinding({
        title: 'CVE-2024-1 - zlib',
        severity: 'UNTRIAGED',
        score: 5.5,
        status: 'ACTIVE',
        packageVulnerabilityDetails: {
          vulnerabilityId: 'CVE-2024-1',
          sourceUrl: 'https://nvd/CVE-2024-1',
          vulnerablePackages: [{ name: 'zlib', version: '1.2.11', fixedInVersion: '1.2.12' }],
        },
      }),
    ).toEqual({
      name: 'CVE-2024-1',
      severity: 'UNDEFINED',
      uri: 'https://nvd/CVE-2024-1',
      packageName: 'zlib',
      packageVersion: '1.2.11',
      fixedInVersion: '1.2.12',
      score: 5.5,
      status: 'ACTIVE',
      source: 'enhanced',
    });
  });

  it('keeps a finding as the mapper gave it, in the same order, its text through the refresh’s interner', () => {
    const f = enhancedFinding({
      title: 'CVE-2024-2 - curl',
      description: 'a heap overflow',
      severity: 'CRITICAL',
      score: 9.8,
      status: 'ACTIVE',
      packageVulnerabilityDetails: { vulnerabilityId: 'CVE-2024-2', sourceUrl: 'https://nvd/CVE-2024-2', vulnerablePackages: [{ name: 'curl', version: '8.0', fixedInVersion: '8.1' }] },
    });
    const interned: string[] = [];
    const kept = compactFinding(f, (s) => (interned.push(s), s));
    expect(Object.keys(kept)).toEqual(Object.keys(f));
    expect({ ...kept }).toStrictEqual(f);
    expect(interned).toEqual(['CVE-2024-2', 'a heap overflow', 'https://nvd/CVE-2024-2', 'curl', '8.0', '8.1', 'ACTIVE']);
    const basic = basicFinding({ name: 'CVE-2023-9', severity: 'LOW' });
    expect(Object.keys(compactFinding(basic, (s) => s))).toEqual(['name', 'severity', 'source']);
  });
});
