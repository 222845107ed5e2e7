import { dateTime, type DataQueryRequest, type DataSourceInstanceSettings, type ScopedVars } from '@grafana/data';
import {
  setBackendSrv,
  setTemplateSrv,
  type BackendSrv,
  type BackendSrvRequest,
  type TemplateSrv,
} from '@grafana/runtime';
import { of, throwError } from 'rxjs';

import { DataSource } from '../datasource';
import type { EcrDataSourceOptions, EcrQuery } from '../types';

export const INSTANCE_URL = '/api/datasources/proxy/uid/ecr-lens';

export function instanceSettings(): DataSourceInstanceSettings<EcrDataSourceOptions> {
  return {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- still required by the 12.4 type
    id: 1,
    uid: 'ecr-lens',
    type: 'ecrlens-ecr-datasource',
    name: 'ECR Lens',
    url: INSTANCE_URL,
    access: 'proxy',
    readOnly: false,
    jsonData: { sidecarUrl: 'http://sidecar:8080' },
    meta: {} as DataSourceInstanceSettings['meta'],
  };
}

/** A canned answer per request: a body (HTTP 200) or an HTTP failure as Grafana's fetch reports it. */
export type Reply = { status?: number; data: unknown };
export type Responder = (req: BackendSrvRequest) => Reply;

/** Installs a BackendSrv whose fetch answers from `responder` and records each request. */
export function fakeBackend(responder: Responder): BackendSrvRequest[] {
  const requests: BackendSrvRequest[] = [];
  const fetch = (req: BackendSrvRequest) => {
    requests.push(req);
    const reply = responder(req);
    const status = reply.status ?? 200;
    if (status >= 400 || status === 0) {
      return throwError(() => ({ status, statusText: '', data: reply.data, config: req }));
    }
    return of({
      data: reply.data,
      status,
      ok: true,
      statusText: 'OK',
      headers: new Headers(),
      redirected: false,
      type: 'basic',
      url: req.url,
      config: req,
    });
  };
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return requests;
}

/** A TemplateSrv over fixed variables, applying the caller's multi-value formatter like Grafana does. */
export function fakeTemplateSrv(vars: Record<string, string | string[]>): TemplateSrv {
  const srv = {
    getVariables: () => Object.keys(vars).map((name) => ({ name })),
    containsTemplate: (t?: string) => Boolean(t && /\$\w+|\$\{\w+\}/.test(t)),
    updateTimeRange: () => undefined,
    replace: (text = '', scopedVars?: ScopedVars, format?: string | Function) =>
      text.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, a?: string, b?: string) => {
        const name = (a ?? b) as string;
        const scoped = scopedVars?.[name]?.value;
        const value = scoped !== undefined ? scoped : vars[name];
        if (value === undefined) {
          return match;
        }
        return typeof format === 'function' ? format(value) : Array.isArray(value) ? value.join(',') : String(value);
      }),
  };
  setTemplateSrv(srv as unknown as TemplateSrv);
  return srv as unknown as TemplateSrv;
}

export function newDataSource(): DataSource {
  return new DataSource(instanceSettings());
}

export const RANGE_FROM = Date.UTC(2026, 0, 1);
export const RANGE_TO = Date.UTC(2026, 0, 31);

export function queryRequest(targets: EcrQuery[], scopedVars: ScopedVars = {}): DataQueryRequest<EcrQuery> {
  const from = dateTime(RANGE_FROM);
  const to = dateTime(RANGE_TO);
  return {
    requestId: 'Q1',
    interval: '1m',
    intervalMs: 60_000,
    range: { from, to, raw: { from, to } },
    scopedVars,
    targets,
    timezone: 'utc',
    app: 'dashboard',
    startTime: 0,
  };
}
