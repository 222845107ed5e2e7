import { createHash } from 'node:crypto';
import {
  BatchDeleteImageCommand,
  DescribeImagesCommand,
  ImageNotFoundException,
  InvalidParameterException,
  ListImagesCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import type { ECRClient } from '@aws-sdk/client-ecr';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/demo/server.js';
import { ecrClient, ecsClient, reference, start } from './helpers.js';

const d = (label: string): string => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const F1 = d('image/web-frontend/v1.0.0');
const F2 = d('image/web-frontend/v1.1.0');
const IDX = d('image/platform-api/2.0.0');
const A1 = d('image/platform-api/2.0.0/amd64');
const T1 = d('image/platform-api/2.0.0/attestation-amd64');

let emulator: RunningEmulator;
let ecr: ECRClient;

beforeEach(async () => {
  emulator = await start(reference());
  ecr = ecrClient(emulator);
});
afterEach(() => emulator.close());

const digests = async (repositoryName: string): Promise<string[]> =>
  (await ecr.send(new DescribeImagesCommand({ repositoryName, filter: { imageStatus: 'ANY' } }))).imageDetails!.map(
    (i) => i.imageDigest!,
  );

describe('BatchDeleteImage', () => {
  it('deleting one of several tags removes only that tag', async () => {
    const out = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'web/frontend', imageIds: [{ imageTag: 'latest' }] }),
    );
    expect(out.imageIds).toEqual([{ imageDigest: F2, imageTag: 'latest' }]);
    expect(out.failures).toEqual([]);
    const left = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'web/frontend', imageIds: [{ imageDigest: F2 }] }),
    );
    expect(left.imageDetails?.[0]?.imageTags).toEqual(['v1.1.0']);
  });

  it('deleting the last tag deletes the image (AWS docs)', async () => {
    const out = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'web/frontend', imageIds: [{ imageTag: 'v1.0.0' }] }),
    );
    expect(out.imageIds).toEqual([{ imageDigest: F1, imageTag: 'v1.0.0' }]);
    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'web/frontend', imageIds: [{ imageDigest: F1 }] })),
    ).rejects.toBeInstanceOf(ImageNotFoundException);
  });

  it('deleting by digest removes the image and all its tags', async () => {
    const out = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'web/frontend', imageIds: [{ imageDigest: F2 }] }),
    );
    expect(out.imageIds).toEqual([
      { imageDigest: F2, imageTag: 'v1.1.0' },
      { imageDigest: F2, imageTag: 'latest' },
    ]);
    expect(await digests('web/frontend')).not.toContain(F2);
    const ids = (await ecr.send(new ListImagesCommand({ repositoryName: 'web/frontend' }))).imageIds!;
    expect(ids.map((i) => i.imageTag).filter(Boolean)).toEqual(['v1.0.0']);
  });

  it('refuses a child still referenced by an index, then allows it once the index is gone', async () => {
    const refused = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'platform/api', imageIds: [{ imageDigest: A1 }] }),
    );
    expect(refused.imageIds).toEqual([]);
    expect(refused.failures).toEqual([
      {
        imageId: { imageDigest: A1 },
        failureCode: 'ImageReferencedByManifestList',
        failureReason: `Requested image referenced by manifest list: [${IDX}]`,
      },
    ]);
    expect(await digests('platform/api')).toContain(A1);
    const index = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'platform/api', imageIds: [{ imageDigest: IDX }] }),
    );
    expect(index.imageIds).toEqual([{ imageDigest: IDX, imageTag: '2.0.0' }]);
    // The children stay (now untagged orphans) until deleted themselves.
    expect(await digests('platform/api')).toContain(A1);
    const child = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'platform/api', imageIds: [{ imageDigest: A1 }] }),
    );
    expect(child.imageIds).toEqual([{ imageDigest: A1 }]);
    expect(await digests('platform/api')).not.toContain(A1);
  });

  it('allows an index and its children in one request', async () => {
    const out = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'platform/api',
        imageIds: [{ imageDigest: A1 }, { imageDigest: T1 }, { imageDigest: IDX }],
      }),
    );
    expect(out.failures).toEqual([]);
    expect(out.imageIds?.map((i) => i.imageDigest)).toEqual([A1, T1, IDX]);
  });

  it('reports unknown ids and mismatched tag/digest as failures', async () => {
    const out = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'web/frontend',
        imageIds: [{ imageTag: 'nope' }, { imageDigest: d('nope') }, { imageDigest: F1, imageTag: 'latest' }],
      }),
    );
    expect(out.imageIds).toEqual([]);
    expect(out.failures?.map((f) => f.failureCode)).toEqual([
      'ImageNotFound',
      'ImageNotFound',
      'ImageTagDoesNotMatchDigest',
    ]);
    expect(await digests('web/frontend')).toHaveLength(4);
  });

  it('rejects more than 100 ids', async () => {
    await expect(
      ecr.send(
        new BatchDeleteImageCommand({
          repositoryName: 'web/frontend',
          imageIds: Array.from({ length: 101 }, (_, i) => ({ imageTag: `t${i}` })),
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('admin actions', () => {
  const admin = (path: string, body?: unknown, method = 'POST'): Promise<Response> =>
    fetch(`${emulator.url}/_emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('deletes a repository', async () => {
    expect((await admin('/repositories/delete', { repositoryName: 'data/etl' })).status).toBe(200);
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: 'data/etl' }))).rejects.toBeInstanceOf(
      RepositoryNotFoundException,
    );
    const missing = await admin('/repositories/delete', { repositoryName: 'data/etl' });
    expect(missing.status).toBe(404);
    const bad = await admin('/repositories/delete', {});
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^repositoryName/);
  });

  it('pushes an image, moving its tag', async () => {
    const digest = d('pushed');
    const res = await admin('/images', {
      repositoryName: 'web/frontend',
      image: {
        digest,
        tags: ['latest'],
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        pushedAt: 1767225600,
        config: { digest: d('c'), size: 10 },
        layers: [{ digest: d('l'), size: 90 }],
      },
    });
    expect(res.status).toBe(200);
    const out = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: 'web/frontend',
        imageIds: [{ imageTag: 'latest' }, { imageDigest: F2 }],
      }),
    );
    expect(out.imageDetails?.map((i) => [i.imageDigest, i.imageTags, i.imageSizeInBytes])).toEqual([
      [digest, ['latest'], 100],
      [F2, ['v1.1.0'], 56_007_100],
    ]);
  });

  it('stops a task', async () => {
    const ecs = ecsClient(emulator);
    const task = '0a000000000000000000000000000001';
    // ECS lists a stopped task for an hour: stop it a minute before the emulator's clock.
    const { now } = (await (await fetch(`${emulator.url}/_emulator/clock`)).json()) as { now: number };
    const stoppedAt = Math.floor(now / 1000) - 60;
    expect((await admin('/tasks/stop', { cluster: 'prod', task, stoppedAt })).status).toBe(200);
    const stopped = await ecs.send(new ListTasksCommand({ cluster: 'prod', desiredStatus: 'STOPPED' }));
    expect(stopped.taskArns).toContain(`arn:aws:ecs:us-east-1:111111111111:task/prod/${task}`);
    const out = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [task] }));
    expect(out.tasks?.[0]).toMatchObject({ lastStatus: 'STOPPED', stoppedAt: new Date(stoppedAt * 1000) });
  });
});
