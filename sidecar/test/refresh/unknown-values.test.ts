/**
 * "Unknown stays unknown": ECR answers whose optional fields are missing (imageSizeInBytes, a finding's
 * description, lastRecordedPullTime), read by the real SDK clients and refresher from the emulator, show as
 * null frame cells, empty CSV cells and absent metric samples, never as 0. Also: the severity query and the
 * unscanned metric agree on a registry that holds a non-image artifact.
 */
import { createHash } from 'node:crypto';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture, FixtureImage } from '../../src/demo/fixture.js';
import { parseFixture } from '../../src/demo/fixture.js';
import type { DemoSidecar } from '../../src/app/demo-sidecar.js';
import { startDemoSidecar } from '../../src/app/demo-sidecar.js';
import { find, parseSamples, value } from '../metrics/exposition.js';
import type { Sample } from '../metrics/exposition.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TOKEN = 'unknown-values-token-0123';
const ACCOUNT = '111111111111';
const DAY = 86_400;
const NOW = 1_767_225_600; // 2026-01-01, epoch seconds
const d = (label: string): string => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';

const A = d('app/amd64'); // child of the index; basic findings, one without a description
const IDX = d('app/index'); // the index whose detail lacks imageSizeInBytes
const U = d('app/nosize'); // a single image whose detail lacks imageSizeInBytes; never pulled, never scanned
const K = d('app/known'); // size known, scanned clean
const H = d('app/chart'); // a Helm chart: kind other, never scanned
const E = d('ml/v1'); // enhanced findings, one without a description

const image = (
  label: string,
  patch: Omit<Partial<FixtureImage>, 'config' | 'layers'> & { layer: number; configSize?: number; configType?: string },
): FixtureImage => {
  const { layer, configSize = 1000, configType, ...rest } = patch;
  return {
    digest: d(label),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    pushedAt: NOW - 10 * DAY,
    config: { digest: d(`${label}/config`), size: configSize, ...(configType ? { mediaType: configType } : {}) },
    layers: [{ digest: d(`${label}/layer`), size: layer }],
    ...rest,
  };
};

function fixture(): Fixture {
  return parseFixture({
    version: 1,
    registries: [
      {
        accountId: ACCOUNT,
        region: 'us-east-1',
        repositories: [
          {
            name: 'app',
            createdAt: NOW - 100 * DAY,
            scanOnPush: true,
            images: [
              {
                digest: IDX,
                tags: ['multi'],
                mediaType: 'application/vnd.oci.image.index.v1+json',
                pushedAt: NOW - 2 * DAY,
                lastPulledAt: NOW - DAY,
                children: [{ digest: A, platform: { os: 'linux', architecture: 'amd64' } }],
                sizeReported: false,
              },
              image('app/amd64', {
                layer: 2_000_000,
                pushedAt: NOW - 2 * DAY,
                lastPulledAt: NOW - DAY,
                scan: {
                  type: 'BASIC',
                  status: 'COMPLETE',
                  completedAt: NOW - DAY,
                  findings: [
                    {
                      name: 'CVE-2025-0001',
                      severity: 'HIGH',
                      description: 'openssl: heap overflow in the TLS handshake.',
                      uri: 'https://example.com/CVE-2025-0001',
                    },
                    { name: 'CVE-2025-0002', severity: 'LOW' },
                  ],
                },
              }),
              image('app/nosize', { tags: ['nosize'], layer: 9_000_000, sizeReported: false }),
              image('app/known', {
                tags: ['known'],
                layer: 5_000_000,
                lastPulledAt: NOW - 3 * DAY,
                scan: { type: 'BASIC', status: 'COMPLETE', completedAt: NOW - DAY, findings: [] },
              }),
              image('app/chart', { tags: ['chart-1.0.0'], layer: 30_000, configSize: 500, configType: HELM_CONFIG }),
            ],
          },
        ],
      },
      {
        accountId: ACCOUNT,
        region: 'eu-west-1',
        scanning: { scanType: 'ENHANCED' },
        repositories: [
          {
            name: 'ml',
            createdAt: NOW - 100 * DAY,
            images: [
              image('ml/v1', {
                tags: ['v1'],
                layer: 7_000_000,
                scan: {
                  type: 'ENHANCED',
                  status: 'ACTIVE',
                  completedAt: NOW - DAY,
                  enhancedFindings: [
                    {
                      title: 'CVE-2025-1000 - glibc',
                      severity: 'CRITICAL',
                      description: 'glibc: buffer overflow in getaddrinfo.',
                      packageVulnerabilityDetails: {
                        vulnerabilityId: 'CVE-2025-1000',
                        vulnerablePackages: [{ name: 'glibc', version: '2.36' }],
                      },
                    },
                    {
                      title: 'CVE-2025-1001 - zlib',
                      severity: 'MEDIUM',
                      packageVulnerabilityDetails: {
                        vulnerabilityId: 'CVE-2025-1001',
                        vulnerablePackages: [{ name: 'zlib', version: '1.2.13' }],
                      },
                    },
                  ],
                },
              }),
            ],
          },
        ],
      },
    ],
  });
}

interface Frame {
  fields: { name: string; values: unknown[] }[];
  meta: { notices?: { severity: string; text: string }[] };
}

let demo: DemoSidecar;
let samples: Sample[];

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${demo.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
  });

/** A query's frame as rows, and its notices. */
async function query(body: Record<string, unknown>): Promise<{ rows: Record<string, unknown>[]; notices: string[] }> {
  const answer = await api('/api/v1/query', { method: 'POST', body: JSON.stringify(body) });
  expect(answer.status).toBe(200);
  const { frame } = (await answer.json()) as { frame: Frame };
  const n = frame.fields[0]?.values.length ?? 0;
  const rows = Array.from({ length: n }, (_, i) => Object.fromEntries(frame.fields.map((f) => [f.name, f.values[i]])));
  return { rows, notices: (frame.meta.notices ?? []).map((notice) => notice.text) };
}

async function csv(path: string): Promise<Record<string, string>[]> {
  const answer = await api(path);
  expect(answer.status).toBe(200);
  return parse(await answer.text(), { columns: true }) as Record<string, string>[];
}

beforeAll(async () => {
  demo = await startDemoSidecar({ fixture: fixture(), env: { SIDECAR_API_TOKEN: TOKEN }, now: () => NOW * 1000 });
  samples = parseSamples(await (await fetch(`${demo.url}/metrics`)).text());
});
afterAll(() => demo.close());

describe('an image whose DescribeImages entry lacks imageSizeInBytes', () => {
  it('reaches the SDK without the field (the emulator leaves it out)', async () => {
    const ecr = demo.server.clients.ecr(demo.config.accounts[0]!, 'us-east-1');
    const out = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: 'app',
        imageIds: [{ imageDigest: IDX }, { imageDigest: U }, { imageDigest: K }],
      }),
    );
    const details = new Map((out.imageDetails ?? []).map((detail) => [detail.imageDigest, detail]));
    expect([IDX, U, K].map((digest) => details.get(digest) && 'imageSizeInBytes' in details.get(digest)!)).toEqual([
      false,
      false,
      true,
    ]);
    expect(details.get(K)?.imageSizeInBytes).toBe(5_001_000);
  });

  it('has a null sizeBytes cell in the images frame, and so has a never-pulled image for lastPulledAt', async () => {
    const { rows } = await query({ queryType: 'images', filters: { repository: ['app'] } });
    const byDigest = new Map(rows.map((r) => [r.digest, r]));
    expect([IDX, A, U, K, H].map((digest) => byDigest.get(digest)?.sizeBytes)).toEqual([
      null,
      2_001_000,
      null,
      5_001_000,
      30_500,
    ]);
    expect(byDigest.get(U)).toMatchObject({
      kind: 'image',
      lastPulledAt: null,
      daysSinceLastPull: null,
      scanState: 'not_scanned',
    });
    // Unknown sizes sort last, as other unknown values do.
    const { rows: sorted } = await query({
      queryType: 'images',
      filters: { repository: ['app'] },
      sort: { field: 'sizeBytes', order: 'asc' },
    });
    expect(sorted.map((r) => r.sizeBytes)).toEqual([30_500, 2_001_000, 5_001_000, null, null]);
  });

  it('has an empty imageSize(MB) cell in the images report, and the repository total is empty, not a partial sum', async () => {
    const images = await csv('/api/v1/reports/images.csv?repository=app');
    const size = (tag: string) => images.find((r) => r.imageTags === tag)?.['imageSize(MB)'];
    expect([size('multi'), size('nosize'), size('known'), size('chart-1.0.0')]).toEqual(['', '', '5', '0']);
    expect(images.find((r) => r.imageTags === 'nosize')).toMatchObject({
      lastRecordedPullTime: '',
      daysSinceLastPull: '',
    });
    const repositories = await csv('/api/v1/reports/repositories.csv');
    const total = (name: string) => repositories.find((r) => r.repositoryName === name)?.['totalSize(MB)'];
    expect([total('app'), total('ml')]).toEqual(['', '7']);
  });

  it('counts no cost for the unknown size and says the summed size is incomplete', async () => {
    const { rows, notices } = await query({ queryType: 'cost', filters: { repository: ['app'] } });
    expect(rows[0]).toMatchObject({
      repository: 'app',
      imageCount: 5,
      // A, K and the chart; the index is never summed and U's size is unknown.
      summedSizeBytes: 7_032_500,
      // Every layer is known from the manifests, U's included: the billed size does not need imageSizeInBytes.
      deduplicatedSizeBytes: 16_033_500,
      deduplicatedComplete: true,
      imagesWithoutSize: 1,
    });
    expect(notices).toContain(
      'Summed size incomplete: ECR did not report the size of 1 image(s) in 1 repository(ies); they are left out, not counted as 0.',
    );
    const { rows: repositories } = await query({
      queryType: 'repositories',
      sort: { field: 'repository', order: 'asc' },
    });
    expect(repositories.map((r) => [r.repository, r.summedSizeBytes, r.incomplete])).toEqual([
      ['app', 7_032_500, true],
      ['ml', 7_001_000, false],
    ]);
  });

  it('has no aws_ecr_image_size_in_bytes sample and is left out of the Go exporter min/avg/max', () => {
    const py = (tag: string) => find(samples, 'aws_ecr_image_size_in_bytes', { name: 'app', tag }).map((s) => s.value);
    expect([py('multi'), py('nosize'), py('known'), py('chart-1.0.0')]).toEqual([[], [], [5_001_000], [30_500]]);
    // The pushed-at series is still there: only the unknown value is missing.
    expect(find(samples, 'aws_ecr_image_pushed_at_timestamp_seconds', { name: 'app', tag: 'nosize' })).toHaveLength(1);
    const go = { repository_name: 'app' };
    expect(value(samples, 'ecr_images_total', go)).toBe(5);
    expect(value(samples, 'ecr_image_size_min_bytes', go)).toBe(30_500);
    expect(value(samples, 'ecr_image_size_max_bytes', go)).toBe(5_001_000);
    expect(value(samples, 'ecr_image_size_avg_bytes', go)).toBeCloseTo((2_001_000 + 5_001_000 + 30_500) / 3, 6);
    const repo = { registry_id: ACCOUNT, region: 'us-east-1', repository_name: 'app' };
    expect(value(samples, 'ecrlens_repository_size_bytes', repo)).toBe(7_032_500);
    expect(value(samples, 'ecrlens_repository_deduplicated_size_bytes', repo)).toBe(16_033_500);
  });
});

describe('finding descriptions', () => {
  it('shows a basic finding description, and null where ECR gave none (fetched on demand)', async () => {
    const { rows } = await query({ queryType: 'findings', filters: { digest: A } });
    expect(rows.map((r) => [r.name, r.source, r.description])).toEqual([
      ['CVE-2025-0001', 'basic', 'openssl: heap overflow in the TLS handshake.'],
      ['CVE-2025-0002', 'basic', null],
    ]);
  });

  it('shows an enhanced finding description, and null where ECR gave none (kept in the snapshot)', async () => {
    expect(
      demo.inventory
        .snapshot()
        .findings.get(E)
        ?.map((f) => f.description),
    ).toEqual(['glibc: buffer overflow in getaddrinfo.', undefined]);
    const { rows } = await query({ queryType: 'findings', filters: { digest: E } });
    expect(rows.map((r) => [r.name, r.source, r.packageName, r.description])).toEqual([
      ['CVE-2025-1000', 'enhanced', 'glibc', 'glibc: buffer overflow in getaddrinfo.'],
      ['CVE-2025-1001', 'enhanced', 'zlib', null],
    ]);
  });
});

describe('unscanned', () => {
  it('counts the same images in the severity query and the metric: not the index, not the Helm chart', async () => {
    const { rows: images } = await query({ queryType: 'images', filters: { repository: ['app'] } });
    expect(images.find((r) => r.digest === H)).toMatchObject({ kind: 'other', scanState: 'not_scanned' });
    const { rows: severity } = await query({ queryType: 'severity', filters: { repository: ['app'] } });
    expect(severity[0]).toMatchObject({ repository: 'app', images: 5, scannedImages: 2, unscannedImages: 1 });
    expect(
      value(samples, 'ecrlens_repository_images_unscanned', {
        registry_id: ACCOUNT,
        region: 'us-east-1',
        repository_name: 'app',
      }),
    ).toBe(1);
  });
});
