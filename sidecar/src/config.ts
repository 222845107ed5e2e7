/**
 * Startup configuration: environment variables, plus an optional YAML file (ECRLENS_CONFIG) for several
 * accounts and the rule sections. Environment variables win over the file. Every bad value fails startup
 * with a message naming the variable. `loadConfig` is pure given its inputs.
 */
import { readFileSync } from 'node:fs';
import type { AccountConfig } from './aws/accounts.js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { CleanupConfig } from './cleanup/plan/config.js';
import { cleanupConfigFromEnv } from './cleanup/plan/config.js';
import type { PriceTable } from './cost/pricing.js';
import type { LogLevel } from './log.js';
import { LOG_LEVELS, parseLogLevel } from './log.js';
import type { MetricsConfig } from './metrics/config.js';
import { METRICS_ENV_KEYS, metricsConfigFromEnv } from './metrics/config.js';
import { ACCOUNT_ID, boolParser, intParser, numberParser, parser, priceMapParser, REGION, regionsParser, ROLE_ARN, roleArnsParser, SettingsReader, toList } from './setting-reader.js';
import { trustedProxiesSchema } from './trusted-proxies.js';
import type { KeepListSettings } from './uses/keep-list.js';
import { keepListSourceFromEnv } from './uses/keep-list.js';
import type { KubernetesSourceOptions } from './uses/kubernetes.js';
import { kubernetesSourceFromEnv } from './uses/kubernetes.js';

export type { AccountConfig };


export interface AppConfig {
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  readonly refreshIntervalSeconds: number;
  readonly refreshMinIntervalSeconds: number;
  readonly apiToken?: string;
  readonly adminToken?: string;
  /** Proxies (addresses, CIDR blocks) whose X-Forwarded-For and X-Grafana-User are believed. */
  readonly trustedProxies: readonly string[];
  /** Every account to inventory, each with its regions: one registry per account x region. */
  readonly accounts: readonly AccountConfig[];
  readonly pricing: PriceTable;
  readonly ecs: {
    readonly enabled: boolean;
    readonly stoppedTaskWindowHours: number;
    readonly taskDefinitionKeepRevisions: number;
  };
  /** Container-image Lambda functions as an in-use source. */
  readonly lambda: {
    readonly enabled: boolean;
    /** The newest N published versions of each function count as uses, besides $LATEST and every aliased version. */
    readonly keepVersions: number;
  };
  /** Where the usage ledger and the audit are kept (SQLite). */
  readonly dataDir: string;
  /** In-use sources read once for every registry: KUBERNETES_PROMETHEUS_* and IN_USE_KEEP_LISTS (environment only). */
  readonly uses: {
    readonly kubernetes?: KubernetesSourceOptions;
    readonly keepLists?: KeepListSettings;
  };
  readonly aws: {
    readonly maxAttempts: number;
    /** In-flight AWS requests per registry (account x region). */
    readonly concurrency: number;
    /** The most in flight per registry as the concurrency follows AWS's latency and throttling. */
    readonly concurrencyMax: number;
    /** Registries refreshed at once. */
    readonly registryConcurrency: number;
  };
  /** Cached scan findings without a change signal (enhanced scanning) are fetched again after this age. */
  readonly scanFindingsMaxAgeSeconds: number;
  /** ECRLENS_EVENTS_QUEUE_URL: the SQS queue of ECR, ECS and Inspector events, and its region (from the URL, else the first region). */
  readonly events?: { readonly queueUrl: string; readonly region: string };
  /** Seconds between reads of each repository's lifecycle policy, repository policy and tags. */
  readonly policyRefreshIntervalSeconds: number;
  /** Cleanup rules: the YAML file's `cleanup` section, with defaults and overrides from KEEP_* / CLEANUP_* variables. */
  readonly cleanup: CleanupConfig;
  /** GET /metrics settings: METRICS_* variables, or the YAML file's `metrics` section (same keys). */
  readonly metrics: MetricsConfig;
  readonly configFile?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

/** One documented setting. The README's configuration table is checked against this list. */
export interface SettingDoc {
  readonly env: string;
  /** Key in the YAML file (dotted), when the file can set it too. */
  readonly yaml?: string;
  readonly default: string;
  readonly description: string;
}

export const CONFIG_DOCS: readonly SettingDoc[] = [
  { env: 'ECRLENS_CONFIG', default: '(none)', description: 'Path of an optional YAML file: accounts with their regions, pricing, ecs, aws, cleanup and metrics sections. Environment variables win over the file.' },
  { env: 'AWS_REGION', yaml: 'regions', default: '(required; falls back to AWS_DEFAULT_REGION)', description: 'Region, or comma-separated regions, to inventory in every account.' },
  { env: 'ECR_REGISTRY_ID', yaml: 'registryId', default: '(the caller\'s account)', description: 'Registry (12-digit account id) read with the default credentials.' },
  { env: 'ASSUME_ROLE_ARNS', yaml: 'accounts[].roleArn', default: '(none)', description: 'Comma-separated IAM role ARNs to assume, one per additional account, with AWS_REGION\'s regions. The YAML file can give per-account regions.' },
  { env: 'ASSUME_ROLE_EXTERNAL_ID', yaml: 'accounts[].externalId', default: '(none)', description: 'External id passed when assuming the roles of ASSUME_ROLE_ARNS.' },
  { env: 'INCLUDE_DEFAULT_ACCOUNT', yaml: 'includeDefaultAccount', default: 'true', description: 'Also inventory the account of the default credential chain (set false to read only assumed-role accounts).' },
  { env: 'APP_HOST', yaml: 'host', default: '0.0.0.0', description: 'Address the HTTP server listens on.' },
  { env: 'APP_PORT', yaml: 'port', default: '8080', description: 'Port the HTTP server listens on.' },
  { env: 'CACHE_REFRESH_INTERVAL', yaml: 'refreshIntervalSeconds', default: '1800', description: 'Seconds between background refreshes of the inventory. Data older than twice this is reported stale.' },
  { env: 'REFRESH_MIN_INTERVAL', yaml: 'refreshMinIntervalSeconds', default: '60', description: 'Minimum seconds between refreshes started by POST /api/v1/refresh (rate limit).' },
  { env: 'LOG_LEVEL', yaml: 'logLevel', default: 'info', description: 'debug, info, warn or error (case-insensitive). Logs are logfmt and never contain secrets.' },
  { env: 'SIDECAR_API_TOKEN', default: '(none: no auth)', description: 'Bearer token required on /api/*. Environment only.' },
  { env: 'SIDECAR_ADMIN_TOKEN', default: '(none: admin actions disabled)', description: 'Bearer token for admin actions such as executing a cleanup plan; must differ from SIDECAR_API_TOKEN and METRICS_TOKEN. Environment only.' },
  { env: 'TRUSTED_PROXIES', yaml: 'trustedProxies', default: '(none)', description: 'Comma-separated addresses or CIDR blocks (e.g. Grafana\'s) whose X-Forwarded-For and X-Grafana-User headers are believed when recording who executed a cleanup. From any other sender they are ignored: the socket address is recorded and the user is unknown.' },
  { env: 'STORAGE_PRICE_PER_GB_MONTH', yaml: 'pricing.defaultPerGbMonth', default: '0.10', description: 'USD per GB-month of deduplicated storage, where no region price applies.' },
  { env: 'STORAGE_PRICE_BY_REGION', yaml: 'pricing.byRegion', default: '(none)', description: 'Per-region prices, e.g. `us-east-1=0.10,eu-west-1=0.11` (a map in YAML).' },
  { env: 'ECS_ENABLED', yaml: 'ecs.enabled', default: 'true', description: 'Read ECS clusters, services, tasks and task definitions to know which images are in use.' },
  { env: 'ECS_STOPPED_TASK_WINDOW_HOURS', yaml: 'ecs.stoppedTaskWindowHours', default: '24', description: 'Tasks stopped within this many hours count as uses (ECS itself lists stopped tasks for about an hour). The refresh collects at least CLEANUP_STOPPED_TASK_WINDOW_HOURS.' },
  { env: 'TASK_DEFINITION_KEEP_REVISIONS', yaml: 'ecs.taskDefinitionKeepRevisions', default: '5', description: 'The newest N revisions of each task-definition family count as uses. The refresh collects at least CLEANUP_TASK_DEFINITION_REVISIONS.' },
  { env: 'LAMBDA_ENABLED', yaml: 'lambda.enabled', default: 'true', description: 'Read container-image Lambda functions (ListFunctions, ListVersionsByFunction, ListAliases, GetFunction) to know which images they use: $LATEST, every version an alias routes to, and the newest LAMBDA_KEEP_VERSIONS versions.' },
  { env: 'LAMBDA_KEEP_VERSIONS', yaml: 'lambda.keepVersions', default: '5', description: 'The newest N published versions of each function count as uses.' },
  { env: 'ECRLENS_DATA_DIR', yaml: 'dataDir', default: 'data (/data in the container)', description: 'Directory of the durable store (SQLite): the usage ledger, which remembers every use seen, and the cleanup audit. Must be writable: startup fails otherwise.' },
  { env: 'AWS_MAX_ATTEMPTS', yaml: 'aws.maxAttempts', default: '5', description: 'Attempts per AWS call (the SDK retries throttling and 5xx with backoff; adaptive client-side rate limiting).' },
  { env: 'AWS_CONCURRENCY', yaml: 'aws.concurrency', default: '8', description: 'AWS requests in flight per registry (account x region) at start. It then follows AWS: one more while calls come back as fast as the fastest seen, fewer when they slow down to twice that, half on throttling, and halved while the sidecar’s own event loop is delayed (p99 over 50 ms in the last half second: then it, not AWS, is what limits the refresh) but not below half of AWS_CONCURRENCY; between 1 and AWS_CONCURRENCY_MAX.' },
  { env: 'AWS_CONCURRENCY_MAX', yaml: 'aws.concurrencyMax', default: '32', description: 'The most AWS requests in flight per registry; at least AWS_CONCURRENCY. Set it equal to AWS_CONCURRENCY for a fixed number.' },
  { env: 'REGISTRY_CONCURRENCY', yaml: 'aws.registryConcurrency', default: '4', description: 'Registries (account x region) refreshed at once.' },
  { env: 'POLICY_REFRESH_INTERVAL', yaml: 'policyRefreshIntervalSeconds', default: '21600', description: 'Seconds between reads of each repository\'s lifecycle policy, repository policy and tags (three calls per repository that rarely change); 0 reads them on every refresh. A repository whose read failed, or that was recreated, is read again on the next refresh.' },
  { env: 'ECRLENS_EVENTS_QUEUE_URL', yaml: 'events.queueUrl', default: '(none: full refreshes only)', description: 'SQS queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`) that an EventBridge rule fills with ECR, ECS and Inspector events. Each event has the repository or cluster it names read again within seconds; the full refresh at CACHE_REFRESH_INTERVAL reconciles what events miss. Read with the default credentials.' },
  { env: 'SCAN_FINDINGS_MAX_AGE', yaml: 'scanFindingsMaxAgeSeconds', default: '21600', description: 'Seconds after which cached enhanced-scan findings (which carry no change signal) are fetched again.' },
];

const accountSchema = z.strictObject({
  roleArn: z.string().regex(ROLE_ARN, { error: 'must be an IAM role ARN' }),
  externalId: z.string().min(2).max(1224).optional(),
  name: z.string().min(1).max(100).optional(),
  regions: z.preprocess(toList, z.array(z.string().regex(REGION, { error: 'must be a region like us-east-1' })).min(1)).optional(),
});

/** The YAML file's shape. Scalar settings are validated by the same parsers as their environment variables. */
const fileSchema = z.strictObject({
  host: z.unknown().optional(),
  port: z.unknown().optional(),
  logLevel: z.unknown().optional(),
  refreshIntervalSeconds: z.unknown().optional(),
  refreshMinIntervalSeconds: z.unknown().optional(),
  trustedProxies: z.unknown().optional(),
  regions: z.unknown().optional(),
  registryId: z.unknown().optional(),
  includeDefaultAccount: z.unknown().optional(),
  accounts: z.array(accountSchema).optional(),
  pricing: z.strictObject({ defaultPerGbMonth: z.unknown().optional(), byRegion: z.unknown().optional() }).optional(),
  ecs: z
    .strictObject({ enabled: z.unknown().optional(), stoppedTaskWindowHours: z.unknown().optional(), taskDefinitionKeepRevisions: z.unknown().optional() })
    .optional(),
  lambda: z.strictObject({ enabled: z.unknown().optional(), keepVersions: z.unknown().optional() }).optional(),
  dataDir: z.unknown().optional(),
  aws: z.strictObject({ maxAttempts: z.unknown().optional(), concurrency: z.unknown().optional(), concurrencyMax: z.unknown().optional(), registryConcurrency: z.unknown().optional() }).optional(),
  scanFindingsMaxAgeSeconds: z.unknown().optional(),
  policyRefreshIntervalSeconds: z.unknown().optional(),
  events: z.strictObject({ queueUrl: z.unknown().optional() }).optional(),
  cleanup: z.unknown().optional(),
  metrics: z.unknown().optional(),
});
type FileConfig = z.infer<typeof fileSchema>;


export interface LoadConfigOptions {
  /** Reads the YAML file named by ECRLENS_CONFIG; default: the file system. */
  readFile?: (path: string) => string;
}

/** The YAML file named by ECRLENS_CONFIG, checked against its shape; `{}` when there is none or it is bad. */
function readConfigFile(configFile: string | undefined, readFile: (path: string) => string, problems: string[]): FileConfig {
  if (!configFile) return {};
  try {
    const parsed = fileSchema.safeParse(parseYaml(readFile(configFile)) ?? {});
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) problems.push(`ECRLENS_CONFIG: ${configFile}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  } catch (error) {
    problems.push(`ECRLENS_CONFIG: cannot read ${JSON.stringify(configFile)}: ${(error as Error).message}`);
  }
  return {};
}

const tokenParser = (min: number) =>
  parser(z.string().min(min).max(4096).regex(/^[\x21-\x7e]+$/), `must be ${min}-4096 printable ASCII characters without spaces`, true);

/** The HTTP server, logging, refresh pacing and tokens. */
function serverSettings(r: SettingsReader) {
  return {
    host: r.read('APP_HOST', parser(z.string().trim().min(1), 'must be a host name or address'), '0.0.0.0', 'host'),
    port: r.read('APP_PORT', intParser(1, 65535), 8080, 'port'),
    logLevel: r.read(
      'LOG_LEVEL',
      parser(z.preprocess((raw) => (typeof raw === 'string' ? (parseLogLevel(raw) ?? raw) : raw), z.enum(LOG_LEVELS)), `must be one of ${LOG_LEVELS.join(', ')}`),
      'info',
      'logLevel',
    ),
    refreshIntervalSeconds: r.read('CACHE_REFRESH_INTERVAL', intParser(10, 7 * 86400), 1800, 'refreshIntervalSeconds'),
    refreshMinIntervalSeconds: r.read('REFRESH_MIN_INTERVAL', intParser(0, 86400), 60, 'refreshMinIntervalSeconds'),
    apiToken: r.read('SIDECAR_API_TOKEN', tokenParser(8), undefined),
    adminToken: r.read('SIDECAR_ADMIN_TOKEN', tokenParser(16), undefined),
    trustedProxies: r.read('TRUSTED_PROXIES', parser(trustedProxiesSchema, 'must be comma-separated IP addresses or CIDR blocks like 10.0.0.0/8'), [], 'trustedProxies'),
  };
}

/** The accounts to inventory: the default credentials' (unless excluded), then each role of the file and of ASSUME_ROLE_ARNS. */
function accountSettings(r: SettingsReader, file: FileConfig): AccountConfig[] {
  let regions: readonly string[] = [];
  if (r.sourceOf('AWS_REGION', 'regions')) regions = r.read('AWS_REGION', regionsParser, [], 'regions');
  else if (r.sourceOf('AWS_DEFAULT_REGION')) regions = r.read('AWS_DEFAULT_REGION', regionsParser, []);
  const registryId = r.read('ECR_REGISTRY_ID', parser(z.string().trim().regex(ACCOUNT_ID), 'must be a 12-digit account id'), undefined, 'registryId');
  const includeDefault = r.read('INCLUDE_DEFAULT_ACCOUNT', boolParser, true, 'includeDefaultAccount');
  const roleArns = r.read('ASSUME_ROLE_ARNS', roleArnsParser, []);
  const externalId = r.read('ASSUME_ROLE_EXTERNAL_ID', parser(z.string().min(2).max(1224), 'must be 2-1224 characters'), undefined);

  const accounts: AccountConfig[] = [];
  if (includeDefault) accounts.push({ name: 'default', ...(registryId ? { accountId: registryId } : {}), regions });
  const seenRoles = new Set<string>();
  for (const account of file.accounts ?? []) {
    seenRoles.add(account.roleArn);
    const accountId = ROLE_ARN.exec(account.roleArn)![1]!;
    accounts.push({
      name: account.name ?? accountId,
      accountId,
      roleArn: account.roleArn,
      ...(account.externalId ? { externalId: account.externalId } : {}),
      regions: account.regions ?? regions,
    });
  }
  for (const roleArn of roleArns) {
    if (seenRoles.has(roleArn)) continue;
    seenRoles.add(roleArn);
    const accountId = ROLE_ARN.exec(roleArn)![1]!;
    accounts.push({ name: accountId, accountId, roleArn, ...(externalId ? { externalId } : {}), regions });
  }
  if (accounts.length === 0 && r.problems.length === 0)
    r.problems.push('INCLUDE_DEFAULT_ACCOUNT: is false but no ASSUME_ROLE_ARNS (or ECRLENS_CONFIG accounts) are set: nothing to inventory');
  if (accounts.some((a) => a.regions.length === 0) && !r.problems.some((p) => p.startsWith('AWS_')))
    r.problems.push('AWS_REGION: required: a region or comma-separated regions (or AWS_DEFAULT_REGION, or ECRLENS_CONFIG regions)');
  return accounts;
}

/** Prices, the in-use readers of ECS and Lambda, the data directory and the AWS call limits. */
function inventorySettings(r: SettingsReader) {
  return {
    pricing: {
      defaultUsdPerGbMonth: r.read('STORAGE_PRICE_PER_GB_MONTH', numberParser(0), 0.1, 'pricing.defaultPerGbMonth'),
      byRegion: r.read('STORAGE_PRICE_BY_REGION', priceMapParser, {}, 'pricing.byRegion'),
    } satisfies PriceTable,
    ecs: {
      enabled: r.read('ECS_ENABLED', boolParser, true, 'ecs.enabled'),
      stoppedTaskWindowHours: r.read('ECS_STOPPED_TASK_WINDOW_HOURS', intParser(0, 24 * 90), 24, 'ecs.stoppedTaskWindowHours'),
      taskDefinitionKeepRevisions: r.read('TASK_DEFINITION_KEEP_REVISIONS', intParser(0, 1000), 5, 'ecs.taskDefinitionKeepRevisions'),
    },
    lambda: {
      enabled: r.read('LAMBDA_ENABLED', boolParser, true, 'lambda.enabled'),
      keepVersions: r.read('LAMBDA_KEEP_VERSIONS', intParser(0, 1000), 5, 'lambda.keepVersions'),
    },
    dataDir: r.read('ECRLENS_DATA_DIR', parser(z.string().trim().min(1).max(4096), 'must be a directory path'), 'data', 'dataDir'),
    aws: {
      maxAttempts: r.read('AWS_MAX_ATTEMPTS', intParser(1, 20), 5, 'aws.maxAttempts'),
      concurrency: r.read('AWS_CONCURRENCY', intParser(1, 256), 8, 'aws.concurrency'),
      concurrencyMax: r.read('AWS_CONCURRENCY_MAX', intParser(1, 256), 32, 'aws.concurrencyMax'),
      registryConcurrency: r.read('REGISTRY_CONCURRENCY', intParser(1, 64), 4, 'aws.registryConcurrency'),
    },
    scanFindingsMaxAgeSeconds: r.read('SCAN_FINDINGS_MAX_AGE', intParser(0, 30 * 86400), 21600, 'scanFindingsMaxAgeSeconds'),
    policyRefreshIntervalSeconds: r.read('POLICY_REFRESH_INTERVAL', intParser(0, 7 * 86400), 21600, 'policyRefreshIntervalSeconds'),
  };
}

const QUEUE_URL = parser(
  z
    .string()
    .trim()
    .max(2048)
    .refine((raw) => raw === '' || queueParts(raw) !== undefined),
  'must be an SQS queue URL like https://sqs.us-east-1.amazonaws.com/123456789012/ecr-events',
);

/** An SQS queue URL's region (from an `sqs.<region>.` host) and whether its path is `/<account>/<name>`. */
function queueParts(raw: string): { region?: string } | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const path = url.pathname.split('/').filter((p) => p.length > 0);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || path.length !== 2 || !ACCOUNT_ID.test(path[0]!) || !/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(path[1]!)) return undefined;
  const host = url.hostname.split('.');
  const region = host[0] === 'sqs' && host[1] && REGION.test(host[1]) ? host[1] : undefined;
  return region ? { region } : {};
}

/** The events queue, when one is set; its region is the URL's, else the first configured region. */
function eventsSettings(r: SettingsReader, accounts: readonly AccountConfig[]): AppConfig['events'] {
  const queueUrl = r.read('ECRLENS_EVENTS_QUEUE_URL', QUEUE_URL, '', 'events.queueUrl');
  if (!queueUrl) return undefined;
  const region = queueParts(queueUrl)?.region ?? accounts[0]?.regions[0];
  return region ? { queueUrl, region } : undefined;
}

/** The settings each room reads with its own schema: metrics, the global in-use sources, cleanup. */
function roomSettings(env: Readonly<Record<string, string | undefined>>, file: FileConfig, problems: string[]) {
  let metrics: MetricsConfig | undefined;
  try {
    const fromFile: Record<string, string> = {};
    if (file.metrics && typeof file.metrics === 'object')
      for (const [key, value] of Object.entries(file.metrics)) if (value !== null && value !== undefined) fromFile[key] = String(value);
    metrics = metricsConfigFromEnv({ ...fromFile, ...env });
  } catch (error) {
    problems.push((error as Error).message.replace(/^Invalid environment variable (\w+): (.*)$/, '$1: $2'));
  }

  const uses: { kubernetes?: KubernetesSourceOptions; keepLists?: KeepListSettings } = {};
  for (const read of [() => ({ kubernetes: kubernetesSourceFromEnv(env) }), () => ({ keepLists: keepListSourceFromEnv(env) })]) {
    try {
      for (const [key, value] of Object.entries(read())) if (value) Object.assign(uses, { [key]: value });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }

  let cleanup: CleanupConfig | undefined;
  try {
    cleanup = cleanupConfigFromEnv(env, file.cleanup);
  } catch (error) {
    const message = (error as Error).message;
    problems.push(message.startsWith('cleanup') ? `ECRLENS_CONFIG: ${message}` : message.replace(/^([A-Z_]+) /, '$1: '));
  }
  return { metrics, uses, cleanup };
}

/** Reads and validates the configuration. Throws a ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, options: LoadConfigOptions = {}): AppConfig {
  const problems: string[] = [];
  const configFile = env.ECRLENS_CONFIG?.trim() || undefined;
  const file = readConfigFile(configFile, options.readFile ?? ((path: string) => readFileSync(path, 'utf8')), problems);
  const r = new SettingsReader(env, file);
  r.problems.push(...problems);
  const { apiToken, adminToken, ...server } = serverSettings(r);
  const accounts = accountSettings(r, file);
  const inventory = inventorySettings(r);
  if (inventory.aws.concurrencyMax < inventory.aws.concurrency)
    r.problems.push(`AWS_CONCURRENCY_MAX: must be at least AWS_CONCURRENCY (${inventory.aws.concurrency}), got ${inventory.aws.concurrencyMax}`);
  const events = eventsSettings(r, accounts);
  const { metrics, uses, cleanup } = roomSettings(env, file, r.problems);

  // Grafana sends the API token with every proxied request: an admin token equal to it would let any viewer execute.
  if (adminToken && adminToken === apiToken) r.problems.push('SIDECAR_ADMIN_TOKEN: must differ from SIDECAR_API_TOKEN (the API token reaches every Grafana viewer)');
  if (adminToken && adminToken === metrics?.METRICS_TOKEN) r.problems.push('SIDECAR_ADMIN_TOKEN: must differ from METRICS_TOKEN');
  if (r.problems.length > 0 || !metrics || !cleanup) throw new ConfigError(r.problems);
  return Object.freeze({
    ...server,
    ...(apiToken ? { apiToken } : {}),
    ...(adminToken ? { adminToken } : {}),
    accounts,
    ...inventory,
    ...(events ? { events } : {}),
    uses,
    cleanup,
    metrics,
    ...(configFile ? { configFile } : {}),
  });
}

/** Every environment variable the configuration reads (for the README check). */
/** Read by cleanup/plan/config.ts (documented there). */
export const CLEANUP_ENV_VARS: readonly string[] = [
  'KEEP_MIN_IMAGE_COUNT',
  'KEEP_IMAGES_NEWER_THAN_DAYS',
  'CLEANUP_KEEP_IF_USED_WITHIN_DAYS',
  'CLEANUP_NOTHING_RUNS_FROM',
  'CLEANUP_UNWATCHED_PULLERS',
  'CLEANUP_STOPPED_TASK_WINDOW_HOURS',
  'CLEANUP_TASK_DEFINITION_REVISIONS',
  'CLEANUP_MAX_DELETIONS_PER_RUN',
  'CLEANUP_AUDIT_LOG',
  'CLEANUP_DELETE_ENABLED',
  'CLEANUP_DEFAULT_RULE',
  'GRAFANA_URL',
  'GRAFANA_TOKEN',
];

/** Read by uses/kubernetes.ts and uses/keep-list.ts (documented in the README). */
export const USES_ENV_VARS: readonly string[] = [
  'KUBERNETES_PROMETHEUS_URL',
  'KUBERNETES_PROMETHEUS_TOKEN',
  'KUBERNETES_PROMETHEUS_LOOKBACK_HOURS',
  'KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS',
  'KUBERNETES_PROMETHEUS_CLUSTERS',
  'IN_USE_KEEP_LISTS',
  'IN_USE_KEEP_LISTS_TIMEOUT_SECONDS',
];

export const CONFIG_ENV_VARS: readonly string[] = [...CONFIG_DOCS.map((d) => d.env), ...METRICS_ENV_KEYS, ...CLEANUP_ENV_VARS, ...USES_ENV_VARS];

