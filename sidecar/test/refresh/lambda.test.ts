import pLimit from 'p-limit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LambdaFetcher } from '../../src/aws/lambda.js';
import type { Fault } from '../../src/demo/controls.js';
import type { RunningEmulator } from '../../src/demo/server.js';
import { startEmulator } from '../../src/demo/server.js';
import { LambdaVersionCache, readLambda } from '../../src/refresh/lambda.js';
import type { LambdaReadContext } from '../../src/refresh/lambda.js';
import type { ImageUse } from '../../src/snapshot/model.js';
import { parseEcrReference } from '../../src/snapshot/reference.js';
import {
  E1,
  ECR_A,
  ECR_B,
  F1,
  F2,
  M1,
  P1,
  admin,
  d,
  lambdaClient,
  lambdaFixture,
  manyFunctions,
} from '../support/lambda.js';

let emulator: RunningEmulator;
let cache: LambdaVersionCache;

beforeAll(async () => {
  emulator = await startEmulator({ fixture: lambdaFixture() });
});
afterAll(() => emulator.close());
beforeEach(() => {
  cache = new LambdaVersionCache();
  emulator.controls.resetCalls();
});
afterEach(() => emulator.controls.clearFaults());

const context = (
  o: Partial<LambdaReadContext> & { attempts?: number; em?: RunningEmulator } = {},
): LambdaReadContext => ({
  accountId: '111111111111',
  region: 'us-east-1',
  fetcher: new LambdaFetcher(lambdaClient(o.em ?? emulator, { attempts: o.attempts ?? 2 }), pLimit(4)),
  keepVersions: 2,
  cache,
  ...o,
});

/** [function, qualifier, reference, digest], sorted. */
const rows = (uses: readonly ImageUse[]): string[][] =>
  uses
    .map((u) => [u.functionName ?? '', u.qualifier ?? '', u.reference, u.digest ?? ''])
    .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));

const resolved = (repo: string, digest: string): string => `${ECR_A}/${repo}@${digest}`;

/** What the reference Lambda fixture yields with keepVersions 2. */
const EXPECTED = [
  ['etl-runner', '$LATEST', `${ECR_A}/platform/api`, ''],
  ['web-thumbnailer', '$LATEST', resolved('web/frontend', F2), F2],
  ['web-thumbnailer', '11', resolved('platform/api', P1), P1],
  ['web-thumbnailer', '12', resolved('web/frontend', F2), F2],
  ['web-thumbnailer', 'live', resolved('data/etl', E1), E1],
  ['web-thumbnailer', 'live', resolved('web/frontend', F2), F2],
  ['web-thumbnailer', 'prod', resolved('web/frontend', F1), F1],
];

describe('readLambda', () => {
  it('yields $LATEST, aliased versions (weighted routing too) and the newest N by number, from the resolved digests', async () => {
    const read = await readLambda(context());
    expect(read.incomplete).toEqual([]);
    expect(rows(read.uses)).toEqual(EXPECTED);
    expect(read.uses.find((u) => u.qualifier === 'prod')).toEqual({
      kind: 'lambda-function',
      accountId: '111111111111',
      region: 'us-east-1',
      functionName: 'web-thumbnailer',
      qualifier: 'prod',
      reference: resolved('web/frontend', F1),
      digest: F1,
    });
    // Untagged and unresolved: the reference is a use of platform/api:latest, as Lambda would pull it.
    expect(parseEcrReference(`${ECR_A}/platform/api`)).toMatchObject({ repository: 'platform/api', tag: 'latest' });
    // Zip functions are not read beyond the listing. GetFunction: both $LATEST, then versions 12, 11, 1 (prod)
    // and 10 (live's weight); live's own version is 12, read once for both.
    expect(emulator.controls.calls()).toEqual({
      'lambda:GetFunction': { calls: 6, throttled: 0, faulted: 0, errors: 0 },
      'lambda:ListAliases': { calls: 2, throttled: 0, faulted: 0, errors: 0 },
      'lambda:ListFunctions': { calls: 1, throttled: 0, faulted: 0, errors: 0 },
      'lambda:ListVersionsByFunction': { calls: 2, throttled: 0, faulted: 0, errors: 0 },
    });
  });

  it('reads published versions once, aliased ones too; a steady refresh reads only $LATEST', async () => {
    await readLambda(context());
    // 12, 11 (newest two), 1 (prod), 10 (live's weight).
    expect(cache.size).toBe(4);
    emulator.controls.resetCalls();
    const again = await readLambda(context());
    expect(rows(again.uses)).toEqual(EXPECTED);
    expect(again.incomplete).toEqual([]);
    // $LATEST of both functions; the aliases resolve from ListAliases to cached versions.
    expect(emulator.controls.callCount('lambda:GetFunction')).toBe(2);
    expect(emulator.controls.callCount('lambda:ListAliases')).toBe(2);
  });

  it('keepVersions 0 keeps $LATEST and aliased versions only; the cache drops versions no longer read', async () => {
    await readLambda(context());
    emulator.controls.resetCalls();
    const read = await readLambda(context({ keepVersions: 0 }));
    expect(rows(read.uses)).toEqual(EXPECTED.filter(([, q]) => q !== '11' && q !== '12'));
    // 11 is dropped; 12 stays, aliased by live.
    expect(cache.size).toBe(3);
    expect(emulator.controls.callCount('lambda:GetFunction')).toBe(2);
  });

  it('reads an alias on $LATEST with $LATEST, once', async () => {
    // fn-000: version 1, and two aliases on $LATEST.
    const em = await startEmulator({ fixture: lambdaFixture(manyFunctions(1, 1, 2)) });
    try {
      const read = await readLambda(context({ em }));
      expect(read.incomplete).toEqual([]);
      const latest = `${ECR_A}/web/frontend@${F2}`;
      expect(rows(read.uses)).toEqual([
        ['fn-000', '$LATEST', latest, F2],
        ['fn-000', '1', `${ECR_A}/web/frontend@${F1}`, F1],
        ['fn-000', 'alias-000', latest, F2],
        ['fn-000', 'alias-001', latest, F2],
      ]);
      expect(em.controls.callCount('lambda:GetFunction')).toBe(2);
    } finally {
      await em.close();
    }
  });

  it('reads an alias by its name, every time, when ListAliases names no version', async () => {
    const real = context().fetcher;
    const fetcher: LambdaReadContext['fetcher'] = {
      functions: () => real.functions(),
      versions: (name) => real.versions(name),
      function: (name, qualifier) => real.function(name, qualifier),
      // The emulator, like Lambda, always names it: drop it to see the fallback.
      aliases: async (name) => (await real.aliases(name)).map(({ FunctionVersion: _, ...alias }) => alias),
    };
    const read = await readLambda(context({ fetcher }));
    expect(read.incomplete).toEqual([]);
    expect(rows(read.uses)).toEqual(EXPECTED);
    emulator.controls.resetCalls();
    expect(rows((await readLambda(context({ fetcher }))).uses)).toEqual(EXPECTED);
    // Both $LATEST, and prod and live by name.
    expect(emulator.controls.callCount('lambda:GetFunction')).toBe(4);
  });

  it('sees deployments: a new $LATEST image and a moved alias, without a stale cache', async () => {
    const em = await startEmulator({ fixture: lambdaFixture() });
    try {
      await readLambda(context({ em }));
      const pushed = d('image/data-etl/nightly-2');
      const image = {
        digest: pushed,
        tags: ['nightly'],
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        pushedAt: 1_767_200_000,
        config: { digest: d('config/y'), size: 10 },
        layers: [],
      };
      expect((await admin(em, '/images', { repositoryName: 'data/etl', image })).status).toBe(200);
      expect(
        (await admin(em, '/lambda/functions', { name: 'etl-runner', imageUri: `${ECR_A}/data/etl:nightly` })).status,
      ).toBe(200);
      expect(
        (await admin(em, '/lambda/aliases', { functionName: 'web-thumbnailer', name: 'prod', functionVersion: '3' }))
          .status,
      ).toBe(200);
      const read = await readLambda(context({ em }));
      expect(read.incomplete).toEqual([]);
      expect(rows(read.uses).filter(([f, q]) => f === 'etl-runner' || q === 'prod')).toEqual([
        ['etl-runner', '$LATEST', resolved('data/etl', pushed), pushed],
        ['web-thumbnailer', 'prod', resolved('web/frontend', F2), F2],
      ]);
    } finally {
      await em.close();
    }
  });

  it('reads other accounts with their own credentials', async () => {
    const fetcher = new LambdaFetcher(
      lambdaClient(emulator, {
        credentials: { accessKeyId: 'ASIA222222222222ABCD', secretAccessKey: 'x', sessionToken: 't' },
      }),
      pLimit(2),
    );
    const read = await readLambda(context({ accountId: '222222222222', fetcher }));
    expect(rows(read.uses)).toEqual([['inference', '$LATEST', `${ECR_B}/ml/inference@${M1}`, M1]]);
  });
});

describe('readLambda failures are Incomplete, never fewer uses in silence', () => {
  const failing = async (operation: string, fault: Fault, attempts = 2) => {
    emulator.controls.setFault(operation, fault);
    return readLambda(context({ attempts }));
  };
  const incompleteOf = (read: Awaited<ReturnType<typeof readLambda>>) =>
    read.incomplete.map((i) => [i.scope, i.accountId, i.region, i.target ?? '', i.operation, i.error]).sort();

  it('ListFunctions', async () => {
    const read = await failing('lambda:ListFunctions', { serverErrorProbability: 1 });
    expect(read.uses).toEqual([]);
    expect(incompleteOf(read)).toEqual([
      [
        'lambda',
        '111111111111',
        'us-east-1',
        '',
        'ListFunctions',
        'ServiceException: Internal server error (injected by the emulator)',
      ],
    ]);
  });

  it('ListFunctions throttled past the retries', async () => {
    const read = await failing('lambda:ListFunctions', { throttleProbability: 1 }, 3);
    expect(incompleteOf(read)).toEqual([
      ['lambda', '111111111111', 'us-east-1', '', 'ListFunctions', 'TooManyRequestsException: Rate exceeded'],
    ]);
    expect(emulator.controls.calls()['lambda:ListFunctions']).toEqual({
      calls: 3,
      throttled: 3,
      faulted: 0,
      errors: 0,
    });
  });

  it('ListVersionsByFunction: $LATEST and aliases still count', async () => {
    const read = await failing('lambda:ListVersionsByFunction', { serverErrorProbability: 1 });
    const error = 'ServiceException: Internal server error (injected by the emulator)';
    expect(incompleteOf(read)).toEqual([
      ['lambda', '111111111111', 'us-east-1', 'etl-runner', 'ListVersionsByFunction', error],
      ['lambda', '111111111111', 'us-east-1', 'web-thumbnailer', 'ListVersionsByFunction', error],
    ]);
    expect(rows(read.uses)).toEqual(EXPECTED.filter(([, q]) => q !== '11' && q !== '12'));
    // Aliased versions were read by number, but without a listing there is no cache key to trust.
    expect(cache.size).toBe(0);
  });

  it('ListAliases: $LATEST and the newest versions still count', async () => {
    const read = await failing('lambda:ListAliases', { serverErrorProbability: 1 });
    expect(incompleteOf(read).map((i) => `${i[3]} ${i[4]}`)).toEqual([
      'etl-runner ListAliases',
      'web-thumbnailer ListAliases',
    ]);
    expect(rows(read.uses)).toEqual(EXPECTED.filter(([, q]) => q !== 'live' && q !== 'prod'));
  });

  it('GetFunction: one entry per function, naming the qualifiers', async () => {
    const read = await failing('lambda:GetFunction', { serverErrorProbability: 1 });
    expect(read.uses).toEqual([]);
    const error = 'ServiceException: Internal server error (injected by the emulator)';
    expect(incompleteOf(read)).toEqual([
      ['lambda', '111111111111', 'us-east-1', 'etl-runner', 'GetFunction', `$LATEST: ${error}`],
      [
        'lambda',
        '111111111111',
        'us-east-1',
        'web-thumbnailer',
        'GetFunction',
        `5 qualifiers unread; first: $LATEST: ${error}`,
      ],
    ]);
    expect(cache.size).toBe(0);
  });

  it('a failed page of the function listing', async () => {
    const em = await startEmulator({ fixture: lambdaFixture(manyFunctions(60)) });
    try {
      em.controls.setFault('lambda:ListFunctions', { failOnPage: 2 });
      const read = await readLambda(context({ em }));
      expect(read.uses).toEqual([]);
      expect(incompleteOf(read)).toEqual([
        ['lambda', '111111111111', 'us-east-1', '', 'ListFunctions', 'ServiceException: Injected failure on page 2'],
      ]);
    } finally {
      await em.close();
    }
  });
});
