import type { MiddlewareHandler } from 'hono';
import type { Inventory } from '../snapshot/inventory.js';
import type { Logger } from './deps.js';
import { badRequest, errorJson } from './errors.js';

/**
 * One log line per request: method, path (no query string), status, duration. Headers are never logged. A 503
 * while the first snapshot loads (`starting`) is expected, so it is logged at debug level. The query string,
 * where a client may put `?token=`, is never logged; a token in the path (/metrics/<token>) is masked by the
 * logger, which is given every configured secret (secrets.ts).
 */
export function requestLogger(logger: Logger, starting: () => boolean = () => false): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const fields = { method: c.req.method, path: c.req.path, status: c.res.status, durationMs: Math.round(performance.now() - started) };
    if (c.res.status === 503 && starting()) logger.debug('request', fields);
    else if (c.res.status >= 500) logger.error('request', fields);
    else if (c.res.status >= 400) logger.info('request', fields);
    else logger.debug('request', fields);
  };
}

/** 503 JSON until the first snapshot is loaded: data routes never answer from an empty inventory. */
export function requireReady(inventory: Inventory): MiddlewareHandler {
  return async (c, next) => {
    if (!inventory.status().ready) {
      c.header('Retry-After', '5');
      return errorJson(c, 503, 'not_ready', 'the first inventory snapshot is not loaded yet');
    }
    await next();
    return undefined;
  };
}

/** Names that would reach an object's prototype when a query string becomes an object: never parameters. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** 400 naming a query parameter such as `__proto__`, which parsing into an object would silently drop or misuse. */
export function refusePrototypeKeys(): MiddlewareHandler {
  return async (c, next) => {
    const query = c.req.url.indexOf('?');
    if (query >= 0) {
      for (const key of new URLSearchParams(c.req.url.slice(query + 1)).keys()) {
        if (PROTOTYPE_KEYS.has(key)) return badRequest(c, [{ path: key, message: 'not a parameter' }]);
      }
    }
    await next();
    return undefined;
  };
}

/** Longest request target served; longer ones get a JSON 414 (the server lets headers up to 64 KiB through to say so). */
export const MAX_URL_BYTES = 16 * 1024;

/** 414 for an oversized URL; 415 for a body whose declared charset is not UTF-8 (it would be misread as UTF-8). */
export function requestShape(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.url.length > MAX_URL_BYTES) return errorJson(c, 414, 'uri_too_long', `the URL is longer than ${MAX_URL_BYTES} bytes`);
    const type = c.req.header('content-type');
    const charset = type ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase() : undefined;
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
      return errorJson(c, 415, 'unsupported_media_type', `charset ${charset.slice(0, 40)} is not supported: send UTF-8`);
    await next();
    return undefined;
  };
}
