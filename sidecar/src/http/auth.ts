import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { errorJson } from './errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Constant-time comparison: both sides hashed to equal-length digests first, so length leaks nothing. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  const ok = timingSafeEqual(digest(presented ?? ''), digest(expected));
  return ok && presented !== undefined;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** 401 JSON unless the request carries the token. The token is never echoed or logged. */
export function requireBearer(token: string): MiddlewareHandler {
  return async (c, next) => {
    if (!tokenMatches(bearerToken(c.req.header('authorization')), token)) {
      c.header('WWW-Authenticate', 'Bearer realm="ecr-lens"');
      return errorJson(c, 401, 'unauthorized', 'missing or invalid bearer token');
    }
    await next();
    return undefined;
  };
}
