/** The emulator's Lambda admin routes (deploy, publish, alias) and fixture validation, through the real SDK client. */
import { GetFunctionCommand, ListAliasesCommand } from '@aws-sdk/client-lambda';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFixture } from '../../src/demo/fixture.js';
import type { RunningEmulator } from '../../src/demo/server.js';
import { startEmulator } from '../../src/demo/server.js';
import { E1, ECR_A, F2, THUMBNAILER, admin, d, lambdaClient, lambdaFixture } from '../support/lambda.js';

let emulator: RunningEmulator;
let lambda: LambdaClient;

beforeAll(async () => {
  emulator = await startEmulator({ fixture: lambdaFixture(), now: () => 1_767_225_600_000 });
  lambda = lambdaClient(emulator);
});
afterAll(() => emulator.close());

describe('Lambda admin routes', () => {
  it('deploys $LATEST resolving the tag at that moment; a later push of the tag does not move the function', async () => {
    const created = await admin(emulator, '/lambda/functions', {
      name: 'resizer',
      imageUri: `${ECR_A}/web/frontend:latest`,
    });
    expect(created).toEqual({
      status: 200,
      body: {
        functionName: 'resizer',
        version: '$LATEST',
        created: true,
        imageUri: `${ECR_A}/web/frontend:latest`,
        resolvedImageUri: `${ECR_A}/web/frontend@${F2}`,
      },
    });
    const pushed = d('image/web-frontend/v1.2.0');
    const image = {
      digest: pushed,
      tags: ['latest', 'v1.2.0'],
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      pushedAt: 1_767_200_000,
      config: { digest: d('config/x'), size: 10 },
      layers: [],
    };
    expect((await admin(emulator, '/images', { repositoryName: 'web/frontend', image })).status).toBe(200);
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'resizer' }))).Code?.ResolvedImageUri).toBe(
      `${ECR_A}/web/frontend@${F2}`,
    );
    const updated = await admin(emulator, '/lambda/functions', {
      name: 'resizer',
      imageUri: `${ECR_A}/web/frontend:latest`,
    });
    expect(updated.body).toMatchObject({ created: false, resolvedImageUri: `${ECR_A}/web/frontend@${pushed}` });
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'resizer' }))).Configuration?.LastModified).toBe(
      '2026-01-01T00:00:00.000+0000',
    );
  });

  it('publishes versions (none while $LATEST runs the image of the newest one) and sets weighted aliases', async () => {
    const publish = async () => (await admin(emulator, '/lambda/publish', { functionName: 'web-thumbnailer' })).body;
    // $LATEST (web/frontend:v1.1.0) and version 12 (web/frontend@F2) are one image: nothing to publish.
    expect(await publish()).toEqual({ functionName: 'web-thumbnailer', version: '12', created: false });
    expect(
      (await admin(emulator, '/lambda/functions', { name: 'web-thumbnailer', imageUri: `${ECR_A}/data/etl:nightly` }))
        .status,
    ).toBe(200);
    expect(await publish()).toEqual({ functionName: 'web-thumbnailer', version: '13', created: true });
    expect(await publish()).toEqual({ functionName: 'web-thumbnailer', version: '13', created: false });
    const alias = await admin(emulator, '/lambda/aliases', {
      functionName: 'web-thumbnailer',
      name: 'canary',
      functionVersion: '13',
      additionalVersionWeights: { '12': 0.5 },
    });
    expect(alias).toEqual({
      status: 200,
      body: {
        functionName: 'web-thumbnailer',
        alias: 'canary',
        functionVersion: '13',
        additionalVersionWeights: { '12': 0.5 },
      },
    });
    const listed = await lambda.send(
      new ListAliasesCommand({ FunctionName: 'web-thumbnailer', FunctionVersion: '13' }),
    );
    expect(listed.Aliases?.map((a) => [a.Name, a.RoutingConfig?.AdditionalVersionWeights])).toEqual([
      ['canary', { '12': 0.5 }],
    ]);
    const v13 = await lambda.send(new GetFunctionCommand({ FunctionName: 'web-thumbnailer', Qualifier: '13' }));
    expect(v13.Code?.ResolvedImageUri).toBe(`${ECR_A}/data/etl@${E1}`);
    expect(v13.Configuration?.LastModified).toBe('2026-01-01T00:00:00.000+0000');
    // Zip functions: every deploy is new code.
    expect((await admin(emulator, '/lambda/publish', { functionName: 'legacy-zip' })).body).toMatchObject({
      version: '1',
      created: false,
    });
    expect((await admin(emulator, '/lambda/functions', { name: 'legacy-zip' })).status).toBe(200);
    expect((await admin(emulator, '/lambda/publish', { functionName: 'legacy-zip' })).body).toMatchObject({
      version: '2',
      created: true,
    });
  });

  it('refuses what Lambda refuses', async () => {
    const cases: [string, unknown, number, string][] = [
      [
        '/lambda/functions',
        { name: 'bad', imageUri: `${ECR_A}/web/frontend:nope` },
        400,
        `imageUri: Source image ${ECR_A}/web/frontend:nope does not exist. Provide a valid source image.`,
      ],
      [
        '/lambda/functions',
        { name: 'bad', imageUri: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/web/frontend:v1.1.0' },
        400,
        'imageUri: The image must be in an Amazon ECR repository in us-east-1, not eu-west-1',
      ],
      [
        '/lambda/functions',
        { name: 'bad', imageUri: `${ECR_A}/platform/api:2.0.0` },
        400,
        `imageUri: The image manifest or layer media type for the source image ${ECR_A}/platform/api:2.0.0 is not supported.`,
      ],
      [
        '/lambda/functions',
        { name: 'bad', packageType: 'Zip', imageUri: `${ECR_A}/web/frontend:v1.1.0` },
        400,
        'imageUri: a Zip function has no image',
      ],
      [
        '/lambda/functions',
        { name: 'legacy-zip', imageUri: `${ECR_A}/web/frontend:v1.1.0`, packageType: 'Image' },
        400,
        'packageType: legacy-zip is a Zip function',
      ],
      ['/lambda/publish', { functionName: 'ghost' }, 404, 'functionName: no function ghost'],
      [
        '/lambda/aliases',
        {
          functionName: 'web-thumbnailer',
          name: 'x',
          functionVersion: '$LATEST',
          additionalVersionWeights: { '1': 0.5 },
        },
        400,
        'functionVersion: a weighted alias cannot point to $LATEST',
      ],
      [
        '/lambda/aliases',
        { functionName: 'web-thumbnailer', name: 'x', functionVersion: '99' },
        400,
        'functionVersion: version 99 is not published',
      ],
      [
        '/lambda/aliases',
        {
          functionName: 'web-thumbnailer',
          name: 'x',
          functionVersion: '1',
          additionalVersionWeights: { '2': 0.1, '3': 0.1 },
        },
        400,
        'functionVersion: weighted routing takes at most one additional version',
      ],
      [
        '/lambda/aliases',
        { functionName: 'web-thumbnailer', name: '42', functionVersion: '1' },
        400,
        'name: an alias name cannot be all digits',
      ],
    ];
    for (const [path, body, status, error] of cases)
      expect(await admin(emulator, path, body)).toEqual({ status, body: { error } });
  });

  it('validates fixtures as Lambda would accept them', () => {
    const withAlias = (aliases: unknown) => ({
      version: 1,
      registries: [
        {
          accountId: '111111111111',
          region: 'us-east-1',
          repositories: [],
          lambda: { functions: [{ ...THUMBNAILER, aliases }] },
        },
      ],
    });
    expect(() => parseFixture(withAlias([{ name: 'x', functionVersion: '7' }]))).toThrow(
      /lambda\.functions\.0\.aliases\.0: version 7 is not published/,
    );
    expect(() =>
      parseFixture(
        withAlias([
          { name: 'x', functionVersion: '1' },
          { name: 'x', functionVersion: '2' },
        ]),
      ),
    ).toThrow(/duplicate alias x/);
    expect(() =>
      parseFixture({
        version: 1,
        registries: [
          {
            accountId: '111111111111',
            region: 'us-east-1',
            repositories: [],
            lambda: { functions: [{ name: 'i', latest: {} }] },
          },
        ],
      }),
    ).toThrow(/lambda\.functions\.0\.latest\.imageUri: an Image function needs imageUri/);
  });
});
