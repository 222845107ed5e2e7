import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { ErrorBody } from '@ecr-lens/contract';
import type { z } from 'zod';

/** An error body as the sidecar sends it; a proxy in between may send only part of it. */
export type SidecarErrorBody = Partial<ErrorBody>;
const ErrorBodyShape = ErrorBody.partial();

/**
 * Grafana's data source proxy answers an upstream 401 with a 400 and this text (pkg/api/pluginproxy/ds_proxy.go),
 * and BackendSrv makes a text body `{ message }`.
 */
export const GRAFANA_AUTH_FAILED = 'Authentication to data source failed';

/** The name of the plugin.json route that forwards to the sidecar and adds its token. */
export const SIDECAR_ROUTE = 'sidecar';

/** An HTTP failure talking to the sidecar, with the sidecar's own words when it gave any. */
export class SidecarError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly body: SidecarErrorBody | undefined,
    /** The answer's body as it came (a 409 carries more than the error fields). */
    readonly data?: unknown
  ) {
    super(message);
    this.name = 'SidecarError';
  }

  get unreachable(): boolean {
    // Grafana's proxy answers 502 when the upstream refuses, 504 on timeout; 0 means no response at all.
    return (
      this.status === undefined ||
      this.status === 0 ||
      this.status === 502 ||
      this.status === 503 ||
      this.status === 504
    );
  }

  /** The sidecar rejected the token: 401 directly, or the 400 Grafana's data source proxy answers in its place. */
  get unauthorized(): boolean {
    return this.status === 401 || (this.status === 400 && this.body?.message === GRAFANA_AUTH_FAILED);
  }
}

function errorBodyOf(v: unknown): SidecarErrorBody | undefined {
  const parsed = ErrorBodyShape.safeParse(v);
  return parsed.success && (parsed.data.message !== undefined || parsed.data.error !== undefined)
    ? parsed.data
    : undefined;
}

/** The sidecar's message, plus the fields it names, in one line. */
export function sidecarMessage(body: SidecarErrorBody | undefined, fallback: string): string {
  if (!body) {
    return fallback;
  }
  const main = body.message ?? body.error ?? fallback;
  const issues = (body.issues ?? [])
    .map((i) => (i.path ? `${i.path}: ${i.message ?? 'invalid'}` : i.message))
    .filter((text): text is string => Boolean(text) && !main.includes(text as string));
  return issues.length > 0 ? `${main} (${issues.join('; ')})` : main;
}

const TOKEN_REJECTED =
  "The sidecar rejected the API token: set the data source's API token to the sidecar's SIDECAR_API_TOKEN.";

function toSidecarError(err: unknown): SidecarError {
  if (err instanceof SidecarError) {
    return err;
  }
  if (isFetchError(err)) {
    const body = errorBodyOf(err.data);
    const fallback = `Request to the sidecar failed${err.status ? ` with HTTP ${err.status}` : ''}${err.statusText ? ` (${err.statusText})` : ''}`;
    const error = new SidecarError(sidecarMessage(body, fallback), err.status, body, err.data);
    // One test of "the token was rejected" (SidecarError.unauthorized), whichever way Grafana said it.
    return error.unauthorized ? new SidecarError(TOKEN_REJECTED, err.status, body, err.data) : error;
  }
  return new SidecarError(err instanceof Error ? err.message : String(err), undefined, undefined);
}

/**
 * Calls the sidecar through a Grafana proxy route: `<proxy url>/<route>/<path>`, where the proxy URL is the data
 * source's (`/api/datasources/proxy/uid/<uid>`) or the app's (`/api/plugin-proxy/<app id>`).
 */
export class SidecarClient {
  constructor(
    private readonly instanceUrl: string,
    private readonly route: string = SIDECAR_ROUTE
  ) {}

  get baseUrl(): string {
    return `${this.instanceUrl}/${this.route}`;
  }

  /** GETs `path` and checks the answer against the contract's `schema`. */
  async get<S extends z.ZodType>(
    path: string,
    schema: S,
    params?: Record<string, string | number | undefined>
  ): Promise<z.output<S>> {
    return this.checked(
      path,
      schema,
      await this.send({ method: 'GET', url: `${this.baseUrl}${path}`, params: dropUndefined(params) })
    );
  }

  /** POSTs `data` to `path` and checks the answer against the contract's `schema`. */
  async post<S extends z.ZodType>(path: string, data: unknown, schema: S, requestId?: string): Promise<z.output<S>> {
    return this.checked(
      path,
      schema,
      await this.send({ method: 'POST', url: `${this.baseUrl}${path}`, data, requestId })
    );
  }

  // The sidecar's answer is external input: a sidecar of another version, or a proxy answering for it, must
  // give a clear error, not a panel that breaks somewhere later.
  private checked<S extends z.ZodType>(path: string, schema: S, body: unknown): z.output<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) {
      return parsed.data;
    }
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    // 200: something answered, so the sidecar is not "unreachable"; the message says what is wrong.
    throw new SidecarError(
      `The sidecar's answer to ${path} is not what this plugin expects (${where}${issue?.message ?? 'invalid'}). Are the sidecar and the plugin of the same version?`,
      200,
      undefined
    );
  }

  private async send(options: {
    method: string;
    url: string;
    data?: unknown;
    params?: Record<string, string | number>;
    requestId?: string;
  }): Promise<unknown> {
    try {
      const response = await lastValueFrom(
        getBackendSrv().fetch<unknown>({ ...options, showErrorAlert: false, showSuccessAlert: false })
      );
      return response.data;
    } catch (err) {
      throw toSidecarError(err);
    }
  }
}

function dropUndefined(
  params?: Record<string, string | number | undefined>
): Record<string, string | number> | undefined {
  if (!params) {
    return undefined;
  }
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') {
      out[k] = v;
    }
  }
  return out;
}
