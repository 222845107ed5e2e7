import type { BackendSrv, BackendSrvRequest, FetchResponse } from '@grafana/runtime';
import { Observable } from 'rxjs';

/** Grafana's BackendSrv.fetch, reduced to what plugins use: JSON over window.fetch, errors as FetchError. */
export function fetchBackendSrv(): BackendSrv {
  const fetchFn = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      const url = new URL(options.url, window.location.origin);
      for (const [k, v] of Object.entries((options.params ?? {}) as Record<string, unknown>)) {
        if (v !== undefined && v !== null) {
          url.searchParams.set(k, String(v));
        }
      }
      const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
      let body: string | undefined;
      if (options.data !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(options.data);
      }
      window
        .fetch(url, { method: options.method ?? 'GET', headers, body, signal: controller.signal })
        .then(async (res) => {
          const text = await res.text();
          let data: unknown = text;
          try {
            data = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text, as Grafana does
          }
          if (!res.ok) {
            subscriber.error(
              processRequestError({ status: res.status, statusText: res.statusText, data, config: options }),
            );
            return;
          }
          subscriber.next({
            data: data as T,
            status: res.status,
            statusText: res.statusText,
            ok: res.ok,
            headers: res.headers,
            redirected: res.redirected,
            type: res.type,
            url: res.url,
            config: options,
          });
          subscriber.complete();
        })
        .catch((err: unknown) =>
          subscriber.error(
            processRequestError({
              status: 0,
              statusText: String(err),
              data: { message: String(err) },
              config: options,
            }),
          ),
        );
      return () => controller.abort();
    });
  return { fetch: fetchFn } as unknown as BackendSrv;
}

interface FetchFailure {
  status: number;
  statusText: string;
  data: unknown;
  config: BackendSrvRequest;
}

/**
 * As Grafana's BackendSrv.processRequestError (public/app/core/services/backend_srv.ts): `data` is always an
 * object with a message; a text body becomes { message, error: statusText, response }.
 */
function processRequestError(err: FetchFailure): FetchFailure {
  let data = err.data ?? { message: 'Unexpected error' };
  if (typeof data === 'string') {
    data = { message: data, error: err.statusText, response: data };
  }
  const record = data as { message?: unknown; error?: unknown };
  if (!record.message && typeof record.error === 'string') {
    record.message = record.error;
  }
  return { ...err, data };
}
