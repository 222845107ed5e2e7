import type { MiddlewareHandler } from 'hono';
import type { Inventory } from '../refresh/inventory.js';
import type { Logger } from './deps.js';
import { badRequest, errorJson } from './errors.js';

/**
 * One log line per request: method, path (no query string), status, duration. Headers are never logged. A 503
 * while the first snapshot loads (`starting`) is expected, so it is logged at debug level.
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
