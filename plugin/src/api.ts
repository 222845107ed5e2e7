import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import type { SidecarErrorBody } from './sidecar';

/** The name of the plugin.json route that forwards to the sidecar and adds its token. */
export const SIDECAR_ROUTE = 'sidecar';

/** An HTTP failure talking to the sidecar, with the sidecar's own words when it gave any. */
export class SidecarError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly body: SidecarErrorBody | undefined
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

  get unauthorized(): boolean {
    return this.status === 401;
  }
}

const isErrorBody = (v: unknown): v is SidecarErrorBody =>
  typeof v === 'object' && v !== null && ('message' in v || 'error' in v);

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

function toSidecarError(err: unknown): SidecarError {
  if (err instanceof SidecarError) {
    return err;
  }
  if (isFetchError(err)) {
    const body = isErrorBody(err.data) ? err.data : undefined;
    const fallback =
      err.status === 401
        ? 'The sidecar rejected the API token'
        : `Request to the sidecar failed${err.status ? ` with HTTP ${err.status}` : ''}${err.statusText ? ` (${err.statusText})` : ''}`;
    return new SidecarError(sidecarMessage(body, fallback), err.status, body);
  }
  return new SidecarError(err instanceof Error ? err.message : String(err), undefined, undefined);
}

/** Calls the sidecar through Grafana's data source proxy: `<instance url>/sidecar/<path>`. */
export class SidecarClient {
  constructor(private readonly instanceUrl: string) {}

  get baseUrl(): string {
    return `${this.instanceUrl}/${SIDECAR_ROUTE}`;
  }

  async get<T>(path: string, params?: Record<string, string | number | undefined>): Promise<T> {
    return this.send<T>({ method: 'GET', url: `${this.baseUrl}${path}`, params: dropUndefined(params) });
  }

  async post<T>(path: string, data: unknown, requestId?: string): Promise<T> {
    return this.send<T>({ method: 'POST', url: `${this.baseUrl}${path}`, data, requestId });
  }

  private async send<T>(options: {
    method: string;
    url: string;
    data?: unknown;
    params?: Record<string, string | number>;
    requestId?: string;
  }): Promise<T> {
    try {
      const response = await lastValueFrom(
        getBackendSrv().fetch<T>({ ...options, showErrorAlert: false, showSuccessAlert: false })
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
