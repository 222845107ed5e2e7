/**
 * Writes both reports to a folder, for cron jobs: `npm run report -w sidecar -- --out DIR [--decimal-separator ,] [--json]`.
 * Loads the config, runs one refresh through the Inventory, writes the files, exits 0 (or 1 naming the problem).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ClientRegistry } from '../aws/clients.js';
import { AwsCallStats } from '../aws/stats.js';
import type { AppConfig } from '../config.js';
import { loadConfig } from '../config.js';
import { configSecrets } from '../secrets.js';
import { createLogger } from '../log.js';
import { Refresher } from '../refresh/refresher.js';
import type { Inventory } from '../snapshot/inventory.js';
import { writeReports } from '../reports/write.js';

export interface ReportCliDeps {
  /** Builds the inventory (AWS clients + refresher) from the config. */
  readonly createInventory: (config: AppConfig) => Promise<Inventory> | Inventory;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
  readonly print?: (line: string) => void;
}

export async function runReportCli(argv: readonly string[], deps: ReportCliDeps): Promise<number> {
  const print = deps.print ?? ((line: string) => console.error(line));
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: { out: { type: 'string' }, 'decimal-separator': { type: 'string', default: '.' }, json: { type: 'boolean', default: false } },
      strict: true,
    }).values;
  } catch (error) {
    print(`report: ${(error as Error).message}`);
    return 1;
  }
  if (!args.out) {
    print('report: --out DIR is required');
    return 1;
  }
  const separator = args['decimal-separator'];
  if (separator !== '.' && separator !== ',') {
    print('report: --decimal-separator must be "." or ","');
    return 1;
  }
  const config = loadConfig(deps.env);
  const inventory = await deps.createInventory(config);
  const outcome = await inventory.refresh();
  const status = outcome.status;
  if (!status.ready) {
    print(`report: the inventory could not be read: ${status.lastError ?? 'unknown error'}`);
    return 1;
  }
  for (const entry of status.incomplete) print(`report: incomplete: ${entry.scope} ${entry.accountId}/${entry.region}${entry.target ? `/${entry.target}` : ''}: ${entry.operation}`);
  const written = await writeReports(inventory.snapshot(), args.out, {
    now: (deps.now ?? Date.now)(),
    prices: config.pricing,
    decimalSeparator: separator,
    json: args.json,
  });
  for (const path of written) print(`report: wrote ${path}`);
  return 0;
}

/** One refresher with the default credential chain (and any AWS_ENDPOINT_URL_* overrides), as the server builds it. */
export function createInventoryFromConfig(config: AppConfig): Inventory {
  const clients = new ClientRegistry({ maxAttempts: config.aws.maxAttempts, stats: new AwsCallStats() });
  // The environment's secrets too: the SDK reads its keys and endpoints there.
  return new Refresher({ config, clients, log: createLogger({ level: config.logLevel, secrets: configSecrets(config, process.env) }) });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    process.exitCode = await runReportCli(process.argv.slice(2), { createInventory: createInventoryFromConfig, env: process.env });
  } catch (error) {
    console.error(`report: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
