import { describe, expect, it } from 'vitest';
import { lastUsedAt as fromCleanup } from '../../src/cleanup/plan/inuse.js';
import { lastUse, lastUsedAt } from '../../src/snapshot/last-used.js';
import { DAY, makeImage, makeRepository, makeSnapshot, makeUse, NOW } from '../support/builders.js';
import {
  apiChild,
  apiIndex,
  LAMBDA_SEEN,
  lastUsedSnapshot,
  READ_AT,
  rememberedKeep,
  rememberedLambda,
  running,
  stopped,
  webAmd,
  webArm,
  webIndex,
  webNever,
  webOld,
  webStopped,
} from '../support/last-used.js';

describe('lastUsedAt', () => {
  it('counts uses seen now at the read, stopped tasks at their stop and remembered uses when last seen', () => {
    expect(lastUsedAt([running], READ_AT)).toBe(READ_AT);
    expect(lastUsedAt([stopped], READ_AT)).toBe(NOW - 3 * DAY);
    expect(lastUsedAt([rememberedLambda, rememberedKeep], READ_AT)).toBe(LAMBDA_SEEN);
    expect(lastUsedAt([stopped, rememberedKeep], READ_AT)).toBe(NOW - 3 * DAY);
    expect(lastUsedAt([], READ_AT)).toBeUndefined();
  });

  it('is still exported by cleanup/plan/inuse.ts', () => {
    expect(fromCleanup).toBe(lastUsedAt);
  });
});

describe('lastUse', () => {
  const snapshot = lastUsedSnapshot();

  it('gives the most recent use of each image, through the index that lists it too', () => {
    expect(lastUse(snapshot, webIndex)).toEqual({ at: READ_AT, use: running });
    expect(lastUse(snapshot, webAmd)).toEqual({ at: READ_AT, use: running });
    // Remembered directly (10 days ago), but running now through its index.
    expect(lastUse(snapshot, webArm)).toEqual({ at: READ_AT, use: running });
    expect(lastUse(snapshot, webOld)).toEqual({ at: LAMBDA_SEEN, use: rememberedLambda });
    expect(lastUse(snapshot, webStopped)).toEqual({ at: NOW - 3 * DAY, use: stopped });
    expect(lastUse(snapshot, apiIndex)).toEqual({ at: NOW - 40 * DAY, use: rememberedKeep });
    expect(lastUse(snapshot, apiChild)).toEqual({ at: NOW - 40 * DAY, use: rememberedKeep });
    expect(lastUse(snapshot, webNever)).toBeUndefined();
  });

  it('answers the same whatever order the sources listed uses in', () => {
    const repository = makeRepository({ name: 'web' });
    const image = makeImage({ repository, tags: ['v1'] });
    const service = makeUse({ kind: 'service', cluster: 'prod', service: 'web', reference: `${repository.uri}:v1` });
    const task = makeUse({ kind: 'running-task', cluster: 'prod', task: 't1', reference: `${repository.uri}:v1` });
    const pod = makeUse({ kind: 'pod', namespace: 'a', pod: 'p', reference: `${repository.uri}:v1` });
    for (const uses of [
      [service, task, pod],
      [pod, service, task],
    ]) {
      // All seen now: the running task wins (USE_KINDS order).
      expect(lastUse(makeSnapshot({ repositories: [repository], images: [image], uses }), image)).toEqual({
        at: NOW - 60_000,
        use: task,
      });
    }
  });
});
