/** Request validation and page tokens shared by the ECR and ECS handlers. */
import type { z } from 'zod';
import { AwsError, invalidParameter } from './errors.js';

/** What a handler knows about the call besides its input. */
export interface CallContext {
  /** The caller's account, from the SigV4 access key. */
  readonly accountId: string;
  /** The region, from the SigV4 credential scope. */
  readonly region: string;
  /** Epoch ms. */
  now(): number;
  /** Called with the 1-based page number a paginated call is about to return (for page faults). */
  onPage(page: number): void;
}

/** Validates an operation's input; messages follow AWS's "Invalid parameter at ..." style. */
export function parseInput<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const at = issue.path.join('.') || 'body';
  let constraint: string;
  if (issue.code === 'invalid_type' && (issue.input === undefined || issue.input === null))
    constraint = 'Member must not be null';
  else if (issue.code === 'too_big')
    constraint = `Member must have ${issue.origin === 'number' ? 'value' : 'length'} less than or equal to ${String(issue.maximum)}`;
  else if (issue.code === 'too_small')
    constraint = `Member must have ${issue.origin === 'number' ? 'value' : 'length'} greater than or equal to ${String(issue.minimum)}`;
  else constraint = issue.message;
  throw invalidParameter(`Invalid parameter at '${at}' failed to satisfy constraint: '${constraint}'`);
}

export interface Cursor {
  /** 1-based number of the page this token asks for. */
  readonly page: number;
  /** Position to resume from in the underlying list. */
  readonly pos: number;
  /** Position inside the item at `pos` (ListImages: tag index). */
  readonly sub: number;
}

/** Decodes an opaque nextToken; tokens are bound to the operation and target that issued them. */
export function decodeToken(scope: string, token: string | undefined): Cursor {
  if (token === undefined) return { page: 1, pos: 0, sub: 0 };
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { s, p, i, j } = value;
    if (s === scope && isCount(p) && p >= 2 && isCount(i) && isCount(j)) return { page: p, pos: i, sub: j };
  } catch {
    // fall through
  }
  throw new AwsError('InvalidParameterException', 'Invalid NextToken');
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export function encodeToken(scope: string, cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ s: scope, p: cursor.page, i: cursor.pos, j: cursor.sub })).toString('base64url');
}

/**
 * Pages over a list with holes or filtered-out items: returns up to `limit` items from the cursor on,
 * plus the token for the rest (undefined when done).
 */
export function pageOf<T, R>(
  scope: string,
  ctx: CallContext,
  items: readonly (T | undefined)[],
  token: string | undefined,
  limit: number,
  map: (item: T) => R | undefined,
): { items: R[]; nextToken?: string } {
  const cursor = decodeToken(scope, token);
  ctx.onPage(cursor.page);
  const out: R[] = [];
  let i = cursor.pos;
  for (; i < items.length && out.length < limit; i++) {
    const item = items[i];
    if (item === undefined) continue;
    const mapped = map(item);
    if (mapped !== undefined) out.push(mapped);
  }
  // Skip trailing holes and misses so that the last page does not carry a token to an empty page.
  let more = false;
  for (let k = i; k < items.length; k++) {
    const item = items[k];
    if (item !== undefined && map(item) !== undefined) {
      more = true;
      i = k;
      break;
    }
  }
  return more
    ? { items: out, nextToken: encodeToken(scope, { page: cursor.page + 1, pos: i, sub: 0 }) }
    : { items: out };
}

/** Rejects nextToken/maxResults together with explicit id lists, as AWS does. */
export function rejectPagingWithIds(
  hasIds: boolean,
  input: { nextToken?: unknown; maxResults?: unknown },
  idsName: string,
): void {
  if (hasIds && (input.nextToken !== undefined || input.maxResults !== undefined))
    throw invalidParameter(`nextToken and maxResults cannot be used with ${idsName}`);
}
