/**
 * Lambda over restJson1 (`GET /2015-03-31/functions/...`): ListFunctions, ListVersionsByFunction, ListAliases
 * and GetFunction. Errors are Lambda's: `x-amzn-ErrorType` plus `{Type, Message}` (404 for a missing
 * function, version or alias), 429 TooManyRequestsException with `{Reason, Type, message}` when throttled,
 * 500 ServiceException, and Coral's ValidationException for out-of-range parameters.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Controls } from './controls.js';
import { AwsError } from './errors.js';
import { functionNotFound, parseFunctionRef, resolveQualifier, unqualifiedArn } from './lambda-names.js';
import type { FunctionRef } from './lambda-names.js';
import { codeLocation, configuration } from './lambda-render.js';
import type { AliasRecord, FunctionState, PublishedVersion } from './lambda-state.js';
import type { CallContext } from './request.js';
import { decodeToken, pageOf } from './request.js';
import type { EmulatorStore } from './store.js';

export const LAMBDA_PREFIX = '/2015-03-31/functions';
/** ListFunctions and ListVersionsByFunction return at most 50 items per page whatever MaxItems says (AWS docs). */
export const LAMBDA_PAGE_MAX = 50;

export const isLambdaPath = (path: string): boolean => path === LAMBDA_PREFIX || path.startsWith(`${LAMBDA_PREFIX}/`);

export interface LambdaCall {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly accountId: string;
  readonly region: string;
  readonly requestId: string;
  readonly now: () => number;
}

export interface LambdaReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

type Query = Readonly<Record<string, string>>;
type Handler = (store: EmulatorStore, functionName: string | undefined, query: Query, ctx: CallContext) => unknown;

const validation = (field: string, value: unknown, constraint: string): AwsError =>
  new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );

const maxItems = z.coerce
  .number()
  .int()
  .min(1, 'Member must have value greater than or equal to 1')
  .max(10000, 'Member must have value less than or equal to 10000')
  .optional();
const marker = z.string().max(4096).optional();
const versionFilter = z
  .string()
  .regex(/^(?:\$LATEST|[0-9]{1,10})$/, 'Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)');

const ListFunctionsQuery = z.object({
  FunctionVersion: z.literal('ALL', 'Member must satisfy enum value set: [ALL]').optional(),
  MasterRegion: z
    .string()
    .regex(
      /^(?:ALL|[a-z]{2}(?:-gov)?-[a-z]+-\d)$/,
      'Member must satisfy regular expression pattern: ALL|[a-z]{2}(-gov)?-[a-z]+-\\d{1}',
    )
    .optional(),
  Marker: marker,
  MaxItems: maxItems,
});
const ListVersionsQuery = z.object({ Marker: marker, MaxItems: maxItems });
const ListAliasesQuery = z.object({ FunctionVersion: versionFilter.optional(), Marker: marker, MaxItems: maxItems });
const GetFunctionQuery = z.object({
  Qualifier: z
    .string()
    .regex(/^[a-zA-Z0-9$_-]{1,128}$/, 'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)')
    .optional(),
});

function parseQuery<T>(schema: z.ZodType<T>, query: Query): T {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = String(issue.path[0] ?? 'query');
  throw validation(key.charAt(0).toLowerCase() + key.slice(1), query[key], issue.message);
}

/** Pages as Lambda does: an opaque Marker, at most 50 items, NextMarker absent on the last page. */
function paged<T, R>(
  scope: string,
  ctx: CallContext,
  items: readonly T[],
  token: string | undefined,
  max: number | undefined,
  map: (item: T) => R,
) {
  try {
    decodeToken(scope, token);
  } catch {
    throw new AwsError('InvalidParameterValueException', 'Invalid Marker');
  }
  const page = pageOf(scope, ctx, items, token, Math.min(max ?? LAMBDA_PAGE_MAX, LAMBDA_PAGE_MAX), map);
  return { items: page.items, ...(page.nextToken ? { NextMarker: page.nextToken } : {}) };
}

function findFunction(store: EmulatorStore, ctx: CallContext, ref: FunctionRef): FunctionState {
  const accountId = ref.accountId ?? ctx.accountId;
  const region = ref.region ?? ctx.region;
  // A regional endpoint serves its own region only.
  const fn = region === ctx.region ? store.registry(accountId, region)?.lambda.byName.get(ref.name) : undefined;
  if (!fn)
    throw functionNotFound(`${unqualifiedArn(accountId, region, ref.name)}${ref.qualifier ? `:${ref.qualifier}` : ''}`);
  return fn;
}

const listFunctions: Handler = (store, _name, query, ctx) => {
  const input = parseQuery(ListFunctionsQuery, query);
  if (input.MasterRegion !== undefined && input.FunctionVersion !== 'ALL')
    throw new AwsError('InvalidParameterValueException', 'FunctionVersion must be ALL when MasterRegion is specified');
  const entries: [FunctionState, PublishedVersion | undefined][] = [];
  // No Lambda@Edge replicas here: a MasterRegion filter matches nothing.
  if (input.MasterRegion === undefined)
    for (const fn of store.registry(ctx.accountId, ctx.region)?.lambda.functions ?? []) {
      entries.push([fn, undefined]);
      if (input.FunctionVersion === 'ALL') for (const v of fn.versions) entries.push([fn, v]);
    }
  const scope = `ListFunctions/${ctx.accountId}/${ctx.region}/${input.FunctionVersion ?? ''}`;
  const page = paged(scope, ctx, entries, input.Marker, input.MaxItems, ([fn, v]) =>
    configuration(fn, v, v ? `${fn.arn}:${v.version}` : fn.arn, false),
  );
  return { Functions: page.items, ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}) };
};

const listVersionsByFunction: Handler = (store, name, query, ctx) => {
  const fn = findFunction(store, ctx, parseFunctionRef(name ?? ''));
  const input = parseQuery(ListVersionsQuery, query);
  const entries: (PublishedVersion | undefined)[] = [undefined, ...fn.versions];
  // $LATEST first (undefined would read as a hole to pageOf, so it is boxed).
  const boxed = entries.map((v) => ({ v }));
  const page = paged(`ListVersionsByFunction/${fn.arn}`, ctx, boxed, input.Marker, input.MaxItems, ({ v }) =>
    configuration(fn, v, `${fn.arn}:${v ? v.version : '$LATEST'}`, false),
  );
  return { Versions: page.items, ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}) };
};

const aliasConfiguration = (fn: FunctionState, a: AliasRecord): Record<string, unknown> => ({
  AliasArn: `${fn.arn}:${a.name}`,
  Name: a.name,
  FunctionVersion: a.functionVersion,
  Description: a.description ?? '',
  ...(a.weights ? { RoutingConfig: { AdditionalVersionWeights: { ...a.weights } } } : {}),
  RevisionId: fn.revisionId(`alias/${a.name}`, a.revision),
});

const listAliases: Handler = (store, name, query, ctx) => {
  const fn = findFunction(store, ctx, parseFunctionRef(name ?? ''));
  const input = parseQuery(ListAliasesQuery, query);
  // The filter matches the alias's primary version (AWS: "aliases that invoke that version").
  const aliases = fn.aliases.filter(
    (a) => input.FunctionVersion === undefined || a.functionVersion === input.FunctionVersion,
  );
  const scope = `ListAliases/${fn.arn}/${input.FunctionVersion ?? ''}`;
  const page = paged(scope, ctx, aliases, input.Marker, input.MaxItems, (a) => aliasConfiguration(fn, a));
  return { Aliases: page.items, ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}) };
};

const getFunction: Handler = (store, name, query, ctx) => {
  const ref = parseFunctionRef(name ?? '');
  const input = parseQuery(GetFunctionQuery, query);
  const qualifier = resolveQualifier(ref.qualifier, input.Qualifier);
  const fn = findFunction(store, ctx, { ...ref, ...(qualifier ? { qualifier } : {}) });
  let version: PublishedVersion | undefined;
  if (qualifier !== undefined && qualifier !== '$LATEST') {
    const alias = fn.aliasByName.get(qualifier);
    const primary = alias ? alias.functionVersion : qualifier;
    version = primary === '$LATEST' ? undefined : fn.byVersion.get(primary);
    if (!version && primary !== '$LATEST') throw functionNotFound(`${fn.arn}:${qualifier}`);
  }
  const arn = qualifier === undefined ? fn.arn : `${fn.arn}:${qualifier}`;
  return { Configuration: configuration(fn, version, arn, true), Code: codeLocation(fn, version ?? fn.latest) };
};

const OPERATIONS: Readonly<Record<string, Handler>> = {
  ListFunctions: listFunctions,
  ListVersionsByFunction: listVersionsByFunction,
  ListAliases: listAliases,
  GetFunction: getFunction,
};

interface Route {
  readonly operation: string;
  readonly functionName?: string;
}

function decodeLabel(label: string): string {
  try {
    return decodeURIComponent(label);
  } catch {
    return label;
  }
}

/** GET /2015-03-31/functions[/], /functions/{name}, /functions/{name}/versions, /functions/{name}/aliases. */
function route(method: string, pathname: string): Route | undefined {
  if (method !== 'GET') return undefined;
  const rest = pathname.slice(LAMBDA_PREFIX.length + 1);
  if (pathname === LAMBDA_PREFIX || rest === '') return { operation: 'ListFunctions' };
  const parts = rest.split('/');
  const functionName = decodeLabel(parts[0]!);
  if (parts.length === 1) return { operation: 'GetFunction', functionName };
  if (parts.length === 2 && parts[1] === 'versions') return { operation: 'ListVersionsByFunction', functionName };
  if (parts.length === 2 && parts[1] === 'aliases') return { operation: 'ListAliases', functionName };
  return undefined;
}

/** Lambda's error wire shapes, from the emulator's internal errors (controls raise ThrottlingException and ServerException). */
export function lambdaErrorReply(e: AwsError, requestId: string): LambdaReply {
  let status = e.status;
  let code = e.code;
  let body: Record<string, string>;
  if (e.code === 'ThrottlingException') {
    status = 429;
    code = 'TooManyRequestsException';
    body = { Reason: 'CallerRateLimitExceeded', Type: 'User', message: e.message };
  } else if (e.status >= 500) {
    code = 'ServiceException';
    body = { Type: 'Service', Message: e.message };
  } else if (e.code === 'ResourceNotFoundException') body = { Type: 'User', Message: e.message };
  else if (e.code === 'ValidationException') body = { message: e.message };
  else body = { Type: 'User', message: e.message };
  const text = JSON.stringify(body);
  return { status, headers: { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': code }, body: text };
}

/** Answers one Lambda request; never throws. */
export async function handleLambda(store: EmulatorStore, controls: Controls, call: LambdaCall): Promise<LambdaReply> {
  const url = new URL(call.url, 'http://emulator');
  const found = route(call.method, url.pathname);
  const operation = `lambda:${found?.operation ?? 'Unknown'}`;
  let injected = false;
  const inject = <T>(f: () => T): T => {
    try {
      return f();
    } catch (error) {
      injected = true;
      throw error;
    }
  };
  try {
    const latency = inject(() => controls.admit(operation, call.accountId, call.region));
    if (latency > 0) await sleep(latency);
    if (!found)
      throw new AwsError('UnknownOperationException', `Unknown operation ${call.method} ${url.pathname}`, 404);
    const ctx: CallContext = {
      accountId: call.accountId,
      region: call.region,
      now: call.now,
      onPage: (page) => inject(() => controls.checkPage(operation, page)),
    };
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const result = OPERATIONS[found.operation]!(store, found.functionName, query, ctx);
    return { status: 200, headers: { 'x-amzn-RequestId': call.requestId }, body: JSON.stringify(result) };
  } catch (error) {
    const e =
      error instanceof AwsError
        ? error
        : new AwsError('ServerException', `Emulator error: ${(error as Error).message}`, 500);
    if (!injected) controls.recordError(operation, e);
    return lambdaErrorReply(e, call.requestId);
  }
}
