/**
 * The one place that knows which configured values are secret: tokens, AWS keys, and the user:password of
 * every URL setting. The logger masks them (main.ts, server.ts, the demo); what is not logged (audit records,
 * responses, the startup banner) never receives a raw URL setting, only `redactUrl`'s rendering of it.
 */
type Env = Readonly<Record<string, string | undefined>>;

/** Variables whose whole value is secret. The AWS ones are read by the SDK, not by the configuration. */
export const SECRET_ENV_VARS: readonly string[] = [
  'SIDECAR_API_TOKEN',
  'SIDECAR_ADMIN_TOKEN',
  'METRICS_TOKEN',
  'GRAFANA_TOKEN',
  'KUBERNETES_PROMETHEUS_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/**
 * Variables holding a URL, or comma-separated URLs and paths, whose credentials are secret: the settings
 * (GRAFANA_URL, KUBERNETES_PROMETHEUS_URL, IN_USE_KEEP_LISTS) and what the AWS SDK and Node read
 * (AWS_ENDPOINT_URL and every AWS_ENDPOINT_URL_<SERVICE>, the proxy variables).
 */
export function isUrlEnvVar(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    ['GRAFANA_URL', 'KUBERNETES_PROMETHEUS_URL', 'IN_USE_KEEP_LISTS', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY'].includes(upper) ||
    upper.startsWith('AWS_ENDPOINT_URL')
  );
}

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray % (URL keeps it as written): the text is what would be shown
  }
};

/**
 * The secrets in a URL's userinfo: the whole userinfo and the password, as URL serialises them and
 * percent-decoded. Beside a password, the user name alone is not secret (masking "admin" would mangle every
 * log line); without one, the user name is the whole userinfo, often a token (`https://<token>@host/`).
 */
export function urlCredentials(raw: string | undefined): string[] {
  if (!raw || !URL.canParse(raw)) return [];
  const { username, password } = new URL(raw);
  if (!password) return username ? [username, decoded(username)] : [];
  return [`${username}:${password}`, `${decoded(username)}:${decoded(password)}`, password, decoded(password)];
}

/**
 * A URL to show: its credentials replaced by `***` (`https://***@grafana.example/`), or dropped, and every
 * query value masked (pre-signed URLs carry signatures there). What does not parse is not echoed at all:
 * it may hold credentials where URL could not find them.
 */
export function redactUrl(raw: string | URL, credentials: 'mask' | 'drop' = 'mask'): string {
  if (typeof raw === 'string' && !URL.canParse(raw)) return '(invalid URL)';
  const url = new URL(raw);
  const had = url.username !== '' || url.password !== '';
  url.username = had && credentials === 'mask' ? '***' : '';
  url.password = '';
  for (const key of new Set(url.searchParams.keys())) url.searchParams.set(key, 'redacted');
  return url.toString();
}

/** The secrets among environment variables, before (or without) a loaded configuration. */
export function envSecrets(env: Env): string[] {
  const found: (string | undefined)[] = SECRET_ENV_VARS.flatMap((name) => [env[name], env[name]?.trim()]);
  for (const [name, value] of Object.entries(env)) {
    if (value && isUrlEnvVar(name)) found.push(...value.split(',').flatMap((part) => urlCredentials(part.trim())));
  }
  return distinct(found);
}

/**
 * Every secret of a configuration (the YAML file can set some) and of the environment it was read from:
 * what the logger masks. Longest first, so a secret containing another is masked whole.
 */
/**
 * The parts of a configuration (config.ts AppConfig) that hold secrets. Declared here, not imported, so this
 * module stays below config.ts and the sources that use it (uses/) make no circle through config.ts.
 */
export interface SecretBearingConfig {
  readonly apiToken?: string;
  readonly adminToken?: string;
  readonly metrics: { readonly METRICS_TOKEN?: string };
  readonly cleanup: { readonly execution: { readonly adminToken?: string; readonly grafana?: { readonly url: string; readonly token?: string } } };
  readonly uses: { readonly kubernetes?: { readonly url: string; readonly bearerToken?: string }; readonly keepLists?: { readonly lists: readonly string[] } };
}

export function configSecrets(config: SecretBearingConfig, env: Env = {}): string[] {
  const { execution } = config.cleanup;
  const { kubernetes, keepLists } = config.uses;
  return distinct([
    config.apiToken,
    config.adminToken,
    execution.adminToken,
    config.metrics.METRICS_TOKEN,
    execution.grafana?.token,
    ...urlCredentials(execution.grafana?.url),
    kubernetes?.bearerToken,
    ...urlCredentials(kubernetes?.url),
    ...(keepLists?.lists ?? []).flatMap(urlCredentials),
    ...envSecrets(env),
  ]);
}

function distinct(values: readonly (string | undefined)[]): string[] {
  const set = new Set(values.filter((s): s is string => typeof s === 'string' && s.length > 0));
  return [...set].sort((a, b) => b.length - a.length);
}
