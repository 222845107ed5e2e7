/**
 * A local stand-in for the parts of Grafana a frontend data source plugin meets at runtime:
 * - the data source proxy: /api/datasources/proxy/uid/<uid>/<route path>/... is forwarded to the route's URL,
 *   with the route's headers rendered from jsonData and secureJsonData (Grafana renders them with Go templates),
 *   and the browser's own Authorization and Cookie headers dropped, as Grafana does. As in Grafana's
 *   pkg/api/pluginproxy/ds_proxy.go (validateRequest), the first route whose method matches and whose path
 *   prefixes the request path is taken, and its `reqRole` is enforced with a 403 "plugin proxy route access
 *   denied"; X-Grafana-User is dropped and, with send_user_header, set to the signed-in user; X-Forwarded-For
 *   gets the browser's address appended (Go's httputil.ReverseProxy);
 * - the app plugin proxy: /api/plugin-proxy/<app id>/<path> as pkg/api/pluginproxy/pluginproxy.go (HandleRequest)
 *   applies an app's routes: the first route whose method matches ("" and "*" match any) and whose path matches as
 *   Grafana's router tree does (equal segments, `:name` one segment, a final `*` the rest, which is appended to the
 *   route's URL; without `*` the URL is taken as it is), then its `reqRole` (403 "plugin proxy route access denied");
 *   no route: 404 "plugin route match not found". Unlike the data source proxy it passes an upstream 401 through,
 *   and an upstream that cannot be reached (an empty URL template) is a 502 with an empty body;
 * - the app's pages: /a/<app id>/... answered with the app's host page for the signed-in user;
 * - static files: the plugin under /public/plugins/<id>/ and any other folder a test mounts.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, posix } from 'node:path';
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
  /** A Grafana server admin passes every route role, whatever the org role (SignedInUser.HasRole). */
  isGrafanaAdmin?: boolean;
}

/** Grafana's SignedInUser.HasRole: a server admin has every role; otherwise the org role includes the ones below it. */
export const hasRole = (user: SignedInUser, role: OrgRole): boolean => user.isGrafanaAdmin === true || ROLE_RANK[user.role] >= ROLE_RANK[role];

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

/** An app plugin as Grafana holds it: its plugin.json routes and its settings (jsonData, secureJsonData). */
export interface AppPluginOptions {
  id: string;
  routes: PluginRoute[];
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
  /** Not enabled: Grafana answers its proxy with 404. Default enabled. */
  enabled?: boolean;
  /** The HTML of the app's pages (/a/<id>/...: `root`) and of its configuration page (/plugins/<id>: `config`). */
  page?: (user: SignedInUser, settings: AppSettingsDto, view: 'root' | 'config') => string;
}

/** GET /api/plugins/<id>/settings (Grafana's PluginSettingsDTO, reduced): secrets only as which ones are set. */
export interface AppSettingsDto {
  id: string;
  type: 'app';
  enabled: boolean;
  pinned: boolean;
  jsonData: Record<string, unknown>;
  secureJsonFields: Record<string, boolean>;
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
  app?: AppPluginOptions;
}

export interface GrafanaProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Changes the stored secrets, as saving the config page would. */
  setSecureJsonData(values: Record<string, string>): void;
  /** Signs another user in. */
  setUser(user: SignedInUser): void;
  /** Changes the app's settings, as saving its configuration page would. */
  setAppSettings(settings: {
    jsonData?: Record<string, unknown>;
    secureJsonData?: Record<string, string>;
    enabled?: boolean;
  }): void;
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

/** Go's util.CleanRelativePath: path.Clean of the path made absolute, without its leading slash. */
export const cleanRelativePath = (p: string): string => posix.normalize(`/${p}`).replace(/^\/+/, '').replace(/\/+$/, '');

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
  app?: Required<Pick<AppPluginOptions, 'jsonData' | 'secureJsonData' | 'enabled'>>;
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
    app: options.app
      ? {
          jsonData: { ...options.app.jsonData },
          secureJsonData: { ...options.app.secureJsonData },
          enabled: options.app.enabled ?? true,
        }
      : undefined,
  };
  const app = new Hono();
  for (const [uid, base] of Object.entries(options.datasources ?? {})) proxyDatasource(app, uid, base);
  serveAnnotations(app, state);
  proxyPluginRoutes(app, options, state);
  if (options.app) proxyAppRoutes(app, options.app, state, options.sendUserHeader ?? false);
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
    setAppSettings(settings) {
      if (!state.app) throw new Error('no app plugin in this stand-in');
      state.app = {
        jsonData: settings.jsonData ? { ...settings.jsonData } : state.app.jsonData,
        secureJsonData: settings.secureJsonData ? { ...settings.secureJsonData } : state.app.secureJsonData,
        enabled: settings.enabled ?? state.app.enabled,
      };
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
    // Grafana takes the first route whose method matches and whose path prefixes the request path (both cleaned
    // as util.CleanRelativePath does: a plain string prefix), then enforces its role. With no route matched it
    // would proxy to the data source's URL, which ECR Lens leaves empty: nothing is reached either way.
    const route = options.routes.find(
      (r) => (!r.method || r.method === '*' || r.method === c.req.method) && cleanRelativePath(rest).startsWith(cleanRelativePath(r.path)),
    );
    if (route?.reqRole && !hasRole(state.user, route.reqRole)) {
      return c.json({ message: 'plugin proxy route access denied' }, 403);
    }
    if (!route?.url) {
      return c.json({ message: 'Data source route not found' }, 404);
    }
    const base = renderRouteTemplate(route.url, options.jsonData, state.secure).replace(/\/$/, '');
    const target = `${base}${rest.slice(route.path.length)}${url.search}`;
    const userHeader = options.sendUserHeader ? state.user.login : undefined;
    return send(
      c.req.raw,
      rest,
      target,
      route,
      { jsonData: options.jsonData, secure: state.secure },
      userHeader,
      state,
      'datasource',
    );
  });
}

/**
 * Matches a request path against a route path as Grafana's router tree (pkg/web) does: the rest matched by a final
 * `*` (possibly empty), '' for a match without `*`, undefined for no match.
 */
export function matchRoutePath(pattern: string, path: string): string | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/');
  if (got[0] === '') got.shift();
  const star = want.at(-1) === '*';
  const fixed = star ? want.slice(0, -1) : want;
  if (star ? got.length < fixed.length : got.length !== fixed.length) return undefined;
  for (let i = 0; i < fixed.length; i++) {
    const segment = fixed[i]!;
    if (segment.startsWith(':') ? got[i] === '' : segment !== got[i]) return undefined;
  }
  return star ? got.slice(fixed.length).join('/') : '';
}

/** An app's routes under /api/plugin-proxy/<id>/, as pluginproxy.go applies them. */
function proxyAppRoutes(app: Hono, plugin: AppPluginOptions, state: ProxyState, sendUserHeader: boolean): void {
  const prefix = `/api/plugin-proxy/${plugin.id}/`;
  app.all(`${prefix}*`, async (c) => {
    const settings = state.app!;
    if (!settings.enabled) return c.json({ message: 'Plugin not found' }, 404);
    const url = new URL(c.req.url);
    const rest = url.pathname.slice(prefix.length);
    let matched: { route: PluginRoute; tail: string } | undefined;
    for (const route of plugin.routes) {
      if (route.method && route.method !== '*' && route.method !== c.req.method) continue;
      const tail = matchRoutePath(route.path, rest);
      if (tail === undefined) continue;
      if (route.reqRole && !hasRole(state.user, route.reqRole)) {
        return c.json({ message: 'plugin proxy route access denied' }, 403);
      }
      matched = { route, tail };
      break;
    }
    if (!matched?.route.url) return c.json({ message: 'plugin route match not found' }, 404);
    const base = renderRouteTemplate(matched.route.url, settings.jsonData, settings.secureJsonData).replace(/\/$/, '');
    const target = `${base}${matched.tail ? `/${matched.tail}` : ''}${url.search}`;
    const settingsNow = { jsonData: settings.jsonData, secure: settings.secureJsonData };
    return send(
      c.req.raw,
      rest,
      target,
      matched.route,
      settingsNow,
      sendUserHeader ? state.user.login : undefined,
      state,
      'plugin',
    );
  });
  const dto = (): AppSettingsDto => ({
    id: plugin.id,
    type: 'app',
    enabled: state.app!.enabled,
    pinned: true,
    jsonData: state.app!.jsonData,
    secureJsonFields: Object.fromEntries(
      Object.entries(state.app!.secureJsonData)
        .filter(([, v]) => v !== '')
        .map(([k]) => [k, true]),
    ),
  });
  // Grafana's plugin settings API: anyone signed in reads them; only an org Admin writes them. A write replaces
  // jsonData and merges secureJsonData key by key (a secret not sent stays as stored).
  app.get(`/api/plugins/${plugin.id}/settings`, (c) => c.json(dto()));
  app.post(`/api/plugins/${plugin.id}/settings`, async (c) => {
    if (!hasRole(state.user, 'Admin')) return c.json({ message: 'Permission denied' }, 403);
    const body = (await c.req.json()) as { enabled?: boolean; jsonData?: Record<string, unknown>; secureJsonData?: Record<string, string> };
    const current = state.app!;
    state.app = {
      enabled: body.enabled ?? current.enabled,
      jsonData: body.jsonData ?? current.jsonData,
      secureJsonData: { ...current.secureJsonData, ...body.secureJsonData },
    };
    return c.json({ message: 'Plugin settings updated' });
  });
  if (plugin.page) {
    const page = plugin.page;
    app.get(`/a/${plugin.id}/*`, (c) => c.html(page(state.user, dto(), 'root')));
    app.get(`/plugins/${plugin.id}`, (c) => c.html(page(state.user, dto(), 'config')));
  }
}

/** The browser's headers less those Grafana drops, then the route's own (Header.Set), the user and X-Forwarded-For. */
function routeHeaders(
  incoming: Headers,
  route: PluginRoute,
  settings: { jsonData: Record<string, unknown>; secure: Record<string, string> },
  userHeader: string | undefined,
): Headers {
  const headers = new Headers();
  incoming.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name.toLowerCase())) {
      headers.set(name, value);
    }
  });
  // addHeaders (pkg/api/pluginproxy/utils.go) sets each route header: what the browser sent under that name is replaced.
  for (const h of route.headers ?? []) {
    headers.set(h.name, renderRouteTemplate(h.content, settings.jsonData, settings.secure));
  }
  if (userHeader !== undefined) headers.set('x-grafana-user', userHeader);
  const forwarded = incoming.get('x-forwarded-for');
  headers.set('x-forwarded-for', forwarded ? `${forwarded}, 127.0.0.1` : '127.0.0.1');
  return headers;
}

/**
 * Sends a request on through a route and answers as Grafana's proxy does, recording it and the upstream status.
 * The data source proxy (ds_proxy.go) turns an upstream 401 into a 400 and a failed upstream into a JSON 502; the
 * plugin proxy (pluginproxy.go) passes every status through and answers a failed upstream, or a URL without a host,
 * with an empty 502 (Go's ReverseProxy error handler).
 */
async function send(
  request: Request,
  path: string,
  target: string,
  route: PluginRoute,
  settings: { jsonData: Record<string, unknown>; secure: Record<string, string> },
  userHeader: string | undefined,
  state: ProxyState,
  proxy: 'datasource' | 'plugin',
): Promise<Response> {
  const headers = routeHeaders(request.headers, route, settings, userHeader);
  const body = ['GET', 'HEAD'].includes(request.method) ? undefined : await request.arrayBuffer();
  const record: ProxiedRequest = {
    method: request.method,
    path,
    target,
    browserAuthorization: request.headers.get('authorization'),
    upstreamAuthorization: headers.get('authorization'),
    status: 0,
  };
  state.requests.push(record);
  const failed = (err: unknown): Response => {
    record.status = 502;
    return proxy === 'plugin'
      ? new Response(null, { status: 502 })
      : Response.json({ message: 'Bad Gateway', error: String(err) }, { status: 502 });
  };
  if (!/^https?:\/\/[^/]/.test(target)) return failed(new Error(`no host in ${target}`));
  try {
    const upstream = await fetch(target, { method: request.method, headers, body });
    record.status = upstream.status;
    if (upstream.status === 401 && proxy === 'datasource') {
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
    return failed(err);
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
