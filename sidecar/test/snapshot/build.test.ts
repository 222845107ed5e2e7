import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptySnapshot } from '../../src/snapshot/build.js';
import type { Image, ImageUse, Repository, SnapshotInput } from '../../src/snapshot/model.js';
import { imageKey } from '../../src/snapshot/model.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const d = (c: string): string => `sha256:${c.repeat(64)}`;

const repository = (name: string): Repository => ({
  id: `${ACCOUNT}/${REGION}/${name}`,
  accountId: ACCOUNT,
  region: REGION,
  name,
  arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`,
  uri: `${HOST}/${name}`,
  createdAt: 0,
  tagMutability: 'MUTABLE',
  scanOnPush: false,
  encryptionType: 'AES256',
  policy: { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false },
  replicationDestinations: [],
  tags: {},
});

const image = (repo: string, digest: string, pushedAt: number, tags: string[] = []): Image => ({
  repositoryId: `${ACCOUNT}/${REGION}/${repo}`,
  digest,
  tags,
  kind: 'image',
  pushedAt,
  sizeBytes: 100,
  status: 'ACTIVE',
  children: [],
  scan: { state: 'not_scanned' },
});

const use = (reference: string, digest?: string): ImageUse => ({
  kind: 'running-task',
  accountId: ACCOUNT,
  region: REGION,
  cluster: 'prod',
  task: 't1',
  reference,
  ...(digest ? { digest } : {}),
});

const input = (over: Partial<SnapshotInput>): SnapshotInput => ({
  version: 1,
  refreshStartedAt: 0,
  builtAt: 1,
  registries: [],
  repositories: [],
  images: [],
  layerSizes: new Map(),
  findings: new Map(),
  clusters: [],
  uses: [],
  incomplete: [],
  ...over,
});

describe('buildSnapshot', () => {
  it('orders each repository newest push first and gives empty repositories an entry', () => {
    const snapshot = buildSnapshot(
      input({
        repositories: [repository('api'), repository('empty')],
        images: [image('api', d('1'), 10), image('api', d('2'), 30), image('api', d('3'), 20)],
      }),
    );
    expect(snapshot.imagesByRepository.get(`${ACCOUNT}/${REGION}/api`)!.map((i) => i.digest)).toEqual([d('2'), d('3'), d('1')]);
    expect(snapshot.imagesByRepository.get(`${ACCOUNT}/${REGION}/empty`)).toEqual([]);
    expect(snapshot.repositoryById.get(`${ACCOUNT}/${REGION}/api`)!.name).toBe('api');
  });

  it('matches uses by tag, by pinned digest and by the digest ECS resolved', () => {
    const tagged = image('api', d('a'), 1, ['v1']);
    const pinned = image('api', d('b'), 2);
    const resolved = image('api', d('c'), 3, ['v3']);
    const unused = image('api', d('e'), 4, ['v4']);
    const byTag = use(`${HOST}/api:v1`);
    const byDigest = use(`${HOST}/api@${d('b')}`);
    const byResolved = use(`${HOST}/api:moved`, d('c'));
    const other = use('nginx:latest', d('e'));
    const snapshot = buildSnapshot(
      input({
        repositories: [repository('api')],
        images: [tagged, pinned, resolved, unused],
        uses: [byTag, byDigest, byResolved, other],
      }),
    );
    expect(snapshot.usesByImage.get(imageKey(tagged))).toEqual([byTag]);
    expect(snapshot.usesByImage.get(imageKey(pinned))).toEqual([byDigest]);
    expect(snapshot.usesByImage.get(imageKey(resolved))).toEqual([byResolved]);
    expect(snapshot.usesByImage.has(imageKey(unused))).toBe(false);
  });

  it('does not match a use in another repository with the same tag', () => {
    const a = image('api', d('a'), 1, ['v1']);
    const snapshot = buildSnapshot(
      input({ repositories: [repository('api'), repository('web')], images: [a], uses: [use(`${HOST}/web:v1`)] }),
    );
    expect(snapshot.usesByImage.size).toBe(0);
  });

  it('attaches registry-wide and per-repository incomplete entries to repositories, but not ECS ones', () => {
    const snapshot = buildSnapshot(
      input({
        repositories: [repository('api'), repository('web')],
        incomplete: [
          { scope: 'images', accountId: ACCOUNT, region: REGION, target: 'api', operation: 'DescribeImages', error: 'boom' },
          { scope: 'registry', accountId: ACCOUNT, region: REGION, operation: 'DescribeRegistry', error: 'down' },
          { scope: 'ecs', accountId: ACCOUNT, region: REGION, operation: 'ListClusters', error: 'down' },
        ],
      }),
    );
    expect(snapshot.incompleteByRepository.get(`${ACCOUNT}/${REGION}/api`)!.map((e) => e.operation)).toEqual([
      'DescribeRegistry',
      'DescribeImages',
    ]);
    expect(snapshot.incompleteByRepository.get(`${ACCOUNT}/${REGION}/web`)!.map((e) => e.operation)).toEqual([
      'DescribeRegistry',
    ]);
  });

  it('returns a frozen snapshot and an empty one at version 0', () => {
    const snapshot = emptySnapshot(5);
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(snapshot.version).toBe(0);
    expect(snapshot.repositories).toEqual([]);
  });
});
