/**
 * Requests Node rejects before the app sees them (headers over maxHeaderSize, timeouts, malformed HTTP) get
 * the same JSON error body as every other refusal, instead of Node's empty default answer.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from './errors.js';

function answerFor(code: string | undefined, maxHeaderBytes: number): { status: number; body: ErrorBody } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, body: { error: 'request_header_fields_too_large', message: `the request line and headers are longer than ${maxHeaderBytes} bytes` } };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, body: { error: 'request_timeout', message: 'the request was not received in time' } };
    default:
      return { status: 400, body: { error: 'bad_request', message: 'malformed HTTP request' } };
  }
}

/** Answers, as Node would by default, only while nothing has been written on the socket yet; then closes it. */
export function answerClientErrors(server: NodeJS.EventEmitter, maxHeaderBytes: number): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex & { bytesWritten?: number }) => {
    if (!socket.writable || (socket.bytesWritten ?? 0) > 0) {
      socket.destroy();
      return;
    }
    const { status, body } = answerFor(error.code, maxHeaderBytes);
    const json = JSON.stringify(body);
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(json)}`,
      'Connection: close',
    ].join('\r\n');
    socket.end(`${head}\r\n\r\n${json}`, () => socket.destroy());
  });
}
