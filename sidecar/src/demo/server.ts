/**
 * The emulator's HTTP server: ECR and ECS over awsJson1_1 (`POST /` + X-Amz-Target), STS over awsQuery,
 * Lambda over restJson1 (`GET /2015-03-31/functions...`), and the admin API under /_emulator/. The caller's
 * account comes from the SigV4 access key and the region from the SigV4 credential scope; signatures are not
 * checked.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_PREFIX, handleAdmin } from './admin.js';
import { Controls } from './controls.js';
import type { ControlSettings } from './controls.js';
import { ECR_OPERATIONS, ECR_TARGET_PREFIX } from './ecr.js';
import { ECS_OPERATIONS, ECS_TARGET_PREFIX } from './ecs.js';
import { AwsError } from './errors.js';
import { handleLambda, isLambdaPath } from './lambda.js';
import type { Fixture } from './fixture.js';
import type { CallContext } from './request.js';
import { EventBus } from './events.js';
import { EVENTS_QUEUE, SQS_TARGET_PREFIX, SqsState, handleSqs } from './sqs.js';
import { EmulatorStore } from './store.js';
import { handleSts, stsErrorXml } from './sts.js';

export interface EmulatorOptions {
  fixture: Fixture;
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  controls?: Partial<ControlSettings>;
  /** Epoch ms clock for times the emulator stamps (task stops, credential expiry). */
  now?: () => number;
  /** How injected latency waits (default: a timer); tests pass their own to hold an answer back without sleeping. */
  delay?: (ms: number) => Promise<unknown>;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:45678 */
  url: string;
  port: number;
  store: EmulatorStore;
  controls: Controls;
  /** EventBridge: every change made through the controls or the APIs is an event on it. */
  events: EventBus;
  /** SQS: the default account's `ecr-lens-events` queue receives every event. */
  sqs: SqsState;
  /** The URL of the default account's events queue. */
  eventsQueueUrl: string;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;
const JSON_TYPE = 'application/x-amz-json-1.1';
const JSON_1_0_TYPE = 'application/x-amz-json-1.0';
const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

interface Caller {
  readonly accessKeyId: string | undefined;
  readonly region: string | undefined;
}

/** Reads the access key id and region from a SigV4 Authorization header. */
export function parseAuthorization(header: string | undefined): Caller {
  const match = header ? CREDENTIAL.exec(header) : null;
  return { accessKeyId: match?.[1], region: match?.[2] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new AwsError('SerializationException', 'Request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendJsonError(res: ServerResponse, requestId: string, error: AwsError): void {
  send(res, error.status, JSON_TYPE, JSON.stringify({ __type: error.code, message: error.message }), {
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': error.code,
  });
}

const asAwsError = (error: unknown): AwsError =>
  error instanceof AwsError
    ? error
    : new AwsError('ServerException', `Emulator error: ${(error as Error).message}`, 500);

/** What every request handler needs: the state, the fault controls, the clock and the delay. */
interface Emulator {
  readonly store: EmulatorStore;
  readonly controls: Controls;
  readonly now: () => number;
  readonly delay: (ms: number) => Promise<unknown>;
  readonly sqs: SqsState;
}

/** Starts the emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const controls = new Controls(options.controls);
  const clock = options.now ?? Date.now;
  // Everything the emulator stamps or compares uses this clock; tests move it with POST /_emulator/clock/advance.
  const now = (): number => clock() + controls.clockOffsetMs();
  const events = new EventBus(now);
  const store = new EmulatorStore(options.fixture, controls, events);
  const sqs = new SqsState(() => controls.sqsDelivery());
  events.subscribe(sqs.subscribe(store.defaultAccountId, now));
  const emulator: Emulator = { store, controls, now, delay: options.delay ?? sleep, sqs };

  const server = createServer((req, res) => {
    handle(emulator, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJsonError(res, 'none', asAwsError(error));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${urlHost}:${port}`;
  return {
    url,
    port,
    store,
    controls,
    events,
    sqs,
    eventsQueueUrl: `${url}/${store.defaultAccountId}/${EVENTS_QUEUE}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        sqs.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Routes a request: the admin API, Lambda's REST API, or the AWS JSON and query protocols at `/`. */
async function handle(emulator: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { store, controls, now } = emulator;
  const requestId = randomUUID();
  let text: string;
  try {
    text = await readBody(req);
  } catch (error) {
    sendJsonError(res, requestId, asAwsError(error));
    return;
  }
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
    let body: unknown = {};
    try {
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      send(res, 400, 'application/json', JSON.stringify({ error: 'body: not valid JSON' }));
      return;
    }
    const reply = handleAdmin(store, controls, req.method ?? 'GET', path, body, now());
    send(res, reply.status, 'application/json', JSON.stringify(reply.body));
    return;
  }
  if (isLambdaPath(path)) {
    const caller = parseAuthorization(req.headers.authorization);
    const reply = await handleLambda(store, controls, {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      accountId: store.accountFor(caller.accessKeyId),
      region: caller.region ?? store.defaultRegion,
      requestId,
      now,
    });
    send(res, reply.status, 'application/json', reply.body, reply.headers);
    return;
  }
  if (req.method !== 'POST' || path !== '/') {
    const message = `No route ${req.method} ${path}`;
    sendJsonError(res, requestId, new AwsError('UnknownOperationException', message, 404));
    return;
  }
  const caller = parseAuthorization(req.headers.authorization);
  const call = {
    accountId: store.accountFor(caller.accessKeyId),
    region: caller.region ?? store.defaultRegion,
    accessKeyId: caller.accessKeyId,
    requestId,
  };
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith(`${SQS_TARGET_PREFIX}.`)) await handleSqsJson(emulator, req, res, target, text, call);
  else if (typeof target === 'string') await handleJson(emulator, res, target, text, call);
  else await handleQuery(emulator, res, text, call);
}

/** Who calls, where, and the request's id. */
interface Call {
  readonly accountId: string;
  readonly region: string;
  readonly accessKeyId: string | undefined;
  readonly requestId: string;
}

/** SQS over AWS JSON 1.0; its errors also carry the query-compatible code the SDK maps. */
async function handleSqsJson(emulator: Emulator, req: IncomingMessage, res: ServerResponse, target: string, text: string, call: Call): Promise<void> {
  const { controls, now, delay } = emulator;
  const name = target.slice(SQS_TARGET_PREFIX.length + 1);
  const operation = `sqs:${name}`;
  try {
    const latency = controls.admit(operation, call.accountId, call.region);
    if (latency > 0) await delay(latency);
    let body: unknown;
    try {
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      throw new AwsError('SerializationException', 'Request body is not valid JSON');
    }
    const baseUrl = `http://${req.headers.host ?? '127.0.0.1'}`;
    const result = await handleSqs(emulator.sqs, name, body, { accountId: call.accountId, baseUrl, now });
    send(res, 200, JSON_1_0_TYPE, JSON.stringify(result), { 'x-amzn-requestid': call.requestId });
  } catch (error) {
    const e = asAwsError(error);
    controls.recordError(operation, e);
    send(res, e.status, JSON_1_0_TYPE, JSON.stringify({ __type: e.code, message: e.message }), {
      'x-amzn-requestid': call.requestId,
      ...(e.code.endsWith('QueueDoesNotExist') ? { 'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender' } : {}),
    });
  }
}

/** The awsQuery protocol (STS): form-encoded `Action=...`, XML answers. */
async function handleQuery(emulator: Emulator, res: ServerResponse, text: string, call: Call): Promise<void> {
  const { store, controls, now, delay } = emulator;
  const params = new URLSearchParams(text);
  const action = params.get('Action') ?? '';
  const operation = `sts:${action}`;
  try {
    const latency = controls.admit(operation, call.accountId, call.region);
    if (latency > 0) await delay(latency);
    const xml = handleSts(store, action, params, {
      accessKeyId: call.accessKeyId,
      requestId: call.requestId,
      now: now(),
    });
    send(res, 200, 'text/xml', xml, { 'x-amzn-requestid': call.requestId });
  } catch (error) {
    const e = asAwsError(error);
    controls.recordError(operation, e);
    send(res, e.status, 'text/xml', stsErrorXml(e, call.requestId), { 'x-amzn-requestid': call.requestId });
  }
}

/** The AWS JSON 1.1 protocol (ECR, ECS): `X-Amz-Target: Service.Operation`, JSON in and out. */
async function handleJson(
  emulator: Emulator,
  res: ServerResponse,
  target: string,
  text: string,
  call: Call,
): Promise<void> {
  const { store, controls, now, delay } = emulator;
  const dot = target.indexOf('.');
  const prefix = target.slice(0, dot);
  const name = target.slice(dot + 1);
  const service = prefix === ECR_TARGET_PREFIX ? 'ecr' : prefix === ECS_TARGET_PREFIX ? 'ecs' : undefined;
  const handler = service === 'ecr' ? ECR_OPERATIONS[name] : service === 'ecs' ? ECS_OPERATIONS[name] : undefined;
  const operation = `${service ?? 'unknown'}:${name}`;
  // Injected faults are counted where they are injected, not again as errors.
  let injected = false;
  const injecting = <T>(act: () => T): T => {
    try {
      return act();
    } catch (error) {
      injected = true;
      throw error;
    }
  };
  try {
    const latency = injecting(() => controls.admit(operation, call.accountId, call.region));
    if (latency > 0) await delay(latency);
    if (!handler || dot < 0) throw new AwsError('UnknownOperationException', `Unknown operation ${target}`);
    let body: unknown;
    try {
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      throw new AwsError('SerializationException', 'Request body is not valid JSON');
    }
    const ctx: CallContext = {
      accountId: call.accountId,
      region: call.region,
      now,
      onPage: (page) => injecting(() => controls.checkPage(operation, page)),
    };
    const result = handler(store, body, ctx);
    send(res, 200, JSON_TYPE, JSON.stringify(result), { 'x-amzn-requestid': call.requestId });
  } catch (error) {
    const e = asAwsError(error);
    if (!injected) controls.recordError(operation, e);
    sendJsonError(res, call.requestId, e);
  }
}
