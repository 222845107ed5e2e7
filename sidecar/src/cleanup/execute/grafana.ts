/**
 * Posts a Grafana annotation summarising a cleanup run. Best effort: a failure is returned, never thrown.
 * The error reaches the execute response, the audit and the log, so it names the endpoint only as
 * `redactUrl` shows it and masks the token and the URL's credentials.
 */
import { z } from 'zod';
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

/** `id`: the annotation's id, as Grafana answered it (absent when its answer did not say). */
export type GrafanaPoster = (target: GrafanaTarget, annotation: GrafanaAnnotation) => Promise<{ ok: true; id?: number } | { ok: false; error: string }>;

/** Grafana answers POST /api/annotations with `{"message":"Annotation added","id":N}`. */
const AnnotationAdded = z.object({ id: z.number().int().nonnegative() });
/** More than an id takes: the rest of an answer is not read. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The annotation id in Grafana's answer, reading at most MAX_ANSWER_BYTES of it. */
async function annotationId(response: Response): Promise<number | undefined> {
  if (!response.body) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const bytes = chunk as Uint8Array;
    size += bytes.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      // Leaving the loop cancels the rest of the body.
      return undefined;
    }
    chunks.push(bytes);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = AnnotationAdded.safeParse(json);
  return parsed.success ? parsed.data.id : undefined;
}

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
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `POST ${shown}: Grafana answered HTTP ${response.status}` };
    }
    const id = await annotationId(response);
    return id === undefined ? { ok: true } : { ok: true, id };
  } catch (error) {
    return { ok: false, error: `POST ${shown}: ${errorText(error, target)}` };
  }
};
