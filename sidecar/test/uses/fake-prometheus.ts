/**
 * A node:http server on loopback that answers like the Prometheus HTTP API, for the Kubernetes source's
 * tests: it records each request (form-encoded query, auth headers) and answers with the test's handler.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ImageUse } from '../../src/snapshot/model.js';
import { KUBERNETES_NOW_QUERY } from '../../src/uses/kubernetes.js';
import { digest } from '../support/builders.js';

const HOST = '111111111111.dkr.ecr.us-east-1.amazonaws.com';
export const WEB = `${HOST}/web`;
export const JOB = '222222222222.dkr.ecr.eu-west-1.amazonaws.com/jobs/nightly';
export const D1 = digest('web-v1');
export const D2 = digest('job');
export const CONFIG = digest('config');

export interface Seen {
  method: string;
  url: string;
  contentType: string;
  authorization: string | undefined;
  form: URLSearchParams;
}
export type Handler = (req: IncomingMessage, res: ServerResponse, form: URLSearchParams) => void;

export const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
export const vector = (series: Record<string, string>[]): Handler =>
  json(200, {
    status: 'success',
    data: { resultType: 'vector', result: series.map((metric) => ({ metric, value: [1717200000, '1'] })) },
  });
/** Answers the window query with `window` and the instant query of the clusters scraped now with `now`. */
export const byQuery =
  (window: Handler, now: Handler): Handler =>
  (req, res, form) =>
    (form.get('query') === KUBERNETES_NOW_QUERY ? now : window)(req, res, form);

export const pod = (patch: Partial<ImageUse> & { reference: string }): ImageUse => ({
  kind: 'pod',
  accountId: '111111111111',
  region: 'us-east-1',
  namespace: 'shop',
  pod: 'web-1',
  container: 'web',
  ...patch,
});

export interface FakePrometheus {
  /** Where it listens, once the file's tests start. */
  port: number;
  /** The requests of the current test. */
  seen: Seen[];
  /** How it answers the current test: an empty vector unless the test says otherwise. */
  handler: Handler;
}

/** Starts the server before the file's tests, resets it before each and closes it after them. */
export function fakePrometheus(): FakePrometheus {
  const prometheus: FakePrometheus = { port: 0, seen: [], handler: vector([]) };
  let server: Server;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        prometheus.seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          contentType: req.headers['content-type'] ?? '',
          authorization: req.headers.authorization,
          form,
        });
        prometheus.handler(req, res, form);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    prometheus.port = (server.address() as AddressInfo).port;
  });

  beforeEach(() => {
    prometheus.seen = [];
    prometheus.handler = vector([]);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  return prometheus;
}
