import { createHash } from 'node:crypto';
import {
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  GetAccountSettingCommand,
  GetLifecyclePolicyCommand,
  GetRegistryScanningConfigurationCommand,
  GetRepositoryPolicyCommand,
  ImageNotFoundException,
  InvalidParameterException,
  LifecyclePolicyNotFoundException,
  ListImagesCommand,
  ListTagsForResourceCommand,
  RepositoryNotFoundException,
  RepositoryPolicyNotFoundException,
  ScanNotFoundException,
} from '@aws-sdk/client-ecr';
import type { ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from '../../src/demo/fixture.js';
import type { RunningEmulator } from '../../src/demo/server.js';
import { ACCOUNT_A, ACCOUNT_B, ecrClient, reference, start } from './helpers.js';

// Reference digests are sha256 of a label (see docs/emulator.md).
const d = (label: string): string => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const F1 = d('image/web-frontend/v1.0.0');
const F2 = d('image/web-frontend/v1.1.0');
const F3 = d('image/web-frontend/untagged-old-build');
const F4 = d('image/web-frontend/archived');
const IDX = d('image/platform-api/2.0.0');
const A1 = d('image/platform-api/2.0.0/amd64');
const SIG = d('image/platform-api/2.0.0/signature');
const E1 = d('image/data-etl/nightly');
const M1 = d('image/ml-inference/3.2.1');
const at = (s: number): Date => new Date(s * 1000);

let emulator: RunningEmulator;
let fixture: Fixture;
let ecr: ECRClient;

beforeAll(async () => {
  fixture = reference();
  emulator = await start(fixture);
  ecr = ecrClient(emulator);
});
afterAll(() => emulator.close());

describe('registry', () => {
  it('DescribeRegistry returns the replication rules', async () => {
    const out = await ecr.send(new DescribeRegistryCommand({}));
    expect(out.registryId).toBe(ACCOUNT_A);
    expect(out.replicationConfiguration?.rules).toEqual([
      {
        destinations: [{ region: 'eu-west-1', registryId: ACCOUNT_A }],
        repositoryFilters: [{ filter: 'web', filterType: 'PREFIX_MATCH' }],
      },
    ]);
    const eu = await ecrClient(emulator, { region: 'eu-west-1' }).send(new DescribeRegistryCommand({}));
    expect(eu.replicationConfiguration?.rules).toEqual([]);
  });

  it('GetRegistryScanningConfiguration returns the scan type and rules', async () => {
    const out = await ecr.send(new GetRegistryScanningConfigurationCommand({}));
    expect(out.scanningConfiguration).toEqual({
      scanType: 'BASIC',
      rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
    });
  });
});

describe('GetAccountSetting', () => {
  it('tells which basic scanner each registry uses, CLAIR by default', async () => {
    const setting = new GetAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION' });
    expect((await ecr.send(setting)).value).toBe('CLAIR');
    expect((await ecrClient(emulator, { region: 'eu-west-1' }).send(setting)).value).toBe('AWS_NATIVE');
  });

  it('refuses an unknown setting name', async () => {
    await expect(ecr.send(new GetAccountSettingCommand({ name: 'NO_SUCH_SETTING' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });
});

describe('DescribeRepositories', () => {
  it('lists every repository with its settings', async () => {
    const out = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(out.repositories?.map((r) => r.repositoryName)).toEqual([
      'web/frontend',
      'platform/api',
      'data/etl',
      'empty/repo',
    ]);
    expect(out.nextToken).toBeUndefined();
    expect(out.repositories?.[0]).toEqual({
      repositoryArn: 'arn:aws:ecr:us-east-1:111111111111:repository/web/frontend',
      registryId: ACCOUNT_A,
      repositoryName: 'web/frontend',
      repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web/frontend',
      createdAt: at(1704067200),
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'AES256' },
    });
    expect(out.repositories?.[1]?.encryptionConfiguration).toEqual({
      encryptionType: 'KMS',
      kmsKey: 'arn:aws:kms:us-east-1:111111111111:key/0b5e7f1a-1c1d-4e2b-9a5f-3f1c2d4e5a6b',
    });
    expect(out.repositories?.[1]?.imageTagMutability).toBe('IMMUTABLE');
  });

  it('selects another account registry by registryId, and fails on an unknown name', async () => {
    const out = await ecr.send(new DescribeRepositoriesCommand({ registryId: ACCOUNT_B }));
    expect(out.repositories?.map((r) => r.repositoryArn)).toEqual([
      'arn:aws:ecr:us-east-1:222222222222:repository/ml/inference',
    ]);
    const error = await ecr
      .send(new DescribeRepositoriesCommand({ repositoryNames: ['web/frontend', 'no/such'] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryNotFoundException);
    expect((error as Error).message).toBe(
      "The repository with name 'no/such' does not exist in the registry with id '111111111111'",
    );
  });
});

describe('DescribeImages', () => {
  it('returns ACTIVE images by default with exact sizes, tags and times', async () => {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName: 'web/frontend' }));
    expect(out.imageDetails?.map((i) => i.imageDigest)).toEqual([F1, F2, F3]);
    const [f1, f2, f3] = out.imageDetails!;
    expect(f1).toEqual({
      registryId: ACCOUNT_A,
      repositoryName: 'web/frontend',
      imageDigest: F1,
      imageTags: ['v1.0.0'],
      imageSizeInBytes: 55_007_000,
      imagePushedAt: at(1735689600),
      imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
      imageScanFindingsSummary: {
        imageScanCompletedAt: at(1735689690),
        vulnerabilitySourceUpdatedAt: at(1735603200),
        findingSeverityCounts: { CRITICAL: 1, HIGH: 1, MEDIUM: 1 },
      },
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
      lastRecordedPullTime: at(1748736000),
      imageStatus: 'ACTIVE',
    });
    expect(f2?.imageTags).toEqual(['v1.1.0', 'latest']);
    expect(f2?.imageScanFindingsSummary?.findingSeverityCounts).toEqual({});
    // Untagged, never pulled, never scanned: the keys are absent.
    expect(f3).not.toHaveProperty('imageTags');
    expect(f3).not.toHaveProperty('lastRecordedPullTime');
    expect(f3).not.toHaveProperty('imageScanStatus');
    expect(f3?.imageSizeInBytes).toBe(34_006_900);
  });

  it('filters by imageStatus and tagStatus', async () => {
    const any = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'web/frontend', filter: { imageStatus: 'ANY' } }),
    );
    expect(any.imageDetails?.map((i) => i.imageDigest)).toEqual([F1, F2, F3, F4]);
    const archived = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'web/frontend', filter: { imageStatus: 'ARCHIVED' } }),
    );
    expect(archived.imageDetails?.map((i) => [i.imageDigest, i.imageStatus, i.lastArchivedAt])).toEqual([
      [F4, 'ARCHIVED', at(1719792000)],
    ]);
    const untagged = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'web/frontend', filter: { tagStatus: 'UNTAGGED' } }),
    );
    expect(untagged.imageDetails?.map((i) => i.imageDigest)).toEqual([F3]);
    const tagged = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'web/frontend', filter: { tagStatus: 'TAGGED' } }),
    );
    expect(tagged.imageDetails?.map((i) => i.imageDigest)).toEqual([F1, F2]);
  });

  it('reports an index at its largest child, and referrers with their subject', async () => {
    const out = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: 'platform/api',
        imageIds: [{ imageTag: '2.0.0' }, { imageDigest: SIG }],
      }),
    );
    const [index, sig] = out.imageDetails!;
    expect(index?.imageSizeInBytes).toBe(48_005_000);
    expect(index?.imageManifestMediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index).not.toHaveProperty('artifactMediaType');
    expect(sig?.subjectManifestDigest).toBe(IDX);
    expect(sig?.artifactMediaType).toBe('application/vnd.dev.cosign.artifact.sig.v1+json');
    expect(sig?.imageSizeInBytes).toBe(302);
  });

  it('selects images by tag and fails on an unknown one', async () => {
    const out = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'web/frontend', imageIds: [{ imageTag: 'latest' }] }),
    );
    expect(out.imageDetails?.map((i) => i.imageDigest)).toEqual([F2]);
    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'web/frontend', imageIds: [{ imageTag: 'nope' }] })),
    ).rejects.toBeInstanceOf(ImageNotFoundException);
  });

  it('under enhanced scanning reports ACTIVE and no summary', async () => {
    const out = await ecr.send(
      new DescribeImagesCommand({
        registryId: ACCOUNT_B,
        repositoryName: 'ml/inference',
        imageIds: [{ imageDigest: M1 }],
      }),
    );
    expect(out.imageDetails?.[0]?.imageScanStatus).toEqual({
      status: 'ACTIVE',
      description: 'Continuous scan is selected for image.',
    });
    expect(out.imageDetails?.[0]).not.toHaveProperty('imageScanFindingsSummary');
  });

  it('under the AWS-native basic scanner leaves scan status out; DescribeImageScanFindings has it', async () => {
    const eu = ecrClient(emulator, { region: 'eu-west-1' });
    const out = await eu.send(new DescribeImagesCommand({ repositoryName: 'web/frontend' }));
    expect(out.imageDetails?.map((i) => i.imageDigest)).toEqual([F2]);
    expect(out.imageDetails?.[0]).not.toHaveProperty('imageScanStatus');
    expect(out.imageDetails?.[0]).not.toHaveProperty('imageScanFindingsSummary');
    expect(out.imageDetails?.[0]).not.toHaveProperty('lastRecordedPullTime');
    const scan = await eu.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'web/frontend', imageId: { imageDigest: F2 } }),
    );
    expect(scan.imageScanStatus?.status).toBe('COMPLETE');
    expect(scan.imageScanFindings?.findingSeverityCounts).toEqual({ HIGH: 1 });
  });
});

describe('ListImages', () => {
  it('lists one entry per tag and digest-only entries for untagged images', async () => {
    const out = await ecr.send(new ListImagesCommand({ repositoryName: 'web/frontend' }));
    expect(out.imageIds).toEqual([
      { imageDigest: F1, imageTag: 'v1.0.0' },
      { imageDigest: F2, imageTag: 'v1.1.0' },
      { imageDigest: F2, imageTag: 'latest' },
      { imageDigest: F3 },
    ]);
  });
});

describe('BatchGetImage', () => {
  it('returns real manifests consistent with imageSizeInBytes', async () => {
    const out = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'web/frontend', imageIds: [{ imageTag: 'v1.0.0' }] }),
    );
    expect(out.failures).toEqual([]);
    const image = out.images![0]!;
    expect(image.imageId).toEqual({ imageDigest: F1, imageTag: 'v1.0.0' });
    const manifest = JSON.parse(image.imageManifest!) as {
      schemaVersion: number;
      mediaType: string;
      config: { digest: string; size: number; mediaType: string };
      layers: { digest: string; size: number; mediaType: string }[];
    };
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe(image.imageManifestMediaType);
    expect(manifest.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    expect(manifest.layers.map((l) => l.size)).toEqual([30_000_000, 20_000_000, 5_000_000]);
    expect(manifest.layers[0]?.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    expect(manifest.layers.reduce((n, l) => n + l.size, manifest.config.size)).toBe(55_007_000);
  });

  it('lists index children with platforms and manifest sizes, and referrer subjects', async () => {
    const out = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'platform/api',
        imageIds: [{ imageDigest: IDX }, { imageDigest: A1 }, { imageDigest: SIG }],
      }),
    );
    const [index, child, sig] = out.images!.map((i) => JSON.parse(i.imageManifest!) as Record<string, unknown>);
    const manifests = index!.manifests as { digest: string; size: number; platform: { architecture: string } }[];
    expect(manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64', 'unknown', 'unknown']);
    expect(manifests[0]).toMatchObject({ digest: A1, size: Buffer.byteLength(out.images![1]!.imageManifest!) });
    expect(child!.layers).toHaveLength(2);
    expect(sig).toMatchObject({
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      subject: { digest: IDX },
    });
  });

  it('reports unknown and malformed ids as failures', async () => {
    const out = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'web/frontend',
        imageIds: [{ imageTag: 'gone' }, {}, { imageDigest: 'sha256:zz' }],
      }),
    );
    expect(out.images).toEqual([]);
    expect(out.failures?.map((f) => f.failureCode)).toEqual([
      'ImageNotFound',
      'MissingDigestAndTag',
      'InvalidImageDigest',
    ]);
    expect(out.failures?.[0]?.failureReason).toBe('Requested image not found');
  });
});

describe('policies and tags', () => {
  it('GetLifecyclePolicy returns the text, or LifecyclePolicyNotFoundException', async () => {
    const out = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'web/frontend' }));
    expect(out.lifecyclePolicyText).toBe(fixture.registries[0]!.repositories[0]!.lifecyclePolicyText);
    expect(out.lastEvaluatedAt).toEqual(at(1767200000));
    await expect(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'platform/api' }))).rejects.toBeInstanceOf(
      LifecyclePolicyNotFoundException,
    );
  });

  it('GetRepositoryPolicy returns the policy, or RepositoryPolicyNotFoundException', async () => {
    const out = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'web/frontend' }));
    expect(JSON.parse(out.policyText!).Statement[0].Principal.AWS).toEqual(['arn:aws:iam::222222222222:root']);
    await expect(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'data/etl' }))).rejects.toBeInstanceOf(
      RepositoryPolicyNotFoundException,
    );
  });

  it('ListTagsForResource uses Key/Value', async () => {
    const out = await ecr.send(
      new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecr:us-east-1:111111111111:repository/web/frontend' }),
    );
    expect(out.tags).toEqual([
      { Key: 'team', Value: 'web' },
      { Key: 'env', Value: 'prod' },
    ]);
  });
});

describe('DescribeImageScanFindings', () => {
  it('returns basic findings with attributes', async () => {
    const out = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'web/frontend', imageId: { imageTag: 'v1.0.0' } }),
    );
    expect(out.imageId).toEqual({ imageDigest: F1, imageTag: 'v1.0.0' });
    expect(out.imageScanFindings?.findingSeverityCounts).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 1 });
    expect(out.imageScanFindings?.findings?.map((f) => f.name)).toEqual([
      'CVE-2024-0001',
      'CVE-2024-0002',
      'CVE-2024-0003',
    ]);
    expect(out.imageScanFindings?.findings?.[0]?.attributes).toContainEqual({ key: 'CVSS2_SCORE', value: '10' });
  });

  it('returns enhanced findings with package details', async () => {
    const out = await ecr.send(
      new DescribeImageScanFindingsCommand({
        registryId: ACCOUNT_B,
        repositoryName: 'ml/inference',
        imageId: { imageDigest: M1 },
      }),
    );
    expect(out.imageScanStatus?.status).toBe('ACTIVE');
    expect(out.imageScanFindings?.findingSeverityCounts).toEqual({ CRITICAL: 1, HIGH: 1 });
    const [glibc, python] = out.imageScanFindings!.enhancedFindings!;
    expect(glibc?.packageVulnerabilityDetails?.vulnerablePackages?.[0]).toMatchObject({
      name: 'glibc',
      version: '2.36',
      fixedInVersion: '2.36-9+deb12u4',
    });
    expect(glibc?.packageVulnerabilityDetails?.sourceUrl).toBe('https://nvd.nist.gov/vuln/detail/CVE-2025-1000');
    expect(glibc?.score).toBe(9.8);
    expect(glibc?.awsAccountId).toBe(ACCOUNT_B);
    expect(python?.fixAvailable).toBe('NO');
  });

  it('fails with ScanNotFoundException for a never-scanned image, and reports non-complete statuses', async () => {
    await expect(
      ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'web/frontend', imageId: { imageDigest: F3 } })),
    ).rejects.toBeInstanceOf(ScanNotFoundException);
    const out = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'data/etl', imageId: { imageDigest: E1 } }),
    );
    expect(out.imageScanStatus?.status).toBe('UNSUPPORTED_IMAGE');
    expect(out.imageScanFindings).toBeUndefined();
  });
});

describe('validation', () => {
  it.each([
    [
      { repositoryName: 'web/frontend', maxResults: 1001 },
      "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'",
    ],
    [
      { repositoryName: 'web/frontend', maxResults: 0 },
      "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value greater than or equal to 1'",
    ],
    [{}, "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'Member must not be null'"],
    [
      { repositoryName: 'web/frontend', imageIds: Array.from({ length: 101 }, (_, i) => ({ imageTag: `t${i}` })) },
      "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length less than or equal to 100'",
    ],
  ])('rejects %j with InvalidParameterException', async (input, message) => {
    const error = (await ecr
      .send(new DescribeImagesCommand(input as never))
      .catch((e: unknown) => e)) as InvalidParameterException;
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toBe(message);
    expect(error.$fault).toBe('client');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('rejects a bad nextToken', async () => {
    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'web/frontend', nextToken: 'garbage' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('unknown repositories raise RepositoryNotFoundException for every repository operation', async () => {
    for (const command of [
      new DescribeImagesCommand({ repositoryName: 'no/such' }),
      new ListImagesCommand({ repositoryName: 'no/such' }),
      new BatchGetImageCommand({ repositoryName: 'no/such', imageIds: [{ imageTag: 'x' }] }),
      new GetLifecyclePolicyCommand({ repositoryName: 'no/such' }),
    ])
      await expect(ecr.send(command as never)).rejects.toBeInstanceOf(RepositoryNotFoundException);
  });
});

describe('wire format', () => {
  const post = (target: string, body: unknown): Promise<Response> =>
    fetch(emulator.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${target}`,
      },
      body: JSON.stringify(body),
    });

  it('sends epoch-second numbers and a request id', async () => {
    const res = await post('DescribeImages', { repositoryName: 'web/frontend', maxResults: 1 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { imageDetails: Record<string, unknown>[] };
    expect(body.imageDetails[0]!.imagePushedAt).toBe(1735689600);
    expect(body).toHaveProperty('nextToken');
    expect(body).not.toHaveProperty('__type');
  });

  it('sends errors as HTTP 400 {__type, message} with x-amzn-errortype', async () => {
    const res = await post('DescribeImages', { repositoryName: 'no/such' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('RepositoryNotFoundException');
    expect(await res.json()).toEqual({
      __type: 'RepositoryNotFoundException',
      message: "The repository with name 'no/such' does not exist in the registry with id '111111111111'",
    });
  });

  it('answers unknown operations with UnknownOperationException', async () => {
    const res = await post('PutImage', {});
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });
});
