import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOCS, CONFIG_ENV_VARS, ConfigError, loadConfig } from '../../src/config.js';
import { configSecrets } from '../../src/secrets.js';
import { spawnSidecar } from '../secrets/sidecar-process.js';

const base = { AWS_REGION: 'us-east-1' };

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('info');
    expect(config.refreshIntervalSeconds).toBe(1800);
    expect(config.refreshMinIntervalSeconds).toBe(60);
    expect(config.apiToken).toBeUndefined();
    expect(config.pricing).toEqual({ defaultUsdPerGbMonth: 0.1, byRegion: {} });
    expect(config.ecs).toEqual({ enabled: true, stoppedTaskWindowHours: 24, taskDefinitionKeepRevisions: 5 });
    expect(config.aws).toEqual({ maxAttempts: 5, concurrency: 8, concurrencyMax: 32, registryConcurrency: 4 });
    expect(config.scanFindingsMaxAgeSeconds).toBe(21600);
    expect(config.accounts).toEqual([{ name: 'default', regions: ['us-east-1'] }]);
    expect(config.metrics.METRICS_IMAGE_SERIES).toBe(true);
  });

  it('reads every environment variable', () => {
    const config = loadConfig({
      AWS_REGION: 'us-east-1, eu-west-1',
      ECR_REGISTRY_ID: '111111111111',
      ASSUME_ROLE_ARNS: 'arn:aws:iam::222222222222:role/ecr-lens,arn:aws:iam::333333333333:role/path/ecr-lens',
      ASSUME_ROLE_EXTERNAL_ID: 'ext-123',
      APP_HOST: '127.0.0.1',
      APP_PORT: '9090',
      CACHE_REFRESH_INTERVAL: '600',
      REFRESH_MIN_INTERVAL: '0',
      LOG_LEVEL: 'DEBUG',
      SIDECAR_API_TOKEN: 'api-token-123456',
      SIDECAR_ADMIN_TOKEN: 'admin-token-1234567890',
      STORAGE_PRICE_PER_GB_MONTH: '0.12',
      STORAGE_PRICE_BY_REGION: 'us-east-1=0.10,eu-west-1=0.11',
      ECS_ENABLED: 'false',
      ECS_STOPPED_TASK_WINDOW_HOURS: '2',
      TASK_DEFINITION_KEEP_REVISIONS: '3',
      AWS_MAX_ATTEMPTS: '7',
      AWS_CONCURRENCY: '16',
      REGISTRY_CONCURRENCY: '2',
      SCAN_FINDINGS_MAX_AGE: '60',
      METRICS_IMAGE_SERIES: 'false',
    });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 9090,
      logLevel: 'debug',
      refreshIntervalSeconds: 600,
      refreshMinIntervalSeconds: 0,
      apiToken: 'api-token-123456',
      adminToken: 'admin-token-1234567890',
      pricing: { defaultUsdPerGbMonth: 0.12, byRegion: { 'us-east-1': 0.1, 'eu-west-1': 0.11 } },
      ecs: { enabled: false, stoppedTaskWindowHours: 2, taskDefinitionKeepRevisions: 3 },
      aws: { maxAttempts: 7, concurrency: 16, registryConcurrency: 2 },
      scanFindingsMaxAgeSeconds: 60,
    });
    expect(config.metrics.METRICS_IMAGE_SERIES).toBe(false);
    const regions = ['us-east-1', 'eu-west-1'];
    expect(config.accounts).toEqual([
      { name: 'default', accountId: '111111111111', regions },
      {
        name: '222222222222',
        accountId: '222222222222',
        roleArn: 'arn:aws:iam::222222222222:role/ecr-lens',
        externalId: 'ext-123',
        regions,
      },
      {
        name: '333333333333',
        accountId: '333333333333',
        roleArn: 'arn:aws:iam::333333333333:role/path/ecr-lens',
        externalId: 'ext-123',
        regions,
      },
    ]);
  });

  it.each([
    [{ APP_PORT: 'abc' }, 'APP_PORT: must be an integer 1-65535, got "abc"'],
    [{ APP_PORT: '70000' }, 'APP_PORT: must be an integer 1-65535, got "70000"'],
    [{ CACHE_REFRESH_INTERVAL: '1.5' }, 'CACHE_REFRESH_INTERVAL: must be an integer 10-604800, got "1.5"'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL: must be one of debug, info, warn, error, got "verbose"'],
    [
      { AWS_REGION: 'us_east_1' },
      'AWS_REGION: must be a region or comma-separated regions like us-east-1, got "us_east_1"',
    ],
    [{ ECR_REGISTRY_ID: '1234' }, 'ECR_REGISTRY_ID: must be a 12-digit account id, got "1234"'],
    [{ ASSUME_ROLE_ARNS: 'arn:aws:iam::12:role/x' }, 'ASSUME_ROLE_ARNS: must be comma-separated IAM role ARNs'],
    [{ STORAGE_PRICE_PER_GB_MONTH: '-1' }, 'STORAGE_PRICE_PER_GB_MONTH: must be a number >= 0, got "-1"'],
    [{ STORAGE_PRICE_BY_REGION: 'us-east-1:0.1' }, 'STORAGE_PRICE_BY_REGION: must be region=price pairs'],
    [{ ECS_ENABLED: 'maybe' }, 'ECS_ENABLED: must be true or false, got "maybe"'],
    [{ AWS_MAX_ATTEMPTS: '0' }, 'AWS_MAX_ATTEMPTS: must be an integer 1-20, got "0"'],
    [{ APP_PORT: '0x1f90' }, 'APP_PORT: must be an integer 1-65535, got "0x1f90"'],
    [{ STORAGE_PRICE_PER_GB_MONTH: '1e-1' }, 'STORAGE_PRICE_PER_GB_MONTH: must be a number >= 0, got "1e-1"'],
    [{ SIDECAR_API_TOKEN: 'short' }, 'SIDECAR_API_TOKEN: must be 8-4096 printable ASCII characters without spaces'],
    [{ METRICS_IMAGE_SERIES_CAP: 'x' }, 'METRICS_IMAGE_SERIES_CAP:'],
    [{ METRICS_IMAGE_SERIES_CAP: '0x10' }, 'METRICS_IMAGE_SERIES_CAP: must be a decimal number'],
    [{ KUBERNETES_PROMETHEUS_URL: 'http://prometheus:9090', KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: '1e2' }, 'KUBERNETES_PROMETHEUS_LOOKBACK_HOURS'],
    [{ IN_USE_KEEP_LISTS: '/etc/keep.txt', IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: '0x1e' }, 'IN_USE_KEEP_LISTS_TIMEOUT_SECONDS'],
    [{ KEEP_MIN_IMAGE_COUNT: 'x' }, 'KEEP_MIN_IMAGE_COUNT: must be an integer from 0 to 1000000'],
    [{ SIDECAR_ADMIN_TOKEN: 'short-admin' }, 'SIDECAR_ADMIN_TOKEN: must be 16-4096 printable ASCII characters'],
    [
      { SIDECAR_ADMIN_TOKEN: 'one-token-for-everything', SIDECAR_API_TOKEN: 'one-token-for-everything' },
      'SIDECAR_ADMIN_TOKEN: must differ from SIDECAR_API_TOKEN (the API token reaches every Grafana viewer)',
    ],
    [{ SIDECAR_ADMIN_TOKEN: 'one-token-for-everything', METRICS_TOKEN: 'one-token-for-everything' }, 'SIDECAR_ADMIN_TOKEN: must differ from METRICS_TOKEN'],
    [{ CLEANUP_UNWATCHED_PULLERS: 'everyone' }, 'CLEANUP_UNWATCHED_PULLERS: must be a 12-digit account id or *'],
    [{ LAMBDA_KEEP_VERSIONS: '-1' }, 'LAMBDA_KEEP_VERSIONS: must be an integer 0-1000, got "-1"'],
  ])('names the variable of a bad value: %j', (env, message) => {
    expect(errorOf(() => loadConfig({ ...base, ...env }))).toContain(message);
  });

  it('never echoes a rejected token', () => {
    expect(errorOf(() => loadConfig({ ...base, SIDECAR_API_TOKEN: 'has space 1234' }))).not.toContain('has space');
  });

  it('reports every bad variable at once', () => {
    const message = errorOf(() => loadConfig({ ...base, APP_PORT: 'x', LOG_LEVEL: 'loud' }));
    expect(message).toContain('APP_PORT:');
    expect(message).toContain('LOG_LEVEL:');
  });

  it('requires a region', () => {
    expect(errorOf(() => loadConfig({}))).toContain('AWS_REGION: required');
    expect(loadConfig({ AWS_DEFAULT_REGION: 'eu-west-1' }).accounts[0]!.regions).toEqual(['eu-west-1']);
  });

  it('refuses a configuration with no account', () => {
    expect(errorOf(() => loadConfig({ ...base, INCLUDE_DEFAULT_ACCOUNT: 'false' }))).toContain(
      'INCLUDE_DEFAULT_ACCOUNT:',
    );
  });

  it('reads accounts with their own regions from the YAML file; the environment wins for scalars', () => {
    const yaml = [
      'port: 9000',
      'logLevel: warn',
      'regions: [us-east-1]',
      'accounts:',
      '  - roleArn: arn:aws:iam::222222222222:role/ecr-lens',
      '    name: prod',
      '    regions: [eu-west-1, eu-central-1]',
      'pricing:',
      '  defaultPerGbMonth: 0.2',
      '  byRegion: { eu-west-1: 0.11 }',
      'ecs: { taskDefinitionKeepRevisions: 2 }',
      'metrics: { METRICS_COMPAT_GO: false }',
      'cleanup: { rules: [] }',
    ].join('\n');
    const config = loadConfig(
      { ECRLENS_CONFIG: '/etc/ecr-lens.yaml', APP_PORT: '9100', ASSUME_ROLE_ARNS: 'arn:aws:iam::333333333333:role/r' },
      { readFile: (path) => (path === '/etc/ecr-lens.yaml' ? yaml : '') },
    );
    expect(config.port).toBe(9100);
    expect(config.logLevel).toBe('warn');
    expect(config.pricing).toEqual({ defaultUsdPerGbMonth: 0.2, byRegion: { 'eu-west-1': 0.11 } });
    expect(config.ecs.taskDefinitionKeepRevisions).toBe(2);
    expect(config.metrics.METRICS_COMPAT_GO).toBe(false);
    expect(config.cleanup.rules).toEqual([]);
    expect(config.cleanup.execution.enabled).toBe(false);
    expect(config.configFile).toBe('/etc/ecr-lens.yaml');
    expect(config.accounts).toEqual([
      { name: 'default', regions: ['us-east-1'] },
      {
        name: 'prod',
        accountId: '222222222222',
        roleArn: 'arn:aws:iam::222222222222:role/ecr-lens',
        regions: ['eu-west-1', 'eu-central-1'],
      },
      {
        name: '333333333333',
        accountId: '333333333333',
        roleArn: 'arn:aws:iam::333333333333:role/r',
        regions: ['us-east-1'],
      },
    ]);
  });

  it('names the file and the key of a bad YAML value', () => {
    const read = (text: string) => () => loadConfig({ ECRLENS_CONFIG: 'c.yaml' }, { readFile: () => text });
    expect(errorOf(read('regions: [us-east-1]\nport: high'))).toContain(
      'APP_PORT (ECRLENS_CONFIG port): must be an integer 1-65535, got "high"',
    );
    expect(errorOf(read('regions: [us-east-1]\nprots: 1'))).toContain('ECRLENS_CONFIG: c.yaml: (top level)');
    expect(errorOf(read('regions: [us-east-1]\naccounts:\n  - roleArn: nope'))).toContain(
      'ECRLENS_CONFIG: c.yaml: accounts.0.roleArn',
    );
    expect(
      errorOf(() =>
        loadConfig(
          { ECRLENS_CONFIG: 'missing.yaml' },
          {
            readFile: () => {
              throw new Error('ENOENT');
            },
          },
        ),
      ),
    ).toContain('ECRLENS_CONFIG: cannot read "missing.yaml": ENOENT');
  });

  it('lists every secret setting for the log redaction', () => {
    const config = loadConfig({
      AWS_REGION: 'us-east-1',
      SIDECAR_API_TOKEN: 'api-token-123',
      SIDECAR_ADMIN_TOKEN: 'admin-token-1234567890',
      METRICS_TOKEN: 'metrics-token-1',
      GRAFANA_URL: 'https://grafana.example.com',
      GRAFANA_TOKEN: 'glsa_grafana_token',
    });
    expect(configSecrets(config).sort()).toEqual([
      'admin-token-1234567890',
      'api-token-123',
      'glsa_grafana_token',
      'metrics-token-1',
    ]);
  });

  it('documents every setting it reads in the README configuration table', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const tableRows = readme.split('\n').filter((line) => line.startsWith('|'));
    const missing = CONFIG_ENV_VARS.filter((name) => !tableRows.some((row) => row.includes(`\`${name}\``)));
    expect(missing).toEqual([]);
    expect(new Set(CONFIG_DOCS.map((d) => d.env)).size).toBe(CONFIG_DOCS.length);
  });
});

describe('AWS_CONCURRENCY_MAX', () => {
  it('defaults to 32 and must be at least AWS_CONCURRENCY', () => {
    expect(loadConfig(base).aws).toMatchObject({ concurrency: 8, concurrencyMax: 32 });
    expect(loadConfig({ ...base, AWS_CONCURRENCY: '16', AWS_CONCURRENCY_MAX: '16' }).aws).toMatchObject({ concurrency: 16, concurrencyMax: 16 });
    expect(errorOf(() => loadConfig({ ...base, AWS_CONCURRENCY: '16', AWS_CONCURRENCY_MAX: '8' }))).toContain('AWS_CONCURRENCY_MAX: must be at least AWS_CONCURRENCY (16), got 8');
  });
});

describe('the events queue (ECRLENS_EVENTS_QUEUE_URL)', () => {
  it('is off by default', () => {
    expect(loadConfig(base).events).toBeUndefined();
  });

  it("takes the region from an SQS URL's host, else the first configured region", () => {
    expect(loadConfig({ ...base, ECRLENS_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/ecr-events' }).events).toEqual({
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/ecr-events',
      region: 'eu-west-1',
    });
    expect(loadConfig({ ...base, ECRLENS_EVENTS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/events.fifo' }).events).toEqual({
      queueUrl: 'http://127.0.0.1:4566/000000000000/events.fifo',
      region: 'us-east-1',
    });
  });

  it.each([
    ['not a url', 'ecr-events'],
    ['no account in the path', 'https://sqs.us-east-1.amazonaws.com/ecr-events'],
    ['a bad queue name', 'https://sqs.us-east-1.amazonaws.com/123456789012/ecr events'],
    ['another scheme', 'ftp://sqs.us-east-1.amazonaws.com/123456789012/q'],
  ])('fails startup on %s, naming the variable', (_case, value) => {
    expect(errorOf(() => loadConfig({ ...base, ECRLENS_EVENTS_QUEUE_URL: value }))).toContain('ECRLENS_EVENTS_QUEUE_URL: must be an SQS queue URL');
  });
});

describe('demo mode settings', () => {
  it('reads APP_PORT as decimal digits only, as the real mode does', async () => {
    const demo = spawnSidecar(['--demo'], { APP_PORT: '0x1f90' });
    expect(await demo.exited).toBe(2);
    expect(demo.output()).toContain('APP_PORT: must be an integer 0-65535, got "0x1f90"');
  });
});
