import { describe, expect, it } from 'vitest';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { createCleanupService } from '../../src/cleanup/service.js';
import { imageFilter, selectPlan } from '../../src/cleanup/plan/select.js';
import { runQuery } from '../../src/query/engine.js';
import { imageIndex } from '../../src/query/columnar/image-index.js';
import type { Filters } from '../../src/query/request.js';
import type { Image } from '../../src/snapshot/model.js';
import { ACCOUNT, DAY, fakeInventory, NOW, REGION } from '../support/builders.js';
import { request, rows, testContext, values } from '../support/frames.js';
import { referenceImageFilter } from '../support/image-filters.js';
import {
  apiChild,
  apiIndex,
  LAMBDA_SEEN,
  lastUsedSnapshot,
  READ_AT,
  web,
  webAmd,
  webArm,
  webIndex,
  webNever,
  webOld,
  webStopped,
} from '../support/last-used.js';

const snapshot = lastUsedSnapshot();
const ctx = testContext();
const run = (input: Record<string, unknown>) => runQuery(snapshot, request(input), ctx);
const name = new Map<string, string>([
  [webAmd.digest, 'webAmd'],
  [webArm.digest, 'webArm'],
  [webIndex.digest, 'webIndex'],
  [webOld.digest, 'webOld'],
  [webStopped.digest, 'webStopped'],
  [webNever.digest, 'webNever'],
  [apiChild.digest, 'apiChild'],
  [apiIndex.digest, 'apiIndex'],
]);
const names = (digests: readonly unknown[]) => digests.map((d) => name.get(d as string)).sort();
/** Images in snapshot row order (by repository, newest push first). */
const inOrder = (...images: Image[]) =>
  imageIndex(snapshot)
    .images.filter((i) => images.includes(i))
    .map((i) => name.get(i.digest));

describe('images: lastUsedAt and lastUsedBy', () => {
  it('answers every image exactly: uses seen now, through an index, stopped, remembered or none', () => {
    const byName = Object.fromEntries(
      rows(run({ queryType: 'images' }).frame).map((r) => [
        name.get(r.digest as string),
        [r.inUse, r.inUseBy, r.lastUsedAt, r.lastUsedBy],
      ]),
    );
    expect(byName).toEqual({
      webIndex: [true, 'running-task prod/task1', READ_AT, 'running-task prod/task1'],
      webAmd: [true, 'running-task prod/task1', READ_AT, 'running-task prod/task1'],
      // Its remembered pod (10 days ago) is older than the use through its index now.
      webArm: [true, 'running-task prod/task1', READ_AT, 'running-task prod/task1'],
      // Only remembered: not in use now.
      webOld: [false, null, LAMBDA_SEEN, 'lambda-function api:prod (last seen 2024-05-01T10:00:00Z)'],
      webStopped: [true, 'stopped-task staging/task9', NOW - 3 * DAY, 'stopped-task staging/task9'],
      webNever: [false, null, null, null],
      apiIndex: [false, null, NOW - 40 * DAY, 'keep-list /etc/ecr-lens/keep.txt (last seen 2024-04-22T00:00:00Z)'],
      apiChild: [false, null, NOW - 40 * DAY, 'keep-list /etc/ecr-lens/keep.txt (last seen 2024-04-22T00:00:00Z)'],
    });
    const field = run({ queryType: 'images' }).frame.fields.find((f) => f.name === 'lastUsedAt')!;
    expect(field.type).toBe('time');
    expect(field.config.description).toMatch(/usage ledger/);
  });

  it('sorts by lastUsedAt like the other times: ties by row, never used last in both orders', () => {
    const sorted = (order: 'asc' | 'desc', limit = 100) =>
      values(run({ queryType: 'images', sort: { field: 'lastUsedAt', order }, limit }).frame, 'digest').map((d) =>
        name.get(d as string),
      );
    expect(sorted('desc')).toEqual([
      ...inOrder(webAmd, webArm, webIndex),
      'webStopped',
      'webOld',
      ...inOrder(apiChild, apiIndex),
      'webNever',
    ]);
    expect(sorted('asc')).toEqual([
      ...inOrder(apiChild, apiIndex),
      'webOld',
      'webStopped',
      ...inOrder(webAmd, webArm, webIndex),
      'webNever',
    ]);
    expect(sorted('asc', 3)).toEqual(sorted('asc').slice(0, 3));
  });
});

describe('the notUsedForDays filter', () => {
  const expected: [number, string[]][] = [
    [0, ['apiChild', 'apiIndex', 'webAmd', 'webArm', 'webIndex', 'webNever', 'webOld', 'webStopped']],
    [2, ['apiChild', 'apiIndex', 'webNever', 'webOld', 'webStopped']],
    [30, ['apiChild', 'apiIndex', 'webNever', 'webOld']],
    [35, ['apiChild', 'apiIndex', 'webNever']],
    [41, ['webNever']],
  ];

  it.each(expected)(
    'notUsedForDays %i: the images query (columnar) keeps last use that old, or never used',
    (days, want) => {
      expect(names(values(run({ queryType: 'images', filters: { notUsedForDays: days } }).frame, 'digest'))).toEqual(
        want,
      );
    },
  );

  it.each(expected)('notUsedForDays %i: the reference filter and the cleanup filter agree', (days, want) => {
    const filters: Filters = { notUsedForDays: days };
    const reference = referenceImageFilter(filters, NOW, snapshot);
    const images = imageIndex(snapshot).images;
    expect(names(images.filter((image) => reference(image)).map((i) => i.digest))).toEqual(want);
    const plan = imageFilter(filters, NOW, snapshot)!;
    expect(names(images.filter((image) => plan(image)).map((i) => i.digest))).toEqual(want);
  });

  it('combines with the other filters, and applies to severity per image', () => {
    expect(
      names(values(run({ queryType: 'images', filters: { notUsedForDays: 2, inUse: true } }).frame, 'digest')),
    ).toEqual(['webStopped']);
    expect(
      names(values(run({ queryType: 'images', filters: { notUsedForDays: 30, kind: 'index' } }).frame, 'digest')),
    ).toEqual(['apiIndex']);
    expect(
      names(values(run({ queryType: 'severity', filters: { level: 'image', notUsedForDays: 35 } }).frame, 'digest')),
    ).toEqual(['apiChild', 'apiIndex', 'webNever']);
  });

  it('selects cleanup plan rows from the plan snapshot, and refuses an image of another snapshot', () => {
    const service = createCleanupService({
      config: CleanupConfig.parse({}),
      inventory: fakeInventory(snapshot),
      prices: { defaultUsdPerGbMonth: 0.1 },
      now: () => NOW,
    });
    const selection = selectPlan(service.plan(snapshot), { notUsedForDays: 30 }, NOW, snapshot);
    expect(names(selection.rows.map((r) => r.image.digest))).toEqual(['apiChild', 'apiIndex', 'webNever', 'webOld']);
    const stranger = { ...snapshot.images[0]! };
    expect(() => imageFilter({ notUsedForDays: 30 }, NOW, snapshot)!(stranger)).toThrow(/is not in snapshot/);
  });
});

describe('usage: remembered uses', () => {
  it('lists uses seen now, then remembered ones with when they were first and last seen', () => {
    const { frame, total } = run({ queryType: 'usage' });
    expect(total).toBe(5);
    expect(values(frame, 'kind')).toEqual(['running-task', 'stopped-task', 'pod', 'lambda-function', 'keep-list']);
    expect(values(frame, 'source')).toEqual(['ecs', 'ecs', 'kubernetes', 'lambda', 'keep-list']);
    expect(values(frame, 'lastSeenAt')).toEqual([null, null, NOW - 10 * DAY, LAMBDA_SEEN, NOW - 40 * DAY]);
    expect(rows(frame)[3]).toEqual({
      account: ACCOUNT,
      region: REGION,
      source: 'lambda',
      cluster: null,
      service: null,
      task: null,
      taskDefinition: null,
      container: null,
      functionName: 'api',
      qualifier: 'prod',
      namespace: null,
      pod: null,
      list: null,
      reference: `${web.uri}:1.0`,
      digest: webOld.digest,
      repository: 'web',
      kind: 'lambda-function',
      at: null,
      firstSeenAt: NOW - 120 * DAY,
      lastSeenAt: LAMBDA_SEEN,
    });
    expect(rows(frame)[0]).toMatchObject({
      source: 'ecs',
      cluster: 'prod',
      task: 'task1',
      firstSeenAt: null,
      lastSeenAt: null,
      at: NOW - DAY,
    });
  });

  it('filters the new kinds, and remembered uses by repository and digest', () => {
    const kinds = (filters: Record<string, unknown>) => values(run({ queryType: 'usage', filters }).frame, 'kind');
    expect(kinds({ useKind: ['pod', 'keep-list'] })).toEqual(['pod', 'keep-list']);
    expect(kinds({ useKind: 'lambda-function' })).toEqual(['lambda-function']);
    expect(kinds({ repository: 'api' })).toEqual(['keep-list']);
    expect(kinds({ digest: webArm.digest })).toEqual(['pod']);
  });
});
