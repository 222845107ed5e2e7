/**
 * One local HTTP server standing in for everything the sidecar calls besides AWS: Grafana's annotation API,
 * a Prometheus with kube-state-metrics series, and a keep list. It records what it receives (minus the
 * Authorization header, which legitimately carries a secret) so a test can check no secret travels elsewhere.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  readonly url: string;
  /** Every header but Authorization. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly authorization: string | undefined;
  readonly body: string;
}

export interface StandIn {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** A series that names no ECR image: Prometheus answers, kube-state-metrics is scraped, nothing is protected. */
const PROMETHEUS_ANSWER = JSON.stringify({
  status: 'success',
  data: { resultType: 'vector', result: [{ metric: { cluster: 'stand-in', namespace: 'ns', pod: 'p', container: 'c', image: 'docker.io/library/nginx:1' }, value: [0, '1'] }] },
});

/** `grafanaStatus`: Grafana's answer to an annotation post (200 by default; another makes the post fail). */
export async function startStandIn(grafanaStatus = 200): Promise<StandIn> {
  const received: Received[] = [];
  const answer = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const { authorization, ...headers } = req.headers;
    received.push({ method: req.method ?? '', url: req.url ?? '', headers, authorization, body });
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    if (path === '/grafana/api/annotations') res.writeHead(grafanaStatus, { 'content-type': 'application/json' }).end('{"id":1}');
    else if (path === '/prometheus/api/v1/query') res.writeHead(200, { 'content-type': 'application/json' }).end(PROMETHEUS_ANSWER);
    else if (path === '/keep.txt') res.writeHead(200, { 'content-type': 'text/plain' }).end('# nothing pinned here\n');
    else res.writeHead(404).end();
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
