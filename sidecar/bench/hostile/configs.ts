/**
 * Broken configurations: every setting the sidecar reads (CONFIG_ENV_VARS: CONFIG_DOCS, METRICS, CLEANUP and
 * USES lists) with bad values, loaded in-process next to valid distinctive secrets. Each must fail with a
 * ConfigError whose message names the variable and echoes no secret. Settings that only a running server
 * can find wrong (the listen address, the data directory) go through startServer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../../src/config.js';
import { CONFIG_ENV_VARS, ConfigError, loadConfig } from '../../src/config.js';
import { DEMO_CREDENTIALS } from '../../src/app/demo-sidecar.js';
import { silentLogger } from '../../src/log.js';
import { startServer } from '../../src/app/server.js';
import type { Campaign, PartResult } from './part.js';
import { SECRETS } from './secrets.js';

/** Put in rejected values of secret settings: a message must not echo it. */
const REJECTED = 'Rejected-S3cret-value';
const PROMETHEUS = { KUBERNETES_PROMETHEUS_URL: 'http://prometheus:9090' };
const KEEP_LISTS = { IN_USE_KEEP_LISTS: '/etc/ecr-lens/keep.txt' };

/** The YAML files ECRLENS_CONFIG can name, served by loadConfig's readFile. */
const YAML: Record<string, string> = {
  'broken.yaml': '{ unclosed: [',
  'unknown-key.yaml': 'nosuchkey: 1',
  'bad-port.yaml': 'port: 70000',
  'bad-rule.yaml': 'cleanup:\n  rules:\n    - repository: ""',
  'bad-account.yaml': 'accounts:\n  - roleArn: not-an-arn',
};

type Bad = string | { readonly value: string; readonly with: Record<string, string> };

/** Bad values for each setting; `with` adds what the setting needs to be read at all. */
export const BAD_VALUES: Readonly<Record<string, readonly Bad[]>> = {
  ECRLENS_CONFIG: ['missing.yaml', ...Object.keys(YAML)],
  AWS_REGION: ['us_east_1', 'US-EAST-1', 'us-east-1,nowhere', '*'],
  ECR_REGISTRY_ID: ['1234', 'abcdefghijkl', '1234567890123'],
  ASSUME_ROLE_ARNS: ['arn:aws:iam::12:role/x', 'not-an-arn', 'arn:aws:iam::123456789012:user/x'],
  ASSUME_ROLE_EXTERNAL_ID: ['x', 'x'.repeat(1_300)],
  INCLUDE_DEFAULT_ACCOUNT: ['maybe', 'false'],
  APP_PORT: ['abc', '70000', '0', '-1', '80.5'],
  CACHE_REFRESH_INTERVAL: ['1.5', '5', '9999999', 'soon'],
  REFRESH_MIN_INTERVAL: ['-1', '86401', 'x'],
  LOG_LEVEL: ['verbose', 'trace', '3'],
  SIDECAR_API_TOKEN: ['short', `has space ${REJECTED}`, `tab\t${REJECTED}`, `tö${REJECTED}`, 'x'.repeat(4_097)],
  SIDECAR_ADMIN_TOKEN: ['short-admin', `has space ${REJECTED}`, SECRETS.apiToken, SECRETS.metricsToken],
  TRUSTED_PROXIES: ['not-an-ip', '10.0.0.0/33', '300.1.1.1'],
  STORAGE_PRICE_PER_GB_MONTH: ['-1', 'free', 'Infinity'],
  STORAGE_PRICE_BY_REGION: ['us-east-1:0.1', 'us-east-1=-1', 'nowhere=0.1', 'us-east-1=cheap'],
  ECS_ENABLED: ['maybe', '2'],
  ECS_STOPPED_TASK_WINDOW_HOURS: ['-1', '99999', 'x', '1.5'],
  TASK_DEFINITION_KEEP_REVISIONS: ['-1', '1001', 'x'],
  LAMBDA_ENABLED: ['maybe'],
  LAMBDA_KEEP_VERSIONS: ['-1', '1001'],
  ECRLENS_DATA_DIR: ['x'.repeat(5_000)],
  AWS_MAX_ATTEMPTS: ['0', '21', 'x'],
  AWS_CONCURRENCY: ['0', '257'],
  REGISTRY_CONCURRENCY: ['0', '65'],
  SCAN_FINDINGS_MAX_AGE: ['-1', '2592001', 'x'],
  METRICS_TOKEN: ['short12', SECRETS.adminToken],
  METRICS_IMAGE_SERIES: ['maybe', 'on'],
  METRICS_IMAGE_SERIES_CAP: ['x', '-1', '1.5'],
  METRICS_COMPAT_GO: ['maybe'],
  METRICS_IMAGES_PER_REPOSITORY_QUOTA: ['0', 'x'],
  KEEP_MIN_IMAGE_COUNT: ['x', '-1', '1.5', '9999999'],
  KEEP_IMAGES_NEWER_THAN_DAYS: ['x', '-1', '99999'],
  CLEANUP_KEEP_IF_USED_WITHIN_DAYS: ['x', '-1', '99999'],
  CLEANUP_NOTHING_RUNS_FROM: ['everyone', '123'],
  CLEANUP_UNWATCHED_PULLERS: ['everyone', '12345'],
  CLEANUP_STOPPED_TASK_WINDOW_HOURS: ['x', '-1', '99999999'],
  CLEANUP_TASK_DEFINITION_REVISIONS: ['x', '1.5', '9999999'],
  CLEANUP_MAX_DELETIONS_PER_RUN: ['0', 'x', '1.5', '2000000'],
  CLEANUP_DELETE_ENABLED: ['maybe'],
  CLEANUP_DEFAULT_RULE: ['maybe'],
  GRAFANA_URL: ['not a url', 'grafana:3000', `http://campaign:${SECRETS.grafanaPassword}@exa mple.com/`],
  KUBERNETES_PROMETHEUS_URL: ['not a url', 'ftp://prometheus:9090', `http://u:${REJECTED}@[bad`],
  KUBERNETES_PROMETHEUS_TOKEN: [
    { value: 'x'.repeat(16_385), with: PROMETHEUS },
    { value: REJECTED, with: { KUBERNETES_PROMETHEUS_URL: `http://u:${REJECTED}@prometheus:9090` } },
  ],
  KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: ['0', '2161', 'x'].map((value) => ({ value, with: PROMETHEUS })),
  KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS: ['0', '601'].map((value) => ({ value, with: PROMETHEUS })),
  KUBERNETES_PROMETHEUS_CLUSTERS: ['a,,b', 'x'.repeat(257)].map((value) => ({ value, with: PROMETHEUS })),
  IN_USE_KEEP_LISTS: ['ftp://x/list', `http://u:${REJECTED}@[bad/list`, Array.from({ length: 101 }, (_, i) => `/l${i}`).join(',')],
  IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: ['0', '601', 'x'].map((value) => ({ value, with: KEEP_LISTS })),
};

/** Settings no value of which loadConfig can refuse (any text is a valid host name, path or token). */
export const ANY_VALUE = ['APP_HOST', 'CLEANUP_AUDIT_LOG', 'GRAFANA_TOKEN'];

/** A valid configuration holding every distinctive secret: the background of each broken one. */
export const secretEnv = (grafanaUrl: string): Record<string, string> => ({
  AWS_REGION: 'us-east-1',
  SIDECAR_API_TOKEN: SECRETS.apiToken,
  SIDECAR_ADMIN_TOKEN: SECRETS.adminToken,
  METRICS_TOKEN: SECRETS.metricsToken,
  GRAFANA_URL: grafanaUrl,
  GRAFANA_TOKEN: SECRETS.grafanaToken,
  AWS_ACCESS_KEY_ID: SECRETS.awsAccessKeyId,
  AWS_SECRET_ACCESS_KEY: SECRETS.awsSecretAccessKey,
});

const readFile = (path: string): string => {
  const text = YAML[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  return text;
};

/** What is wrong with how a broken configuration failed, or undefined. */
function judge(name: string, value: string, error: unknown): string | undefined {
  if (error === undefined) return 'accepted';
  if (!(error instanceof ConfigError)) return `threw ${(error as Error).name}, not a ConfigError: ${(error as Error).message}`;
  if (!error.message.includes(name)) return `the message does not name ${name}: ${error.message}`;
  if (error.message.includes(REJECTED) && value.includes(REJECTED)) return `the message echoes the rejected secret: ${error.message}`;
  return undefined;
}

export interface StartTarget {
  /** The emulator the servers would read (they fail before reading it). */
  readonly emulatorUrl: string;
  /** A port already listened on. */
  readonly busyPort: number;
}

export async function configsPart(campaign: Campaign, grafanaUrl: string, start: StartTarget): Promise<PartResult> {
  const part = 'configurations';
  campaign.recorder.part = part;
  const background = secretEnv(grafanaUrl);
  const failures: string[] = [];
  let tried = 0;
  try {
    loadConfig(background);
  } catch (error) {
    failures.push(`the valid background configuration itself fails: ${(error as Error).message}`);
  }
  for (const [name, values] of Object.entries(BAD_VALUES))
    for (const bad of values) {
      const { value, with: extra } = typeof bad === 'string' ? { value: bad, with: {} } : bad;
      tried++;
      let error: unknown;
      try {
        loadConfig({ ...background, ...extra, [name]: value }, { readFile });
      } catch (e) {
        error = e;
        campaign.secrets.scan('configuration errors', (e as Error).message);
      }
      const problem = judge(name, value, error);
      if (problem) failures.push(`${name}=${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}: ${problem}`);
    }
  const untested = CONFIG_ENV_VARS.filter((name) => !(name in BAD_VALUES) && !ANY_VALUE.includes(name));
  if (untested.length) failures.push(`settings without a broken value here: ${untested.join(', ')}`);

  // Found wrong only when the server starts: each must still fail as a ConfigError naming the setting.
  const dir = mkdtempSync(join(tmpdir(), 'ecr-lens-hostile-config-'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  const startCases: [string, string, Record<string, string>][] = [
    ['ECRLENS_DATA_DIR', 'a path under a regular file', { ECRLENS_DATA_DIR: join(file, 'data') }],
    ['APP_HOST', 'an address of no local interface', { APP_HOST: '192.0.2.1' }],
    ['APP_HOST', 'a host name that does not resolve', { APP_HOST: 'no-such-host.invalid' }],
    ['APP_PORT', 'a port already in use', { APP_HOST: '127.0.0.1', APP_PORT: String(start.busyPort) }],
  ];
  for (const [name, what, env] of startCases) {
    tried++;
    let error: unknown;
    try {
      const config: AppConfig = loadConfig({ ...background, ECRLENS_DATA_DIR: join(dir, 'store'), ...env });
      const server = await startServer(config, {
        log: silentLogger,
        aws: { endpoints: { ecr: start.emulatorUrl, ecs: start.emulatorUrl, lambda: start.emulatorUrl, sts: start.emulatorUrl }, credentials: DEMO_CREDENTIALS },
      });
      await server.close();
    } catch (e) {
      error = e;
      campaign.secrets.scan('configuration errors', (e as Error).message);
    }
    const problem = judge(name, '', error);
    if (problem) failures.push(`${name} (${what}): ${problem}`);
  }
  rmSync(dir, { recursive: true, force: true });
  const settings = Object.keys(BAD_VALUES).length;
  return {
    part,
    kind: 'broken configurations',
    inputs: tried,
    failures,
    lines: [
      `${tried} broken configurations: ${settings} of ${CONFIG_ENV_VARS.length} settings with bad values through loadConfig, ${startCases.length} through startServer; any value is valid for ${ANY_VALUE.join(', ')}`,
      `refused as a ConfigError naming the setting without echoing a secret: ${tried - failures.filter((f) => !f.startsWith('settings without')).length} of ${tried}`,
    ],
  };
}
