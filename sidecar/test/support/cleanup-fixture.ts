/**
 * The registry the cleanup execution tests act on (an api repository with indexes, a referrer and an image a
 * running task uses; a worker repository without a rule), and a harness: the emulator, a refreshed inventory, and
 * the cleanup routes over them.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient, paginateListImages } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll } from 'vitest';
import { ClientRegistry } from '../../src/aws/clients.js';
import { AwsCallStats } from '../../src/aws/stats.js';
import { cleanupAnnotations } from '../../src/cleanup/plan/annotations.js';
import { cleanupConfigFromEnv } from '../../src/cleanup/plan/config.js';
import { createEcrDeleter } from '../../src/cleanup/execute/ecr-deleter.js';
import { cleanupBuilder, lifecycleBuilder } from '../../src/cleanup/plan/frames.js';
import { createCleanupService } from '../../src/cleanup/service.js';
import type { CleanupService } from '../../src/cleanup/service.js';
import { loadConfig } from '../../src/config.js';
import { startEmulator } from '../../src/demo/index.js';
import type { Fixture, RunningEmulator } from '../../src/demo/index.js';
import { emulatorEnv } from '../../src/demo/env.js';
import { createApp } from '../../src/http/app.js';
import { cleanupRoutes } from '../../src/http/cleanup.js';
import { Refresher } from '../../src/refresh/refresher.js';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const ADMIN = 'admin-token-0123456789abcdef';
export const URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const DAY_S = 86_400;
const now = Math.floor(Date.now() / 1000);
export const d = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;
const blob = (seed: string, size: number) => ({ digest: d(`blob-${seed}`), size });
const image = (seed: string, tags: string[], ageDays: number, extra: Record<string, unknown> = {}) => ({
  digest: d(seed),
  tags,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  pushedAt: now - ageDays * DAY_S,
  config: blob(`${seed}-config`, 1000),
  layers: [blob('base', 50_000_000), blob(seed, 1_000_000 + seed.length)],
  ...extra,
});
const index = (seed: string, tags: string[], ageDays: number, children: string[]) => ({
  digest: d(seed),
  tags,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  pushedAt: now - ageDays * DAY_S,
  children: children.map((c) => ({ digest: d(c), platform: { os: 'linux', architecture: c.endsWith('arm') ? 'arm64' : 'amd64' } })),
});

export const fixture: Fixture = {
  version: 1,
  registries: [
    {
      accountId: ACCOUNT,
      region: REGION,
      repositories: [
        {
          name: 'api',
          createdAt: now - 400 * DAY_S,
          images: [
            image('v1', ['v1'], 60),
            image('v2', ['v2'], 50),
            image('v3', ['v3'], 40),
            image('v4', ['v4'], 30),
            image('v5', ['v5'], 20),
            image('v6', ['v6'], 2),
            image('loose', [], 80),
            index('old-multi', ['old-multi'], 70, ['old-amd', 'old-arm']),
            image('old-amd', [], 70),
            image('old-arm', [], 70),
            index('rel-multi', ['release-1'], 90, ['rel-amd', 'rel-arm']),
            image('rel-amd', [], 90),
            image('rel-arm', [], 90),
            {
              ...image('sig-v1', ['sha256-v1.sig'], 59),
              artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
              subject: d('v1'),
            },
          ],
        },
        { name: 'worker', createdAt: now - 400 * DAY_S, images: [image('w1', ['w1'], 300), image('w2', [], 300)] },
      ],
      ecs: {
        clusters: [
          {
            name: 'prod',
            services: [
              {
                name: 'api',
                desiredCount: 1,
                runningCount: 1,
                taskDefinition: 'api:3',
                createdAt: now - 100 * DAY_S,
                deployments: [
                  { id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: 'api:3', desiredCount: 1, runningCount: 1, createdAt: now - 40 * DAY_S, updatedAt: now - 40 * DAY_S },
                ],
              },
            ],
            tasks: [
              {
                id: '3f2a1b2c9d8e4f00',
                taskDefinition: 'api:3',
                service: 'api',
                lastStatus: 'RUNNING',
                createdAt: now - 39 * DAY_S,
                startedAt: now - 39 * DAY_S,
                containers: [{ name: 'api', image: `${URI}/api:v3`, imageDigest: d('v3') }],
              },
            ],
          },
        ],
        taskDefinitions: [{ family: 'api', revision: 3, registeredAt: now - 41 * DAY_S, containers: [{ name: 'api', image: `${URI}/api:v3` }] }],
      },
    },
  ],
};

export const yaml = {
  rules: [{ repository: 'api', keepMinImageCount: 3, keepImagesNewerThanDays: 7, untagged: { keepMinImageCount: 0 }, keepTagPrefixes: ['release'] }],
};
export const EXPECTED_DELETES = ['v1', 'v2', 'loose', 'old-multi', 'old-amd', 'old-arm', 'sig-v1'].map(d).sort();

export interface CleanupHarness {
  readonly emulator: RunningEmulator;
  readonly refresher: Refresher;
  readonly ecr: ECRClient;
  /** A scratch directory for audit files, removed by close(). */
  readonly dir: string;
  /** The digests a repository holds in the emulator, sorted. */
  listDigests(repositoryName: string): Promise<string[]>;
  serviceWith(env: Record<string, string>): CleanupService;
  makeApp(service: CleanupService): ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export async function startCleanupHarness(): Promise<CleanupHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-lens-cleanup-'));
  const emulator = await startEmulator({ fixture });
  const env: Record<string, string> = { ...emulatorEnv(emulator.url, REGION), REFRESH_MIN_INTERVAL: '0', CACHE_REFRESH_INTERVAL: '3600' };
  const config = loadConfig(env);
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
  const clients = new ClientRegistry({
    maxAttempts: 2,
    stats: new AwsCallStats(),
    endpoints: { ecr: emulator.url, ecs: emulator.url, lambda: emulator.url, sts: emulator.url },
    credentials,
  });
  const refresher = new Refresher({ config, clients });
  await refresher.run();
  const ecr = new ECRClient({ region: REGION, endpoint: emulator.url, credentials });
  return {
    emulator,
    refresher,
    ecr,
    dir,
    async listDigests(repositoryName) {
      const out: string[] = [];
      for await (const page of paginateListImages({ client: ecr }, { repositoryName })) for (const id of page.imageIds ?? []) out.push(id.imageDigest!);
      return [...new Set(out)].sort();
    },
    serviceWith: (env) => createCleanupService({ config: cleanupConfigFromEnv(env, yaml), inventory: refresher, prices: { defaultUsdPerGbMonth: 0.1 } }),
    makeApp: (service) =>
      createApp({
        inventory: refresher,
        query: { now: Date.now, prices: service.prices, reclaimable: service.reclaimableFor },
        queryTypes: { cleanup: cleanupBuilder(service), lifecycle: lifecycleBuilder(service) },
        annotationKinds: { cleanup: cleanupAnnotations(service) },
        routes: [cleanupRoutes({ service, inventory: refresher, deleter: createEcrDeleter(() => ecr) })],
      }),
    async close() {
      ecr.destroy();
      clients.destroy();
      await refresher.stop();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts the harness before the file's tests and closes it after them; the getter gives the running one. */
export function useCleanupHarness(): () => CleanupHarness {
  let harness: CleanupHarness | undefined;
  beforeAll(async () => {
    harness = await startCleanupHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });
  return () => {
    if (!harness) throw new Error('the cleanup harness is not started');
    return harness;
  };
}
