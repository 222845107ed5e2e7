/**
 * A snapshot with uses seen now and uses only the usage ledger remembers, through indexes too, for the
 * last-used tests (query columns and filter, usage rows, metrics). Every expected time follows from here.
 */
import type { Snapshot } from '../../src/snapshot/model.js';
import { DAY, makeImage, makeRepository, makeSnapshot, makeUse, NOW } from './builders.js';

/** The snapshot's refreshStartedAt: when uses seen now count as used. */
export const READ_AT = NOW - 60_000;
/** 2024-05-01T10:00:00Z: when the ledger last saw the Lambda function use webOld. */
export const LAMBDA_SEEN = Date.UTC(2024, 4, 1, 10);

export const web = makeRepository({ name: 'web' });
export const api = makeRepository({ name: 'api' });

// web: a multi-arch index running now (children used through it), an image only remembered, an image of a
// task stopped 3 days ago, and one never used.
export const webAmd = makeImage({ repository: web, seed: 'web-amd', pushedAt: NOW - 5 * DAY });
export const webArm = makeImage({ repository: web, seed: 'web-arm', pushedAt: NOW - 5 * DAY });
export const webIndex = makeImage({
  repository: web,
  tags: ['2.0'],
  kind: 'index',
  pushedAt: NOW - 5 * DAY,
  children: [webAmd.digest, webArm.digest],
});
export const webOld = makeImage({ repository: web, tags: ['1.0'], pushedAt: NOW - 90 * DAY });
export const webStopped = makeImage({ repository: web, tags: ['0.9'], pushedAt: NOW - 100 * DAY });
export const webNever = makeImage({ repository: web, seed: 'web-never', pushedAt: NOW - 200 * DAY });
// api: an index only a keep list remembered (40 days ago), and its child.
export const apiChild = makeImage({ repository: api, seed: 'api-child', pushedAt: NOW - 60 * DAY });
export const apiIndex = makeImage({
  repository: api,
  tags: ['old'],
  kind: 'index',
  pushedAt: NOW - 60 * DAY,
  children: [apiChild.digest],
});

export const running = makeUse({
  kind: 'running-task',
  cluster: 'prod',
  task: 'task1',
  taskDefinition: 'web:3',
  container: 'web',
  reference: `${web.uri}:2.0`,
  at: NOW - DAY,
});
export const stopped = makeUse({
  kind: 'stopped-task',
  cluster: 'staging',
  task: 'task9',
  container: 'web',
  reference: `${web.uri}@${webStopped.digest}`,
  digest: webStopped.digest,
  at: NOW - 3 * DAY,
});
/** Remembered directly on webArm, but older than the index's use now. */
export const rememberedPod = makeUse({
  kind: 'pod',
  namespace: 'shop',
  pod: 'web-7f9c',
  reference: `${web.uri}@${webArm.digest}`,
  digest: webArm.digest,
  firstSeenAt: NOW - 20 * DAY,
  lastSeenAt: NOW - 10 * DAY,
});
export const rememberedLambda = makeUse({
  kind: 'lambda-function',
  functionName: 'api',
  qualifier: 'prod',
  reference: `${web.uri}:1.0`,
  digest: webOld.digest,
  firstSeenAt: NOW - 120 * DAY,
  lastSeenAt: LAMBDA_SEEN,
});
export const rememberedKeep = makeUse({
  kind: 'keep-list',
  list: '/etc/ecr-lens/keep.txt',
  reference: `${api.uri}:old`,
  digest: apiIndex.digest,
  firstSeenAt: NOW - 50 * DAY,
  lastSeenAt: NOW - 40 * DAY,
});

export function lastUsedSnapshot(): Snapshot {
  return makeSnapshot({
    repositories: [web, api],
    images: [webAmd, webArm, webIndex, webOld, webStopped, webNever, apiChild, apiIndex],
    uses: [running, stopped],
    remembered: [rememberedPod, rememberedLambda, rememberedKeep],
  });
}
