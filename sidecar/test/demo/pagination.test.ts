import {
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  paginateDescribeImageScanFindings,
  paginateDescribeImages,
  paginateListImages,
} from '@aws-sdk/client-ecr';
import type { ECRClient } from '@aws-sdk/client-ecr';
import {
  ListServicesCommand,
  paginateListServices,
  paginateListTaskDefinitions,
  paginateListTasks,
} from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/demo/server.js';
import { bigRepositoryFixture, ecrClient, ecsClient, start } from './helpers.js';

const COUNT = 2501;
let emulator: RunningEmulator;
let ecr: ECRClient;
let ecs: ECSClient;

beforeAll(async () => {
  emulator = await start(bigRepositoryFixture(COUNT));
  ecr = ecrClient(emulator);
  ecs = ecsClient(emulator);
});
afterAll(() => emulator.close());

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('ECR pagination', () => {
  it('DescribeImages with maxResults 1000 returns 3 pages and every image once', async () => {
    emulator.controls.resetCalls();
    const pages = await collect(
      paginateDescribeImages({ client: ecr, pageSize: 1000 }, { repositoryName: 'big/repo' }),
    );
    expect(pages.map((p) => p.imageDetails?.length)).toEqual([1000, 1000, 501]);
    const digests = pages.flatMap((p) => p.imageDetails!.map((i) => i.imageDigest));
    expect(new Set(digests).size).toBe(COUNT);
    expect(pages.at(-1)?.nextToken).toBeUndefined();
    expect(emulator.controls.calls()['ecr:DescribeImages']?.calls).toBe(3);
  });

  it('DescribeImages uses the AWS default page size of 100', async () => {
    const first = await ecr.send(new DescribeImagesCommand({ repositoryName: 'big/repo' }));
    expect(first.imageDetails).toHaveLength(100);
    const pages = await collect(paginateDescribeImages({ client: ecr }, { repositoryName: 'big/repo' }));
    expect(pages).toHaveLength(26);
    expect(pages.at(-1)?.imageDetails).toHaveLength(1);
  });

  it('pages through a filter without empty pages', async () => {
    const pages = await collect(
      paginateDescribeImages(
        { client: ecr, pageSize: 1000 },
        { repositoryName: 'big/repo', filter: { tagStatus: 'UNTAGGED' } },
      ),
    );
    // Every third image is untagged: 833 of 2,501.
    expect(pages.map((p) => p.imageDetails?.length)).toEqual([833]);
    expect(pages[0]!.imageDetails!.every((i) => i.imageTags === undefined)).toBe(true);
  });

  it('ListImages pages by entries (one per tag) and can split an image between pages', async () => {
    const pages = await collect(paginateListImages({ client: ecr, pageSize: 1000 }, { repositoryName: 'big/repo' }));
    const entries = pages.flatMap((p) => p.imageIds!);
    // 834 images with one tag, 834 with two, 833 untagged.
    expect(entries).toHaveLength(834 + 834 * 2 + 833);
    expect(pages.map((p) => p.imageIds?.length)).toEqual([1000, 1000, 1000, 335]);
    expect(new Set(entries.map((e) => `${e.imageDigest}/${e.imageTag ?? ''}`)).size).toBe(entries.length);
    const small: unknown[] = [];
    for await (const page of paginateListImages(
      { client: ecr, pageSize: 2 },
      { repositoryName: 'big/repo', filter: { tagStatus: 'TAGGED' } },
    )) {
      small.push(page.imageIds);
      if (small.length === 2) break;
    }
    expect(small).toEqual([
      [
        { imageDigest: entries[0]!.imageDigest, imageTag: 't0' },
        { imageDigest: entries[1]!.imageDigest, imageTag: 't1' },
      ],
      [
        { imageDigest: entries[1]!.imageDigest, imageTag: 'x1' },
        { imageDigest: entries[4]!.imageDigest, imageTag: 't3' },
      ],
    ]);
  });

  it('DescribeImageScanFindings pages findings (default 100)', async () => {
    const digest = (await ecr.send(new DescribeImagesCommand({ repositoryName: 'big/repo', maxResults: 1 })))
      .imageDetails![0]!.imageDigest!;
    const first = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'big/repo', imageId: { imageDigest: digest } }),
    );
    expect(first.imageScanFindings?.findings).toHaveLength(100);
    const pages = await collect(
      paginateDescribeImageScanFindings(
        { client: ecr },
        { repositoryName: 'big/repo', imageId: { imageDigest: digest } },
      ),
    );
    expect(pages.flatMap((p) => p.imageScanFindings!.findings!.map((f) => f.name))).toHaveLength(250);
    expect(pages[0]?.imageScanFindings?.findingSeverityCounts).toEqual({ LOW: 250 });
  });

  it('DescribeImageScanFindings gives at most 100 enhanced findings a page, whatever maxResults asks', async () => {
    const digest = (await ecr.send(new DescribeImagesCommand({ repositoryName: 'big/repo', maxResults: 1 }))).imageDetails![0]!.imageDigest!;
    const enhancedFindings = Array.from({ length: 150 }, (_, i) => ({
      title: `CVE-2026-${1000 + i} - openssl`,
      severity: i < 10 ? 'CRITICAL' : 'MEDIUM',
      status: 'ACTIVE',
      packageVulnerabilityDetails: { vulnerabilityId: `CVE-2026-${1000 + i}`, vulnerablePackages: [] },
    }));
    const scanned = await fetch(`${emulator.url}/_emulator/images/scan`, {
      method: 'POST',
      body: JSON.stringify({ repositoryName: 'big/repo', digest, scan: { type: 'ENHANCED', status: 'ACTIVE', completedAt: 1_700_000_200, enhancedFindings } }),
    });
    expect(scanned.status).toBe(200);
    const pages = await collect(paginateDescribeImageScanFindings({ client: ecr, pageSize: 1000 }, { repositoryName: 'big/repo', imageId: { imageDigest: digest } }));
    expect(pages.map((p) => p.imageScanFindings!.enhancedFindings!.length)).toEqual([100, 50]);
    expect(new Set(pages.flatMap((p) => p.imageScanFindings!.enhancedFindings!.map((f) => f.title))).size).toBe(150);
    expect(pages[0]!.imageScanFindings!.findingSeverityCounts).toEqual({ CRITICAL: 10, MEDIUM: 140 });
    const one = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'big/repo', imageId: { imageDigest: digest }, maxResults: 1 }));
    expect(one.imageScanFindings!.enhancedFindings).toHaveLength(1);
    expect(one.nextToken).toBeDefined();
  });

  it('rejects a token from another repository or operation', async () => {
    const first = await ecr.send(new DescribeImagesCommand({ repositoryName: 'big/repo' }));
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName: 'big/repo', nextToken: first.nextToken }));
    expect(out.imageDetails).toHaveLength(100);
    await expect(
      ecs.send(new ListServicesCommand({ cluster: 'default', nextToken: first.nextToken })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('ECS pagination', () => {
  it('ListServices defaults to 10 per page', async () => {
    const pages = await collect(paginateListServices({ client: ecs }, { cluster: 'default' }));
    expect(pages.map((p) => p.serviceArns?.length)).toEqual([10, 10, 5]);
  });

  it('ListTasks pages 100 and filters by desired status', async () => {
    const running = await collect(paginateListTasks({ client: ecs }, { cluster: 'default' }));
    expect(running.map((p) => p.taskArns?.length)).toEqual([100, 20]);
    const stopped = await collect(
      paginateListTasks({ client: ecs, pageSize: 7 }, { cluster: 'default', desiredStatus: 'STOPPED' }),
    );
    expect(stopped.flatMap((p) => p.taskArns)).toHaveLength(30);
    expect(stopped).toHaveLength(5);
  });

  it('ListTaskDefinitions pages 100 in family order', async () => {
    const pages = await collect(paginateListTaskDefinitions({ client: ecs }, {}));
    expect(pages.map((p) => p.taskDefinitionArns?.length)).toEqual([100, 20]);
    expect(pages[0]!.taskDefinitionArns!.slice(0, 3).map((a) => a.split('/')[1])).toEqual([
      'fam-00:1',
      'fam-00:2',
      'fam-01:1',
    ]);
  });
});
