/**
 * The sidecar in demo mode: the embedded emulator (a synthetic registry, or a given fixture) and the
 * sidecar pointed at it. The emulator's first account is read with the default credentials and every
 * other account through an assumed role (STS AssumeRole on the emulator), as a multi-account setup would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountConfig, AppConfig } from '../config.js';
import { loadConfig } from '../config.js';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import { configSecrets } from '../secrets.js';
import type { Inventory } from '../snapshot/inventory.js';
import type { RunningServer } from './server.js';
import { startServer } from './server.js';
import type { Fixture } from '../demo/fixture.js';
import type { SyntheticParams } from '../demo/generate.js';
import { DEMO_PARAMS, generateFixture } from '../demo/generate.js';
import type { RunningEmulator } from '../demo/server.js';
import { startEmulator } from '../demo/server.js';

export interface DemoSidecarOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Overrides of DEMO_PARAMS for the synthetic registry (ignored when `fixture` or `emulator` is given). */
  synthetic?: Partial<SyntheticParams>;
  fixture?: Fixture;
  /** Extra settings as environment variables, e.g. SIDECAR_API_TOKEN. */
  env?: Record<string, string | undefined>;
  /** Reuse a running emulator (it is not closed by close()). */
  emulator?: RunningEmulator;
  /** Default: logfmt at LOG_LEVEL from `env`, else errors only, masking every configured secret. */
  log?: Logger;
  /** The sidecar's clock (epoch ms); default Date.now. */
  now?: () => number;
  /** Consume the emulator's events queue (ECRLENS_EVENTS_QUEUE_URL), unless `env` names another. */
  events?: boolean;
}

export interface DemoSidecar {
  url: string;
  emulator: RunningEmulator;
  inventory: Inventory;
  config: AppConfig;
  /** SIDECAR_API_TOKEN, when set: send it as `Authorization: Bearer <token>` on /api/*. */
  token?: string;
  /** The running server (AWS call stats, clients, refresher). */
  server: RunningServer;
  close(): Promise<void>;
}

/** The role the demo assumes in each further account. */
export const demoRoleArn = (accountId: string): string => `arn:aws:iam::${accountId}:role/ecr-lens-reader`;

/** Demo credentials: the emulator maps any key it did not issue to its default account. */
export const DEMO_CREDENTIALS = {
  accessKeyId: 'AKIAEMULATOR00000000',
  secretAccessKey: 'emulator-secret-access-key',
} as const;

/** One account entry per emulator account: the default account first, the others via assumed roles. */
export function demoAccounts(emulator: RunningEmulator): AccountConfig[] {
  const regions = new Map<string, string[]>();
  for (const registry of emulator.store.registries.values()) {
    const list = regions.get(registry.accountId) ?? [];
    list.push(registry.region);
    regions.set(registry.accountId, list);
  }
  const defaultAccount = emulator.store.defaultAccountId;
  const accounts: AccountConfig[] = [
    {
      name: 'default',
      accountId: defaultAccount,
      regions: regions.get(defaultAccount) ?? [emulator.store.defaultRegion],
    },
  ];
  for (const [accountId, list] of regions) {
    if (accountId !== defaultAccount)
      accounts.push({ name: accountId, accountId, roleArn: demoRoleArn(accountId), regions: list });
  }
  return accounts;
}

/**
 * The demo's settings: the emulator's region, cleanup planned for every repository (the seed scripts'
 * behaviour, so the plan is never empty), and `env` on top. The emulator's state is made anew at each start,
 * so by default its ledger and audit are too: a temporary data directory, removed by `cleanups`.
 * ECRLENS_DATA_DIR keeps them elsewhere.
 */
function demoSettings(emulator: RunningEmulator, host: string, env: Record<string, string | undefined>, cleanups: (() => void)[]): AppConfig {
  const ownDataDir = env.ECRLENS_DATA_DIR?.trim() ? undefined : mkdtempSync(join(tmpdir(), 'ecr-lens-demo-'));
  cleanups.push(() => {
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  });
  return loadConfig({
    AWS_REGION: emulator.store.defaultRegion,
    APP_HOST: host,
    CLEANUP_DEFAULT_RULE: 'true',
    ...(ownDataDir ? { ECRLENS_DATA_DIR: ownDataDir } : {}),
    ...env,
  });
}

/** Starts the emulator (unless given) and the sidecar against it; resolves after the first snapshot loads. */
export async function startDemoSidecar(options: DemoSidecarOptions = {}): Promise<DemoSidecar> {
  const ownEmulator = !options.emulator;
  const emulator =
    options.emulator ??
    (await startEmulator({
      fixture: options.fixture ?? generateFixture({ ...DEMO_PARAMS, ...options.synthetic }),
      host: '127.0.0.1',
    }));
  const cleanups: (() => void)[] = [];
  try {
    // The port is `options.port` (0 = ephemeral), not APP_PORT.
    const { APP_PORT: _port, ...given } = options.env ?? {};
    const env = { ...(options.events ? { ECRLENS_EVENTS_QUEUE_URL: emulator.eventsQueueUrl } : {}), ...given };
    const base = demoSettings(emulator, options.host ?? '127.0.0.1', env, cleanups);
    const config: AppConfig = { ...base, port: options.port ?? 0, accounts: demoAccounts(emulator) };
    // Masking every secret of the settings and of the environment, as the real mode does (main.ts).
    const secrets = configSecrets(config, { ...process.env, ...env });
    const log = options.log ?? createLogger({ level: options.env?.LOG_LEVEL ? config.logLevel : 'error', secrets });
    const server = await startServer(config, {
      log,
      aws: { endpoints: { ecr: emulator.url, ecs: emulator.url, lambda: emulator.url, sts: emulator.url }, credentials: DEMO_CREDENTIALS },
      ...(options.now ? { now: options.now } : {}),
    });
    await server.firstRefresh;
    const status = server.inventory.status();
    if (!status.ready) {
      await server.close();
      throw new Error(`demo sidecar: the first refresh failed: ${status.lastError ?? 'unknown error'}`);
    }
    return {
      url: server.url,
      emulator,
      inventory: server.inventory,
      config,
      ...(config.apiToken ? { token: config.apiToken } : {}),
      server,
      close: async () => {
        await server.close();
        if (ownEmulator) await emulator.close();
        for (const cleanup of cleanups) cleanup();
      },
    };
  } catch (error) {
    if (ownEmulator) await emulator.close();
    for (const cleanup of cleanups) cleanup();
    throw error;
  }
}
