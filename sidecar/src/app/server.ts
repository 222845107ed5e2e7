/**
 * Wiring: config -> AWS clients -> refresher -> HTTP app on @hono/node-server. The server listens at
 * once; /readyz answers 503 until the first snapshot is loaded.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import type { AppConfig } from '../config.js';
import { ConfigError } from '../config.js';
import type { ClientRegistryOptions } from '../aws/clients.js';
import { ClientRegistry } from '../aws/clients.js';
import { ArrivalTurns } from '../arrival-turns.js';
import { createFindingsProvider } from '../aws/findings.js';
import { AwsCallStats } from '../aws/stats.js';
import { createApp } from '../http/app.js';
import { cleanupWiring } from './cleanup-wiring.js';
import { metricsRoute } from '../http/metrics.js';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import type { Inventory } from '../snapshot/inventory.js';
import { MetricsRenderer } from '../metrics/renderer.js';
import { snapshotPreparer } from './prepare.js';
import { Refresher } from '../refresh/refresher.js';
import { EventConsumer } from '../refresh/event-consumer.js';
import { EventQueue } from '../aws/events-queue.js';
import { useRetention } from '../cleanup/plan/config.js';
import { answerClientErrors } from '../http/client-errors.js';
import { trustedProxies } from '../trusted-proxies.js';
import { configSecrets, redactUrl } from '../secrets.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { createKeepListSource } from '../uses/keep-list.js';
import { createKubernetesSource } from '../uses/kubernetes.js';
import type { GlobalUseSource } from '../uses/source.js';

export interface ServerDeps {
  /** Serve this inventory instead of refreshing from AWS (tests). */
  readonly inventory?: Inventory;
  readonly log?: Logger;
  /** Demo and tests: explicit endpoints and credentials for the AWS clients. */
  readonly aws?: Pick<ClientRegistryOptions, 'endpoints' | 'credentials' | 'retryMode' | 'requestTimeoutMs' | 'maxSockets'>;
  readonly stats?: AwsCallStats;
  /** Epoch ms clock for refreshes and queries. */
  readonly now?: () => number;
  /** Overrides of HTTP_TIMEOUTS (tests). */
  readonly httpTimeouts?: Partial<HttpTimeouts>;
  /** The durable store (usage ledger, audit); default: SQLite in config.dataDir, closed with the server. */
  readonly store?: Store;
}

export interface HttpTimeouts {
  /** A client must send its request headers within this (slowloris guard); then 408 and close. */
  readonly headersTimeoutMs: number;
  /** A client must send its whole request (headers and body) within this. */
  readonly requestTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** How often Node checks the two timeouts above. */
  readonly checkIntervalMs: number;
}

/** Node's defaults (60 s headers, 300 s request, checked every 30 s) let slow clients hold sockets far too long. */
export const HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, checkIntervalMs: 1_000 };

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly inventory: Inventory;
  /** Absent when an inventory was injected. */
  readonly refresher?: Refresher;
  /** The events queue's consumer, when ECRLENS_EVENTS_QUEUE_URL is set. */
  readonly events?: EventConsumer;
  readonly clients: ClientRegistry;
  readonly stats: AwsCallStats;
  readonly store: Store;
  /** Resolves when the first refresh has ended (successfully or not). */
  readonly firstRefresh: Promise<void>;
  /** Stops refreshing, stops accepting connections, drains open requests (then cuts them after 10 s). */
  close(): Promise<void>;
}

const DRAIN_MS = 10_000;
/** How long shutdown waits for a cleanup run to finish its current BatchDeleteImage call and write its record. */
const RUN_DRAIN_MS = 60_000;
/** Request line and headers; larger requests get a JSON 431 (http/client-errors.ts). */
const MAX_HEADER_BYTES = 64 * 1024;
const timeout = (ms: number): Promise<false> =>
  new Promise((resolve) => {
    setTimeout(() => resolve(false), ms).unref();
  });

/** Why the server cannot listen, by error code: each a configuration error naming APP_HOST/APP_PORT. */
const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is in use',
  EADDRNOTAVAIL: 'the address or port cannot be used',
  EACCES: 'the address or port cannot be used',
  // A host name (APP_HOST) that does not resolve fails in the lookup before the listen.
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
};

/** The SQLite store in the data directory; a failure is a configuration error naming ECRLENS_DATA_DIR. */
function openStore(dataDir: string): Store {
  try {
    return openSqliteStore(dataDir);
  } catch (error) {
    throw new ConfigError([`ECRLENS_DATA_DIR: ${error instanceof Error ? error.message : String(error)}`]);
  }
}

/** The in-use sources that are read once for every registry, as configured. */
export function globalSources(config: AppConfig): GlobalUseSource[] {
  const { kubernetes, keepLists } = config.uses;
  return [
    ...(kubernetes ? [createKubernetesSource(kubernetes)] : []),
    ...(keepLists ? [createKeepListSource(keepLists.lists, { timeoutMs: keepLists.timeoutMs })] : []),
  ];
}

/** What the server is made of: each room built and wired, before anything listens. */
interface Rooms {
  readonly log: Logger;
  readonly stats: AwsCallStats;
  readonly store: Store;
  readonly clients: ClientRegistry;
  readonly refresher: Refresher | undefined;
  /** The events queue's consumer, when ECRLENS_EVENTS_QUEUE_URL is set. */
  readonly events: EventConsumer | undefined;
  readonly inventory: Inventory;
  readonly cleanup: ReturnType<typeof cleanupWiring>;
  readonly app: ReturnType<typeof createApp>;
}

async function buildRooms(config: AppConfig, deps: ServerDeps): Promise<Rooms> {
  // The environment too: the AWS SDK reads its keys and endpoints from there, not from the configuration.
  const secrets = configSecrets(config, process.env);
  const log = deps.log ?? createLogger({ level: config.logLevel, secrets });
  const now = deps.now ?? Date.now;
  const stats = deps.stats ?? new AwsCallStats();
  const store = deps.store ?? openStore(config.dataDir);
  for (const run of await store.audit.unfinishedRuns())
    log.warn('a cleanup run was left unfinished (the process stopped while it deleted); its audit shows what was sent', { runId: run.runId, started_at: run.startedAt });
  // One for the server: its AWS responses and its HTTP requests share the one event loop.
  const turns = new ArrivalTurns();
  const clients = new ClientRegistry({ maxAttempts: config.aws.maxAttempts, stats, parseTurns: turns, ...deps.aws });
  const refresher = deps.inventory
    ? undefined
    : new Refresher({
        config,
        clients,
        log: log.child({ component: 'refresh' }),
        now,
        globalSources: globalSources(config),
        memory: { ledger: store.ledger, retention: useRetention(config.cleanup) },
        // The next snapshot's indexes are built before it is swapped in, its cleanup plan and metrics text just
        // after (views of them answer from the snapshot before meanwhile), cooperatively, so requests keep being answered.
        prepare: (snapshot) => preparer.prepare(snapshot),
        finish: (snapshot) => preparer.finish(snapshot),
      });
  const inventory: Inventory = deps.inventory ?? refresher!;
  const events =
    refresher && config.events
      ? new EventConsumer({ queue: new EventQueue(clients.sqs(config.events.region), config.events.queueUrl), applier: refresher, log: log.child({ component: 'events' }), now })
      : undefined;
  if (events) refresher!.reportEvents(() => events.state());

  const ecrClientFor = (accountId: string, region: string) => {
    const account = refresher?.accountFor(accountId, region);
    return account ? clients.ecr(account, region) : undefined;
  };
  const httpLog = log.child({ component: 'http' });
  const cleanup = cleanupWiring({ config: config.cleanup, inventory, prices: config.pricing, clientFor: ecrClientFor, audit: store.audit, trustedProxies: trustedProxies(config.trustedProxies), logger: httpLog, now });
  const metricsDeps = {
    inventory,
    config: config.metrics,
    prices: config.pricing,
    awsStats: stats,
    ...(refresher ? { concurrency: refresher } : {}),
    cleanup: cleanup.service,
    refreshIntervalSeconds: config.refreshIntervalSeconds,
  };
  const metrics = new MetricsRenderer(metricsDeps);
  // The same price table object as the query context, so the cached repository and cost rows are reused.
  const preparer = snapshotPreparer({ prices: config.pricing, cleanup: cleanup.service, metrics });
  const app = createApp({
    inventory,
    query: {
      now,
      prices: config.pricing,
      findingsProvider: createFindingsProvider({ clientFor: ecrClientFor }),
      reclaimable: cleanup.reclaimable,
      plannedSnapshot: cleanup.plannedSnapshot,
    },
    logger: httpLog,
    turns,
    secrets,
    ...(config.apiToken ? { apiToken: config.apiToken } : {}),
    queryTypes: cleanup.queryTypes,
    annotationKinds: cleanup.annotationKinds,
    routes: [cleanup.route, metricsRoute({ ...metricsDeps, renderer: metrics })],
  });
  return { log, stats, store, clients, refresher, events, inventory, cleanup, app };
}

/** Listens on APP_HOST:APP_PORT; a refused address fails startup naming the settings. */
function listen(rooms: Rooms, config: AppConfig, deps: ServerDeps): Promise<ServerType> {
  return new Promise<ServerType>((resolve, reject) => {
    // Whatever stops the listen, the store opened above is closed with it.
    const fail = (error: unknown): void => {
      if (deps.store) return reject(error);
      rooms.store.close().then(() => reject(error), () => reject(error));
    };
    const t = { ...HTTP_TIMEOUTS, ...deps.httpTimeouts };
    const serverOptions = {
      // Past Node's 16 KiB, a long URL would be cut with an empty 431; the app answers it with a JSON 414.
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: t.headersTimeoutMs,
      requestTimeout: t.requestTimeoutMs,
      keepAliveTimeout: t.keepAliveTimeoutMs,
      connectionsCheckingInterval: t.checkIntervalMs,
    };
    const s = serve({ fetch: rooms.app.fetch, port: config.port, hostname: config.host, serverOptions }, () => resolve(s));
    answerClientErrors(s, MAX_HEADER_BYTES);
    s.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code && error.code in LISTEN_ERRORS
          ? new ConfigError([`APP_HOST/APP_PORT: cannot listen on ${config.host}:${config.port} (${error.code}): ${LISTEN_ERRORS[error.code]}`])
          : error,
      ),
    );
  });
}

/** The address a client on this host uses, and the startup line that says where the sidecar listens and reaches out. */
function announce(log: Logger, config: AppConfig, port: number): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const { grafana } = config.cleanup.execution;
  log.info('listening', {
    url,
    accounts: config.accounts.length,
    regions: [...new Set(config.accounts.flatMap((a) => a.regions))].join(','),
    // Where the sidecar reaches out, credentials masked: never the raw setting.
    ...(grafana ? { grafana: redactUrl(grafana.url) } : {}),
    ...(config.uses.kubernetes ? { prometheus: redactUrl(config.uses.kubernetes.url) } : {}),
  });
  return url;
}

/** Stops in order, once: the cleanup run's batch, the refresher, the connections, the clients, the store. */
function closer(rooms: Rooms, server: ServerType, deps: ServerDeps): () => Promise<void> {
  const { log, cleanup, refresher, events, clients, store } = rooms;
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      log.info('shutting down');
      // A cleanup run stops after its current batch and writes its record before the clients and the store close.
      const run = cleanup.service.runLock.current();
      const runEnded = cleanup.service.runLock.stop();
      if (run) log.info('waiting for the cleanup run in progress to finish its batch', { runId: run.runId });
      const waited = await Promise.race([runEnded.then(() => true), timeout(RUN_DRAIN_MS)]);
      if (!waited) log.error('the cleanup run did not finish its batch in time; its audit shows the batch sent without its outcome', { runId: run?.runId });
      await events?.stop();
      await refresher?.stop();
      await drain(server);
      clients.destroy();
      if (!deps.store) await store.close();
      log.info('stopped');
    })());
}

/** Closes the server, forcing the connections still open after DRAIN_MS. */
function drain(server: ServerType): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    }, DRAIN_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  });
}

export async function startServer(config: AppConfig, deps: ServerDeps = {}): Promise<RunningServer> {
  const rooms = await buildRooms(config, deps);
  const server = await listen(rooms, config, deps);
  const { port } = server.address() as AddressInfo;
  const url = announce(rooms.log, config, port);
  const { refresher, events, inventory, clients, stats, store } = rooms;
  const firstRefresh = refresher ? refresher.start() : Promise.resolve();
  // Events that arrive before the first snapshot wait for it (refreshes run one at a time).
  events?.start();
  return { url, port, inventory, ...(refresher ? { refresher } : {}), ...(events ? { events } : {}), clients, stats, store, firstRefresh, close: closer(rooms, server, deps) };
}
