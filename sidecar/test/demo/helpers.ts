/** Shared setup for the emulator tests: start an emulator and point the real SDK clients at it. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { fileURLToPath } from 'node:url';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { loadFixture } from '../../src/demo/fixture.js';
import type { Fixture, FixtureImage } from '../../src/demo/fixture.js';
import type { EmulatorOptions, RunningEmulator } from '../../src/demo/server.js';
import { startEmulator } from '../../src/demo/server.js';

export const REFERENCE_PATH = fileURLToPath(new URL('../../fixtures/reference.json', import.meta.url));
export const reference = (): Fixture => loadFixture(REFERENCE_PATH);

export const ACCOUNT_A = '111111111111';
export const ACCOUNT_B = '222222222222';
export const CREDENTIALS = { accessKeyId: 'AKIATESTTESTTEST0000', secretAccessKey: 'test-secret' };

export interface ClientOptions {
  region?: string;
  maxAttempts?: number;
  /** Milliseconds between retries (keeps retry tests fast). */
  retryDelayMs?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const retry = (o: ClientOptions): { retryStrategy?: ConfiguredRetryStrategy; maxAttempts?: number } =>
  o.retryDelayMs !== undefined
    ? { retryStrategy: new ConfiguredRetryStrategy(o.maxAttempts ?? 3, o.retryDelayMs) }
    : o.maxAttempts !== undefined
      ? { maxAttempts: o.maxAttempts }
      : {};

export function ecrClient(emulator: RunningEmulator, o: ClientOptions = {}): ECRClient {
  return new ECRClient({
    endpoint: emulator.url,
    region: o.region ?? 'us-east-1',
    credentials: o.credentials ?? CREDENTIALS,
    ...retry(o),
  });
}

export function ecsClient(emulator: RunningEmulator, o: ClientOptions = {}): ECSClient {
  return new ECSClient({
    endpoint: emulator.url,
    region: o.region ?? 'us-east-1',
    credentials: o.credentials ?? CREDENTIALS,
    ...retry(o),
  });
}

export function start(fixture: Fixture, options: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  return startEmulator({ fixture, ...options });
}

const hex = (n: number, salt: string): string => `sha256:${salt}${n.toString(16).padStart(64 - salt.length, '0')}`;

/** One registry, one repository `big/repo` holding `count` single images; every third is untagged. */
export function bigRepositoryFixture(count: number): Fixture {
  const images: FixtureImage[] = [];
  const layer = { digest: hex(0, 'b'), size: 1000 };
  for (let i = 0; i < count; i++)
    images.push({
      digest: hex(i, 'a'),
      ...(i % 3 === 2 ? {} : { tags: [`t${i}`, ...(i % 3 === 1 ? [`x${i}`] : [])] }),
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      pushedAt: 1_700_000_000 + i,
      config: { digest: hex(i, 'c'), size: 10 },
      layers: [layer],
      ...(i < 250
        ? { scan: { type: 'BASIC' as const, status: 'COMPLETE' as const, completedAt: 1_700_000_100, findings: [] } }
        : {}),
    });
  const findings = Array.from({ length: 250 }, (_, i) => ({ name: `CVE-2024-${1000 + i}`, severity: 'LOW' as const }));
  images[0]!.scan = { type: 'BASIC', status: 'COMPLETE', completedAt: 1_700_000_100, findings };
  return {
    version: 1,
    registries: [
      {
        accountId: ACCOUNT_A,
        region: 'us-east-1',
        repositories: [{ name: 'big/repo', createdAt: 1_690_000_000, images }],
        ecs: {
          clusters: [
            {
              name: 'default',
              services: Array.from({ length: 25 }, (_, i) => ({
                name: `svc-${i}`,
                desiredCount: 1,
                runningCount: 1,
                taskDefinition: 'app:1',
                createdAt: 1_700_000_000,
                deployments: [],
              })),
              tasks: Array.from({ length: 150 }, (_, i) => ({
                id: `task-${i}`,
                taskDefinition: 'app:1',
                lastStatus: i % 5 === 0 ? ('STOPPED' as const) : ('RUNNING' as const),
                createdAt: 1_700_000_000,
                containers: [{ name: 'app', image: 'nginx:latest' }],
              })),
            },
          ],
          taskDefinitions: Array.from({ length: 120 }, (_, i) => ({
            family: `fam-${String(i % 60).padStart(2, '0')}`,
            revision: Math.floor(i / 60) + 1,
            registeredAt: 1_700_000_000,
            containers: [{ name: 'app', image: 'nginx:latest' }],
          })),
        },
      },
    ],
  };
}

/** Digest of the reference image carrying `tag` (or, for untagged ones, found by predicate). */
export function referenceDigest(fixture: Fixture, repository: string, tag: string, region = 'us-east-1'): string {
  const repo = fixture.registries
    .find((r) => r.region === region && r.repositories.some((p) => p.name === repository))!
    .repositories.find((p) => p.name === repository)!;
  return repo.images.find((i) => i.tags?.includes(tag))!.digest;
}
