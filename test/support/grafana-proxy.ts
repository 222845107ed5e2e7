/**
 * A local stand-in for the parts of Grafana a frontend data source plugin meets at runtime:
 * - the data source proxy: /api/datasources/proxy/uid/<uid>/<route path>/... is forwarded to the route's URL,
 *   with the route's headers rendered from jsonData and secureJsonData (Grafana renders them with Go templates),
 *   and the browser's own Authorization and Cookie headers dropped, as Grafana does. As in Grafana's
 *   pkg/api/pluginproxy/ds_proxy.go (validateRequest), the first route whose method matches and whose path
 *   prefixes the request path is taken, and its `reqRole` is enforced with a 403 "plugin proxy route access
 *   denied"; X-Grafana-User is dropped and, with send_user_header, set to the signed-in user; X-Forwarded-For
 *   gets the browser's address appended (Go's httputil.ReverseProxy);
 * - static files: the plugin under /public/plugins/<id>/ and any other folder a test mounts.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';

/** The body of Grafana's data source proxy when the upstream answered 401 (it answers 400). */
export const GRAFANA_DS_AUTH_FAILED = 'Authentication to data source failed';
export interface PluginRoute {
  path: string;
  url?: string;
  method?: string;
  reqRole?: OrgRole;
  headers?: Array<{ name: string; content: string }>;
}

export type OrgRole = 'Viewer' | 'Editor' | 'Admin';
// Grafana's org roles include the ones below them (org.RoleType.Includes).
const ROLE_RANK: Record<OrgRole, number> = { Viewer: 1, Editor: 2, Admin: 3 };

export interface SignedInUser {
  login: string;
  role: OrgRole;
}

export interface ProxiedRequest {
  method: string;
  /** The path the browser asked for, below the proxy prefix. */
  path: string;
  /** The upstream URL the proxy sent it to. */
  target: string;
  /** Authorization as the browser sent it (Grafana never forwards it). */
  browserAuthorization: string | null;
  /** Authorization as the upstream received it. */
  upstreamAuthorization: string | null;
  status: number;
}

export interface GrafanaProxyOptions {
  uid: string;
  routes: PluginRoute[];
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
  /** URL prefix -> directory. */
  mounts: Record<string, string>;
  /** URL path -> HTML. */
  pages?: Record<string, string>;
  /** Who is signed in; default an Admin named admin. */
  user?: SignedInUser;
  /** Grafana's [dataproxy] send_user_header. */
  sendUserHeader?: boolean;
  /**
   * Other data sources by uid -> their URL, proxied as Grafana proxies a data source without routes (Prometheus):
   * `/api/datasources/proxy/uid/<uid>/<path>` -> `<url>/<path>`, GET and POST only.
   */
  datasources?: Record<string, string>;
}

export interface GrafanaProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Changes the stored secrets, as saving the config page would. */
  setSecureJsonData(values: Record<string, string>): void;
  /** Signs another user in. */
  setUser(user: SignedInUser): void;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
};

/** Renders Grafana's route templates: `{{ .JsonData.x }}` and `{{ .SecureJsonData.x }}`. */
export function renderRouteTemplate(
  template: string,
  jsonData: Record<string, unknown>,
  secureJsonData: Record<string, string>,
): string {
  return template.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g, (_m, scope: string, key: string) => {
    const value = scope === 'JsonData' ? jsonData[key] : secureJsonData[key];
    return value === undefined || value === null ? '' : String(value);
  });
}

const NOT_FORWARDED = new Set([
  'host',
  'x-grafana-user',
  'connection',
  'content-length',
  'accept-encoding',
  'authorization',
  'cookie',
  'origin',
  'referer',
]);

/** What the stand-in changes as a test goes: the stored secrets, the signed-in user, the requests it proxied. */
interface ProxyState {
  secure: Record<string, string>;
  user: SignedInUser;
  readonly requests: ProxiedRequest[];
  /** Grafana's own annotation store (what the sidecar posts after a cleanup, and the annotation list reads). */
  readonly annotations: StoredAnnotation[];
}

/** An annotation as Grafana's GET /api/annotations lists it. */
export interface StoredAnnotation {
  id: number;
  time: number;
  timeEnd: number;
  text: string;
  tags: string[];
  login: string;
}

export async function startGrafanaProxy(options: GrafanaProxyOptions): Promise<GrafanaProxy> {
  const state: ProxyState = {
    secure: { ...options.secureJsonData },
    user: options.user ?? { login: 'admin', role: 'Admin' },
    requests: [],
    annotations: [],
  };
  const app = new Hono();
  for (const [uid, base] of Object.entries(options.datasources ?? {})) proxyDatasource(app, uid, base);
  serveAnnotations(app, state);
  proxyPluginRoutes(app, options, state);
  serveFiles(app, options);

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: state.requests,
    setSecureJsonData(values) {
      state.secure = { ...values };
    },
    setUser(next) {
      state.user = { ...next };
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/**
 * Grafana's annotations HTTP API, reduced to what ECR Lens uses: POST /api/annotations (the sidecar's report of an
 * executed cleanup) and GET /api/annotations?tags=&limit= (the annotation list panel), newest first, every tag
 * matching.
 */
function serveAnnotations(app: Hono, state: ProxyState): void {
  app.post('/api/annotations', async (c) => {
    const body = (await c.req.json()) as { time?: number; timeEnd?: number; text?: string; tags?: string[] };
    const time = body.time ?? Date.now();
    const id = state.annotations.length + 1;
    state.annotations.push({
      id,
      time,
      timeEnd: body.timeEnd ?? time,
      text: body.text ?? '',
      tags: body.tags ?? [],
      login: state.user.login,
    });
    return c.json({ message: 'Annotation added', id });
  });
  app.get('/api/annotations', (c) => {
    const tags = c.req.queries('tags') ?? [];
    const limit = Number(c.req.query('limit') ?? 100);
    const matching = state.annotations.filter((a) => tags.every((t) => a.tags.includes(t)));
    return c.json([...matching].sort((a, b) => b.time - a.time).slice(0, limit));
  });
}

/** A data source without routes (Prometheus): Grafana forwards the path to its URL. */
function proxyDatasource(app: Hono, uid: string, base: string): void {
  const prefix = `/api/datasources/proxy/uid/${uid}/`;
  app.on(['GET', 'POST'], `${prefix}*`, async (c) => {
    const url = new URL(c.req.url);
    const target = `${base.replace(/\/$/, '')}/${url.pathname.slice(prefix.length)}${url.search}`;
    const body = c.req.method === 'GET' ? undefined : await c.req.arrayBuffer();
    const type = c.req.header('content-type');
    try {
      const upstream = await fetch(target, {
        method: c.req.method,
        headers: type ? { 'content-type': type } : undefined,
        body,
      });
      const answered = upstream.headers.get('content-type');
      return new Response(await upstream.arrayBuffer(), {
        status: upstream.status,
        headers: answered ? { 'content-type': answered } : {},
      });
    } catch (err) {
      return c.json({ message: 'Bad Gateway', error: String(err) }, 502);
    }
  });
}

/** The plugin's data source: its routes as ds_proxy.go applies them (first match, role, headers, 401 -> 400). */
function proxyPluginRoutes(app: Hono, options: GrafanaProxyOptions, state: ProxyState): void {
  const prefix = `/api/datasources/proxy/uid/${options.uid}/`;
  app.all(`${prefix}*`, async (c) => {
    const url = new URL(c.req.url);
    const rest = url.pathname.slice(prefix.length);
    // Grafana takes the first route whose method matches and whose path prefixes the request path (a plain
    // string prefix), then enforces its role.
    const route = options.routes.find(
      (r) => (!r.method || r.method === '*' || r.method === c.req.method) && rest.startsWith(r.path),
    );
    if (route?.reqRole && ROLE_RANK[state.user.role] < ROLE_RANK[route.reqRole]) {
      return c.json({ message: 'plugin proxy route access denied' }, 403);
    }
    if (!route?.url) {
      return c.json({ message: 'Data source route not found' }, 404);
    }
    const base = renderRouteTemplate(route.url, options.jsonData, state.secure).replace(/\/$/, '');
    const target = `${base}${rest.slice(route.path.length)}${url.search}`;
    const headers = routeHeaders(c.req.raw.headers, route, options, state);
    const body = ['GET', 'HEAD'].includes(c.req.method) ? undefined : await c.req.arrayBuffer();
    const record: ProxiedRequest = {
      method: c.req.method,
      path: rest,
      target,
      browserAuthorization: c.req.header('authorization') ?? null,
      upstreamAuthorization: headers.get('authorization'),
      status: 0,
    };
    state.requests.push(record);
    return forward(target, { method: c.req.method, headers, body }, record);
  });
}

/** The browser's headers less those Grafana drops, then the route's own (Header.Add), the user and X-Forwarded-For. */
function routeHeaders(incoming: Headers, route: PluginRoute, options: GrafanaProxyOptions, state: ProxyState): Headers {
  const headers = new Headers();
  incoming.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name.toLowerCase())) {
      headers.set(name, value);
    }
  });
  for (const h of route.headers ?? []) {
    headers.append(h.name, renderRouteTemplate(h.content, options.jsonData, state.secure));
  }
  if (options.sendUserHeader) headers.set('x-grafana-user', state.user.login);
  const forwarded = incoming.get('x-forwarded-for');
  headers.set('x-forwarded-for', forwarded ? `${forwarded}, 127.0.0.1` : '127.0.0.1');
  return headers;
}

/** Sends the request upstream and answers as Grafana's proxy does, recording the upstream status. */
async function forward(target: string, init: RequestInit, record: ProxiedRequest): Promise<Response> {
  try {
    const upstream = await fetch(target, init);
    record.status = upstream.status;
    if (upstream.status === 401) {
      // Grafana's ds_proxy (pkg/api/pluginproxy) turns an upstream 401 into a 400 with a plain-text body, so
      // that a data source's rejection does not log the Grafana user out. Its body is dropped.
      await upstream.arrayBuffer();
      return new Response(GRAFANA_DS_AUTH_FAILED, {
        status: 400,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    }
    const type = upstream.headers.get('content-type');
    return new Response(await upstream.arrayBuffer(), {
      status: upstream.status,
      headers: type ? { 'content-type': type } : {},
    });
  } catch (err) {
    // What Grafana's proxy answers when the upstream cannot be reached.
    record.status = 502;
    return Response.json({ message: 'Bad Gateway', error: String(err) }, { status: 502 });
  }
}

/** The pages and static files (the plugin's dist, the host page, SystemJS) that Grafana's server serves. */
function serveFiles(app: Hono, options: GrafanaProxyOptions): void {
  app.get('*', async (c) => {
    const path = decodeURIComponent(new URL(c.req.url).pathname);
    const page = options.pages?.[path];
    if (page !== undefined) {
      return c.html(page);
    }
    for (const [mount, dir] of Object.entries(options.mounts)) {
      if (path.startsWith(mount)) {
        const file = normalize(join(dir, path.slice(mount.length)));
        if (!file.startsWith(normalize(dir))) {
          return c.text('Forbidden', 403);
        }
        try {
          const content = await readFile(file);
          return c.body(content, 200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
        } catch {
          return c.text('Not found', 404);
        }
      }
    }
    return c.text('Not found', 404);
  });
}
