/**
 * Posts a Grafana annotation summarising a cleanup run. Best effort: a failure is returned, never thrown.
 * The error reaches the execute response, the audit and the log, so it names the endpoint only as
 * `redactUrl` shows it and masks the token and the URL's credentials.
 */
import { redactText } from '../../log.js';
import { redactUrl, urlCredentials } from '../../secrets.js';

export interface GrafanaTarget {
  /** An http(s) URL (validated at startup). Its user:password authenticates (basic) only when there is no token. */
  readonly url: string;
  readonly token?: string;
}

export interface GrafanaAnnotation {
  readonly time: number;
  readonly text: string;
  readonly tags: readonly string[];
}

export type GrafanaPoster = (target: GrafanaTarget, annotation: GrafanaAnnotation) => Promise<{ ok: true } | { ok: false; error: string }>;

export const GRAFANA_TAGS = ['ecr-lens', 'cleanup'] as const;

/** The annotations endpoint under the base URL's path, credentials kept (for redactUrl to mask them). */
function endpointOf(base: string): URL {
  const url = new URL(base);
  let path = url.pathname;
  while (path.endsWith('/')) path = path.slice(0, -1);
  url.pathname = `${path}/api/annotations`;
  return url;
}

/** An error's message and cause (fetch says only "fetch failed"), with every secret of the target masked. */
function errorText(error: unknown, target: GrafanaTarget): string {
  const text =
    error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
  return redactText(text, [...(target.token ? [target.token] : []), ...urlCredentials(target.url)]);
}

export const postGrafanaAnnotation: GrafanaPoster = async (target, annotation) => {
  let shown = '(invalid URL)';
  try {
    const endpoint = endpointOf(target.url);
    shown = redactUrl(endpoint);
    // fetch refuses a URL with credentials: they go in the Authorization header when no token is given.
    const basic = Buffer.from(`${decodeURIComponent(endpoint.username)}:${decodeURIComponent(endpoint.password)}`).toString('base64');
    endpoint.username = '';
    endpoint.password = '';
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: target.token ? `Bearer ${target.token}` : `Basic ${basic}` },
      body: JSON.stringify(annotation),
      signal: AbortSignal.timeout(5_000),
    });
    await response.body?.cancel();
    if (!response.ok) return { ok: false, error: `POST ${shown}: Grafana answered HTTP ${response.status}` };
    return { ok: true };
  } catch (error) {
    return { ok: false, error: `POST ${shown}: ${errorText(error, target)}` };
  }
};
