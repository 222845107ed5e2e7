/**
 * A local stand-in for the parts of Grafana a frontend data source plugin meets at runtime:
 * - the data source proxy: /api/datasources/proxy/uid/<uid>/<route path>/... is forwarded to the route's URL,
 *   with the route's headers rendered from jsonData and secureJsonData (Grafana renders them with Go templates),
 *   and the browser's own Authorization and Cookie headers dropped, as Grafana does;
 * - static files: the plugin under /public/plugins/<id>/ and any other folder a test mounts.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';

export interface PluginRoute {
  path: string;
  url?: string;
  method?: string;
  headers?: Array<{ name: string; content: string }>;
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
}

export interface GrafanaProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Changes the stored secrets, as saving the config page would. */
  setSecureJsonData(values: Record<string, string>): void;
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

const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'content-length',
  'accept-encoding',
  'authorization',
  'cookie',
  'origin',
  'referer',
]);

export async function startGrafanaProxy(options: GrafanaProxyOptions): Promise<GrafanaProxy> {
  let secure = { ...options.secureJsonData };
  const requests: ProxiedRequest[] = [];
  const app = new Hono();
  const prefix = `/api/datasources/proxy/uid/${options.uid}/`;

  app.all(`${prefix}*`, async (c) => {
    const url = new URL(c.req.url);
    const rest = url.pathname.slice(prefix.length);
    // Grafana picks the first route whose path prefixes the request path.
    const route = options.routes.find((r) => rest === r.path || rest.startsWith(`${r.path}/`));
    if (!route?.url) {
      return c.json({ message: 'Data source route not found' }, 404);
    }
    const base = renderRouteTemplate(route.url, options.jsonData, secure).replace(/\/$/, '');
    const target = `${base}${rest.slice(route.path.length)}${url.search}`;
    const headers = new Headers();
    c.req.raw.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name.toLowerCase())) {
        headers.set(name, value);
      }
    });
    for (const h of route.headers ?? []) {
      headers.set(h.name, renderRouteTemplate(h.content, options.jsonData, secure));
    }
    const body = ['GET', 'HEAD'].includes(c.req.method) ? undefined : await c.req.arrayBuffer();
    const record: ProxiedRequest = {
      method: c.req.method,
      path: rest,
      target,
      browserAuthorization: c.req.header('authorization') ?? null,
      upstreamAuthorization: headers.get('authorization'),
      status: 0,
    };
    requests.push(record);
    try {
      const upstream = await fetch(target, { method: c.req.method, headers, body });
      record.status = upstream.status;
      const out = new Headers();
      const type = upstream.headers.get('content-type');
      if (type) {
        out.set('content-type', type);
      }
      return new Response(await upstream.arrayBuffer(), { status: upstream.status, headers: out });
    } catch (err) {
      // What Grafana's proxy answers when the upstream cannot be reached.
      record.status = 502;
      return c.json({ message: 'Bad Gateway', error: String(err) }, 502);
    }
  });

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

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setSecureJsonData(values) {
      secure = { ...values };
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
