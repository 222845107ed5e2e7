/** Lambda test setup: the reference fixture plus functions, and a Lambda client pointed at the emulator. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { Fixture, FixtureLambdaFunction } from '../../src/demo/fixture.js';
import { loadFixture } from '../../src/demo/fixture.js';
import type { RunningEmulator } from '../../src/demo/server.js';

export const d = (label: string): string => `sha256:${createHash('sha256').update(label).digest('hex')}`;
export const ECR_A = '111111111111.dkr.ecr.us-east-1.amazonaws.com';
export const ECR_B = '222222222222.dkr.ecr.us-east-1.amazonaws.com';
export const ARN_A = 'arn:aws:lambda:us-east-1:111111111111:function';

/** Reference images (docs/emulator.md): web/frontend v1.0.0 (F1), v1.1.0 + latest (F2); platform/api 1.9.0; data/etl nightly. */
export const F1 = d('image/web-frontend/v1.0.0');
export const F2 = d('image/web-frontend/v1.1.0');
export const P1 = d('image/platform-api/1.9.0');
export const E1 = d('image/data-etl/nightly');
export const M1 = d('image/ml-inference/3.2.1');

/**
 * web-thumbnailer: versions listed out of order (10, 2, 12, 1, 11, 3); version 1 was deployed from
 * `web/frontend:latest` when that tag was on F1 (it is on F2 now); `prod` -> 1; `live` -> 12 with 10% on 10.
 * etl-runner: `$LATEST` from `platform/api` without a tag, which has no `latest`: Lambda reports no ResolvedImageUri.
 * legacy-zip: a zip function with a version and an alias.
 */
export const THUMBNAILER: FixtureLambdaFunction = {
  name: 'web-thumbnailer',
  latest: { imageUri: `${ECR_A}/web/frontend:v1.1.0`, lastModified: 1_767_000_000 },
  versions: [
    { version: 10, imageUri: `${ECR_A}/data/etl:nightly`, lastModified: 1_766_200_000 },
    { version: 2, imageUri: `${ECR_A}/web/frontend:v1.0.0`, lastModified: 1_740_000_000 },
    { version: 12, imageUri: `${ECR_A}/web/frontend@${F2}`, lastModified: 1_766_900_000 },
    { version: 1, imageUri: `${ECR_A}/web/frontend:latest`, resolvedDigest: F1, lastModified: 1_736_000_000 },
    { version: 11, imageUri: `${ECR_A}/platform/api:1.9.0`, lastModified: 1_766_500_000 },
    { version: 3, imageUri: `${ECR_A}/web/frontend:v1.1.0`, lastModified: 1_749_000_000 },
  ],
  aliases: [
    { name: 'prod', functionVersion: '1' },
    { name: 'live', functionVersion: '12', additionalVersionWeights: { '10': 0.1 } },
  ],
};

export const LAMBDA_FUNCTIONS: readonly FixtureLambdaFunction[] = [
  THUMBNAILER,
  { name: 'etl-runner', latest: { imageUri: `${ECR_A}/platform/api`, lastModified: 1_767_100_000 } },
  {
    name: 'legacy-zip',
    packageType: 'Zip',
    latest: { lastModified: 1_700_000_000 },
    versions: [{ version: 1, lastModified: 1_700_000_000 }],
    aliases: [{ name: 'prod', functionVersion: '1' }],
  },
];

const REFERENCE_PATH = fileURLToPath(new URL('../../fixtures/reference.json', import.meta.url));

/** The reference fixture with LAMBDA_FUNCTIONS in 111111111111/us-east-1 and `inference` (M1) in 222222222222/us-east-1. */
export function lambdaFixture(functions: readonly FixtureLambdaFunction[] = LAMBDA_FUNCTIONS): Fixture {
  const fixture = loadFixture(REFERENCE_PATH);
  const registries = fixture.registries.map((r) => {
    if (r.accountId === '111111111111' && r.region === 'us-east-1')
      return { ...r, lambda: { functions: [...functions] } };
    if (r.accountId === '222222222222')
      return {
        ...r,
        lambda: { functions: [{ name: 'inference', latest: { imageUri: `${ECR_B}/ml/inference:3.2.1` } }] },
      };
    return r;
  });
  return { ...fixture, registries };
}

/** `count` functions on web/frontend:v1.1.0, named fn-000...; the first has `versions` versions and `aliases` aliases. */
export function manyFunctions(count: number, versions = 0, aliases = 0): FixtureLambdaFunction[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `fn-${String(i).padStart(3, '0')}`,
    latest: { imageUri: `${ECR_A}/web/frontend:v1.1.0` },
    ...(i === 0
      ? {
          versions: Array.from({ length: versions }, (_, v) => ({
            version: v + 1,
            imageUri: `${ECR_A}/web/frontend:v1.0.0`,
          })),
          aliases: Array.from({ length: aliases }, (_, a) => ({
            name: `alias-${String(a).padStart(3, '0')}`,
            functionVersion: '$LATEST',
          })),
        }
      : {}),
  }));
}

export interface LambdaClientOptions {
  readonly region?: string;
  /** Attempts in all; retries wait 1 ms. */
  readonly attempts?: number;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function lambdaClient(emulator: RunningEmulator, o: LambdaClientOptions = {}): LambdaClient {
  return new LambdaClient({
    endpoint: emulator.url,
    region: o.region ?? 'us-east-1',
    credentials: o.credentials ?? { accessKeyId: 'AKIATESTTESTTEST0000', secretAccessKey: 'test-secret' },
    retryStrategy: new ConfiguredRetryStrategy(o.attempts ?? 1, 1),
  });
}

/** Calls the emulator's admin API. */
export async function admin(
  emulator: RunningEmulator,
  path: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${emulator.url}/_emulator${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
