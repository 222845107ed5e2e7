import {
  GetFunctionCommand,
  InvalidParameterValueException,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
  paginateListFunctions,
  paginateListVersionsByFunction,
} from '@aws-sdk/client-lambda';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/demo/server.js';
import { startEmulator } from '../../src/demo/server.js';
import {
  ARN_A,
  E1,
  ECR_A,
  ECR_B,
  F1,
  F2,
  M1,
  P1,
  lambdaClient,
  lambdaFixture,
  manyFunctions,
} from '../support/lambda.js';

let emulator: RunningEmulator;
let lambda: LambdaClient;

beforeAll(async () => {
  emulator = await startEmulator({ fixture: lambdaFixture(), now: () => 1_767_225_600_000 });
  lambda = lambdaClient(emulator);
});
afterAll(() => emulator.close());
afterEach(() => emulator.controls.clearFaults());

const rejection = async (p: Promise<unknown>): Promise<Record<string, unknown>> => {
  try {
    await p;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
};

describe('Lambda reads', () => {
  it('ListFunctions lists $LATEST of each function with its PackageType, and without GetFunction-only fields', async () => {
    const out = await lambda.send(new ListFunctionsCommand({}));
    expect(out.Functions?.map((f) => [f.FunctionName, f.PackageType, f.Version, f.FunctionArn])).toEqual([
      ['web-thumbnailer', 'Image', '$LATEST', `${ARN_A}:web-thumbnailer`],
      ['etl-runner', 'Image', '$LATEST', `${ARN_A}:etl-runner`],
      ['legacy-zip', 'Zip', '$LATEST', `${ARN_A}:legacy-zip`],
    ]);
    expect(out.NextMarker).toBeUndefined();
    const first = out.Functions![0]!;
    expect(first).toMatchObject({
      CodeSha256: F2.slice('sha256:'.length),
      LastModified: '2025-12-29T09:20:00.000+0000',
    });
    expect(first.State).toBeUndefined();
    expect(out.Functions![2]).toMatchObject({ Runtime: 'python3.12', Handler: 'app.handler' });
    const all = await lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    expect(all.Functions?.filter((f) => f.FunctionName === 'web-thumbnailer').map((f) => f.Version)).toEqual([
      '$LATEST',
      '10',
      '2',
      '12',
      '1',
      '11',
      '3',
    ]);
  });

  it('ListVersionsByFunction lists $LATEST first, then the versions in stored order (AWS promises none)', async () => {
    const out = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'web-thumbnailer' }));
    expect(out.Versions?.map((v) => [v.Version, v.FunctionArn])).toEqual(
      ['$LATEST', '10', '2', '12', '1', '11', '3'].map((v) => [v, `${ARN_A}:web-thumbnailer:${v}`]),
    );
    const byArn = await lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: '111111111111:function:legacy-zip' }),
    );
    expect(byArn.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1']);
  });

  it('ListAliases returns routing configuration and filters by the primary version', async () => {
    const out = await lambda.send(new ListAliasesCommand({ FunctionName: `${ARN_A}:web-thumbnailer` }));
    expect(
      out.Aliases?.map((a) => [a.Name, a.AliasArn, a.FunctionVersion, a.RoutingConfig?.AdditionalVersionWeights]),
    ).toEqual([
      ['prod', `${ARN_A}:web-thumbnailer:prod`, '1', undefined],
      ['live', `${ARN_A}:web-thumbnailer:live`, '12', { '10': 0.1 }],
    ]);
    const filtered = await lambda.send(
      new ListAliasesCommand({ FunctionName: 'web-thumbnailer', FunctionVersion: '12' }),
    );
    expect(filtered.Aliases?.map((a) => a.Name)).toEqual(['live']);
    expect(
      (await lambda.send(new ListAliasesCommand({ FunctionName: 'web-thumbnailer', FunctionVersion: '10' }))).Aliases,
    ).toEqual([]);
  });

  it('GetFunction answers Code with the image as deployed and as resolved, for $LATEST, versions and aliases', async () => {
    const get = (FunctionName: string, Qualifier?: string) =>
      lambda.send(new GetFunctionCommand({ FunctionName, ...(Qualifier ? { Qualifier } : {}) }));
    const latest = await get('web-thumbnailer');
    expect(latest.Code).toEqual({
      RepositoryType: 'ECR',
      ImageUri: `${ECR_A}/web/frontend:v1.1.0`,
      ResolvedImageUri: `${ECR_A}/web/frontend@${F2}`,
    });
    expect(latest.Configuration).toMatchObject({
      Version: '$LATEST',
      FunctionArn: `${ARN_A}:web-thumbnailer`,
      State: 'Active',
      LastUpdateStatus: 'Successful',
    });
    // Version 1 was deployed from :latest when it named F1; the tag has moved since, the version has not.
    expect((await get('web-thumbnailer', '1')).Code).toEqual({
      RepositoryType: 'ECR',
      ImageUri: `${ECR_A}/web/frontend:latest`,
      ResolvedImageUri: `${ECR_A}/web/frontend@${F1}`,
    });
    const alias = await get(`${ARN_A}:web-thumbnailer:live`);
    expect(alias.Configuration).toMatchObject({ Version: '12', FunctionArn: `${ARN_A}:web-thumbnailer:live` });
    expect(alias.Code?.ResolvedImageUri).toBe(`${ECR_A}/web/frontend@${F2}`);
    expect((await get('111111111111:function:web-thumbnailer:11')).Code?.ResolvedImageUri).toBe(
      `${ECR_A}/platform/api@${P1}`,
    );
    expect((await get('web-thumbnailer:10', '10')).Code?.ResolvedImageUri).toBe(`${ECR_A}/data/etl@${E1}`);
    expect((await get('web-thumbnailer', '$LATEST')).Configuration?.FunctionArn).toBe(
      `${ARN_A}:web-thumbnailer:$LATEST`,
    );
    // platform/api has no `latest` tag: nothing to resolve an untagged URI to.
    expect((await get('etl-runner')).Code).toEqual({ RepositoryType: 'ECR', ImageUri: `${ECR_A}/platform/api` });
    const zip = await get('legacy-zip', 'prod');
    expect(zip.Code?.RepositoryType).toBe('S3');
    expect(zip.Code?.Location).toMatch(
      /^https:\/\/awslambda-us-east-1-tasks\.s3\.us-east-1\.amazonaws\.com\/snapshots\/111111111111\/legacy-zip-/,
    );
    expect(zip.Configuration?.PackageType).toBe('Zip');
  });

  it("uses the caller's account (from the access key) and region (from the signature)", async () => {
    const other = lambdaClient(emulator, {
      credentials: { accessKeyId: 'ASIA222222222222ABCD', secretAccessKey: 'x', sessionToken: 't' },
    });
    const fns = await other.send(new ListFunctionsCommand({}));
    expect(fns.Functions?.map((f) => [f.FunctionName, f.FunctionArn])).toEqual([
      ['inference', 'arn:aws:lambda:us-east-1:222222222222:function:inference'],
    ]);
    expect((await other.send(new GetFunctionCommand({ FunctionName: 'inference' }))).Code?.ResolvedImageUri).toBe(
      `${ECR_B}/ml/inference@${M1}`,
    );
    expect(
      (await lambdaClient(emulator, { region: 'eu-west-1' }).send(new ListFunctionsCommand({}))).Functions,
    ).toEqual([]);
  });
});

describe('Lambda pagination', () => {
  let paged: RunningEmulator;
  let client: LambdaClient;
  beforeAll(async () => {
    paged = await startEmulator({ fixture: lambdaFixture(manyFunctions(120, 130, 60)) });
    client = lambdaClient(paged);
  });
  afterAll(() => paged.close());

  it('ListFunctions returns at most 50 per page whatever MaxItems says; NextMarker is absent on the last page', async () => {
    const sizes: number[] = [];
    const names: string[] = [];
    for await (const page of paginateListFunctions({ client, pageSize: 1000 }, {})) {
      sizes.push(page.Functions!.length);
      names.push(...page.Functions!.map((f) => f.FunctionName!));
    }
    expect(sizes).toEqual([50, 50, 20]);
    expect(names).toEqual(manyFunctions(120).map((f) => f.name));
    const small = await client.send(new ListFunctionsCommand({ MaxItems: 7 }));
    expect(small.Functions?.map((f) => f.FunctionName)).toEqual(names.slice(0, 7));
    const next = await client.send(new ListFunctionsCommand({ MaxItems: 7, Marker: small.NextMarker! }));
    expect(next.Functions?.map((f) => f.FunctionName)).toEqual(names.slice(7, 14));
    const last = await client.send(
      new ListFunctionsCommand({
        MaxItems: 50,
        Marker: (await client.send(new ListFunctionsCommand({ MaxItems: 100 }))).NextMarker!,
      }),
    );
    expect(last.Functions).toHaveLength(50);
    expect(last.NextMarker).toBeDefined();
  });

  it('ListVersionsByFunction and ListAliases page with Marker too', async () => {
    const versions: string[] = [];
    for await (const page of paginateListVersionsByFunction({ client, pageSize: 50 }, { FunctionName: 'fn-000' }))
      versions.push(...page.Versions!.map((v) => v.Version!));
    expect(versions).toEqual(['$LATEST', ...Array.from({ length: 130 }, (_, i) => String(i + 1))]);
    const first = await client.send(new ListAliasesCommand({ FunctionName: 'fn-000', MaxItems: 25 }));
    const second = await client.send(
      new ListAliasesCommand({ FunctionName: 'fn-000', MaxItems: 1000, Marker: first.NextMarker! }),
    );
    expect(first.Aliases).toHaveLength(25);
    expect(second.Aliases?.map((a) => a.Name)).toEqual(
      Array.from({ length: 35 }, (_, i) => `alias-${String(i + 25).padStart(3, '0')}`),
    );
    expect(second.NextMarker).toBeUndefined();
  });

  it('rejects a foreign Marker and out-of-range MaxItems', async () => {
    const marker = (await client.send(new ListFunctionsCommand({ MaxItems: 1 }))).NextMarker!;
    await expect(
      client.send(new ListAliasesCommand({ FunctionName: 'fn-000', Marker: marker })),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    const e = await rejection(client.send(new ListFunctionsCommand({ MaxItems: 0 })));
    expect([e.name, e.message]).toEqual([
      'ValidationException',
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ]);
  });
});

describe('Lambda errors', () => {
  it('ResourceNotFoundException (404) names the function, version or alias', async () => {
    for (const [FunctionName, Qualifier, arn] of [
      ['ghost', undefined, `${ARN_A}:ghost`],
      ['web-thumbnailer', '9', `${ARN_A}:web-thumbnailer:9`],
      ['web-thumbnailer', 'staging', `${ARN_A}:web-thumbnailer:staging`],
      [
        'arn:aws:lambda:eu-west-1:111111111111:function:web-thumbnailer',
        undefined,
        'arn:aws:lambda:eu-west-1:111111111111:function:web-thumbnailer',
      ],
    ] as const) {
      const e = await rejection(
        lambda.send(new GetFunctionCommand({ FunctionName, ...(Qualifier ? { Qualifier } : {}) })),
      );
      expect(e).toBeInstanceOf(ResourceNotFoundException);
      expect([e.message, e.Type, (e.$metadata as { httpStatusCode: number }).httpStatusCode]).toEqual([
        `Function not found: ${arn}`,
        'User',
        404,
      ]);
    }
    await expect(lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'ghost' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(lambda.send(new ListAliasesCommand({ FunctionName: 'ghost' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('rejects malformed names and a qualifier that contradicts the name', async () => {
    expect((await rejection(lambda.send(new GetFunctionCommand({ FunctionName: 'no spaces' })))).name).toBe(
      'ValidationException',
    );
    const e = await rejection(
      lambda.send(new GetFunctionCommand({ FunctionName: 'web-thumbnailer:prod', Qualifier: '1' })),
    );
    expect(e).toBeInstanceOf(InvalidParameterValueException);
  });

  it('injected throttling is a 429 TooManyRequestsException with its Reason; 5xx is ServiceException; counters count', async () => {
    emulator.controls.resetCalls();
    emulator.controls.setFault('lambda:GetFunction', { throttleProbability: 1 });
    const throttled = await rejection(
      lambdaClient(emulator, { attempts: 3 }).send(new GetFunctionCommand({ FunctionName: 'web-thumbnailer' })),
    );
    expect(throttled).toBeInstanceOf(TooManyRequestsException);
    expect([
      throttled.message,
      throttled.Reason,
      throttled.Type,
      (throttled.$metadata as { httpStatusCode: number; attempts: number }).httpStatusCode,
    ]).toEqual(['Rate exceeded', 'CallerRateLimitExceeded', 'User', 429]);
    expect((throttled.$metadata as { attempts: number }).attempts).toBe(3);
    emulator.controls.setFault('lambda:*', { serverErrorProbability: 1 });
    const failed = await rejection(lambda.send(new ListFunctionsCommand({})));
    expect(failed).toBeInstanceOf(ServiceException);
    expect([failed.Type, (failed.$metadata as { httpStatusCode: number }).httpStatusCode]).toEqual(['Service', 500]);
    expect(emulator.controls.calls()).toEqual({
      'lambda:GetFunction': { calls: 3, throttled: 3, faulted: 0, errors: 0 },
      'lambda:ListFunctions': { calls: 1, throttled: 0, faulted: 1, errors: 0 },
    });
  });

  it('fails the configured page of a listing', async () => {
    const many = await startEmulator({ fixture: lambdaFixture(manyFunctions(60)) });
    try {
      many.controls.setFault('lambda:ListFunctions', { failOnPage: 2 });
      const client = lambdaClient(many);
      const first = await client.send(new ListFunctionsCommand({}));
      await expect(client.send(new ListFunctionsCommand({ Marker: first.NextMarker! }))).rejects.toBeInstanceOf(
        ServiceException,
      );
    } finally {
      await many.close();
    }
  });
});
