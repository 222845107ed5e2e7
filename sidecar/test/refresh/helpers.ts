/** Starts the emulator with a fixture and a refresher pointed at it, as demo mode wires them. */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ClientRegistry } from '../../src/aws/clients.js';
import { AwsCallStats } from '../../src/aws/stats.js';
import type { ArrivalTurns } from '../../src/arrival-turns.js';
import type { AppConfig } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';
import type { ControlSettings } from '../../src/demo/controls.js';
import type { Fixture, FixtureImage } from '../../src/demo/fixture.js';
import { loadFixture } from '../../src/demo/fixture.js';
import type { RunningEmulator } from '../../src/demo/server.js';
import { startEmulator } from '../../src/demo/server.js';
import { DEMO_CREDENTIALS, demoAccounts } from '../../src/app/demo-sidecar.js';
import { Refresher } from '../../src/refresh/refresher.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const REFERENCE_PATH = fileURLToPath(new URL('../../fixtures/reference.json', import.meta.url));
/** The reference fixture's "now": 2026-01-01T00:00:00Z. */
export const REFERENCE_NOW = 1_767_225_600_000;

/** A made-up digest, the same for the same seed. */
export const digestOf = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;

/** A single-platform image to push through the emulator's admin API, pushed at REFERENCE_NOW. */
export const pushableImage = (seed: string, tags: string[]): FixtureImage => ({
  digest: digestOf(seed),
  tags,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  pushedAt: REFERENCE_NOW / 1000,
  config: { digest: digestOf(`${seed}-config`), size: 1000 },
  layers: [{ digest: digestOf(`${seed}-layer`), size: 5_000_000 }],
});

export interface Harness {
  emulator: RunningEmulator;
  stats: AwsCallStats;
  clients: ClientRegistry;
  config: AppConfig;
  refresher: Refresher;
  /** Present with `proxy: true`: the clients talk to the emulator through it. */
  proxy?: FaultProxy;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    fixture?: Fixture;
    controls?: Partial<ControlSettings>;
    env?: Record<string, string>;
    now?: () => number;
    /**
     * The emulator's clock (default: the wall clock). Pass the refresher's when ECS must list the fixture's
     * stopped tasks (it lists them for an hour); STS then issues credentials that the SDK sees as expired.
     */
    emulatorNow?: () => number;
    maxAttempts?: number;
    proxy?: boolean;
    parseTurns?: ArrivalTurns;
  } = {},
): Promise<Harness> {
  const emulator = await startEmulator({
    fixture: options.fixture ?? loadFixture(REFERENCE_PATH),
    ...(options.controls ? { controls: options.controls } : {}),
    ...(options.emulatorNow ? { now: options.emulatorNow } : {}),
  });
  const proxy = options.proxy ? await startFaultProxy(emulator.url) : undefined;
  const endpoint = proxy?.url ?? emulator.url;
  const stats = new AwsCallStats();
  const clients = new ClientRegistry({
    maxAttempts: options.maxAttempts ?? 3,
    stats,
    endpoints: { ecr: endpoint, ecs: endpoint, lambda: endpoint, sts: endpoint },
    credentials: DEMO_CREDENTIALS,
    ...(options.parseTurns ? { parseTurns: options.parseTurns } : {}),
  });
  const config: AppConfig = {
    ...loadConfig({ AWS_REGION: 'us-east-1', REFRESH_MIN_INTERVAL: '0', ...options.env }),
    accounts: demoAccounts(emulator),
  };
  const refresher = new Refresher({ config, clients, now: options.now ?? (() => REFERENCE_NOW) });
  return {
    emulator,
    stats,
    clients,
    config,
    refresher,
    ...(proxy ? { proxy } : {}),
    close: async () => {
      await refresher.stop();
      clients.destroy();
      await proxy?.close();
      await emulator.close();
    },
  };
}

/**
 * A fault-injecting HTTP proxy in front of the emulator: requests `fail` selects are answered with an
 * HTTP 500 ServerException, the rest are forwarded. Lets a test fail one repository's calls only. `answer` may
 * change a successful JSON answer (an AWS that leaves out an optional field the emulator gives).
 */
export interface FaultProxy {
  url: string;
  fail: (target: string, body: Record<string, unknown>) => boolean;
  answer: (target: string, answer: Record<string, unknown>) => Record<string, unknown>;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const { createServer, request } = await import('node:http');
  const proxy: FaultProxy = { url: '', fail: () => false, answer: (_, answer) => answer, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      let parsed: Record<string, unknown> = {};
      try {
        parsed = target ? (JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>) : {};
      } catch {
        parsed = {};
      }
      if (target && proxy.fail(target.slice(target.indexOf('.') + 1), parsed)) {
        const error = JSON.stringify({ __type: 'ServerException', message: 'injected by the test proxy' });
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ServerException', 'x-amzn-requestid': 'proxy' });
        res.end(error);
        return;
      }
      const up = new URL(upstream);
      const forward = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        if (!target || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const json = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as Record<string, unknown>;
          const text = JSON.stringify(proxy.answer(target.slice(target.indexOf('.') + 1), json));
          res.writeHead(200, Object.assign({}, answer.headers, { 'content-length': String(Buffer.byteLength(text)) }));
          res.end(text);
        });
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${address.port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
