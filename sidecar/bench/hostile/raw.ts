/** One request written byte for byte on a raw socket, for what fetch will not send (oversized headers, malformed HTTP). */
import { connect } from 'node:net';
import { HANG_MS } from './recorder.js';

export interface RawAnswer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/** The first answer on the connection; rejects with 'hang' when none arrives (and the server does not close) in time. */
export function rawRequest(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('hang'));
    }, HANG_MS);
    const settle = (): void => {
      clearTimeout(timer);
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      if (status === 0) reject(new Error(`no HTTP answer (${JSON.stringify(data.slice(0, 80))})`));
      else resolve({ status, head, body: rest.join('\r\n\r\n') });
    };
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined); // a reset after the answer is one way of closing
    socket.on('close', settle);
    socket.write(request);
  });
}
