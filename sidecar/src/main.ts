/**
 * Entry point. `tsx src/main.ts` reads the configuration from the environment (and ECRLENS_CONFIG) and
 * serves real AWS: credentials and a region are all it needs. `--demo` runs it against the embedded
 * emulator with a synthetic registry of two accounts.
 */
import { ConfigError, loadConfig } from './config.js';
import { DEMO_PARAMS } from './demo/generate.js';
import { startDemoSidecar, type DemoSidecar } from './app/demo-sidecar.js';
import { createLogger, redactText } from './log.js';
import { parseDecimal } from './env-number.js';
import { configSecrets, envSecrets, redactUrl } from './secrets.js';
import { startServer } from './app/server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Running {
  close(): Promise<void>;
  /** Masked in anything printed after startup. */
  secrets: readonly string[];
}

/** `--demo`: the sidecar against the embedded emulator, with a banner saying where everything is. */
async function startDemo(env: NodeJS.ProcessEnv): Promise<Running> {
  const port = env.APP_PORT?.trim() ? parseDecimal(env.APP_PORT) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError([`APP_PORT: must be an integer 0-65535, got ${JSON.stringify(env.APP_PORT)}`]);
  // Its logger masks every configured secret (secrets.ts), as the real mode's does.
  const demo = await startDemoSidecar({
    port,
    host: env.APP_HOST ?? '127.0.0.1',
    // The synthetic history ends today, so ages and "days since last pull" look current.
    synthetic: { now: Math.floor(Date.now() / 1000) - (Math.floor(Date.now() / 1000) % 86_400) || DEMO_PARAMS.now },
    env: { ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'info' },
    // Pushes and deletes made through the emulator's controls reach the inventory within seconds.
    events: true,
  });
  console.log(demoBanner(demo));
  return { close: demo.close, secrets: configSecrets(demo.config, env) };
}

function demoBanner(demo: DemoSidecar): string {
  const status = demo.inventory.status();
  const snapshot = demo.inventory.snapshot();
  const { grafana } = demo.config.cleanup.execution;
  const prometheus = demo.config.uses.kubernetes;
  return [
    '',
    'ECR Lens demo is running.',
    `  sidecar   ${demo.url}`,
    `  openapi   ${demo.url}/openapi.json`,
    `  metrics   ${demo.url}/metrics`,
    `  readyz    ${demo.url}/readyz`,
    `  emulator  ${demo.emulator.url}   (AWS_ENDPOINT_URL_ECR / _ECS / _STS for any AWS client)`,
    `  events    ${demo.emulator.eventsQueueUrl}   (SQS; pushes through ${demo.emulator.url}/_emulator/images show within seconds)`,
    `  inventory ${snapshot.repositories.length} repositories, ${snapshot.images.length} images in ${demo.config.accounts.length} accounts (snapshot v${status.snapshotVersion})`,
    // Printed, not logged: so credentials are masked here, the logger's redaction does not apply.
    ...(grafana ? [`  grafana   ${redactUrl(grafana.url)}   (an annotation after each cleanup run)`] : []),
    ...(prometheus ? [`  pods      ${redactUrl(prometheus.url)}   (Kubernetes in-use source)`] : []),
    demo.config.apiToken ? '  auth      Authorization: Bearer $SIDECAR_API_TOKEN on /api/*' : '  auth      none (set SIDECAR_API_TOKEN to require a bearer token on /api/*)',
    '',
  ].join('\n');
}

/** Real AWS: the configuration from the environment (and ECRLENS_CONFIG). */
async function startReal(env: NodeJS.ProcessEnv): Promise<Running> {
  const config = loadConfig(env);
  const secrets = configSecrets(config, env);
  const server = await startServer(config, { log: createLogger({ level: config.logLevel, secrets }) });
  return { close: server.close, secrets };
}

/** SIGTERM and SIGINT close the sidecar once, then exit. */
function stopOnSignals({ close, secrets }: Running): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`received ${signal}, shutting down`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`shutdown failed: ${redactText((error as Error).message, secrets)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(argv: readonly string[]): Promise<void> {
  stopOnSignals(argv.includes('--demo') ? await startDemo(process.env) : await startReal(process.env));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // No logger yet: masked here with the secrets the environment holds (messages never echo a value; belt and braces).
  const secrets = envSecrets(process.env);
  if (error instanceof ConfigError) {
    console.error(redactText(`configuration error:\n  ${error.problems.join('\n  ')}`, secrets));
    process.exit(2);
  }
  console.error(`startup failed: ${redactText(error instanceof Error ? error.message : String(error), secrets)}`);
  process.exit(1);
});
