import { describe, expect, it } from 'vitest';
import { createLogger, formatLogfmt, REDACTED } from '../../src/log.js';

const capture = (level: 'debug' | 'info' | 'warn' | 'error' = 'info', secrets: string[] = []) => {
  const lines: string[] = [];
  const log = createLogger({ level, write: (line) => lines.push(line), now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), secrets });
  return { log, lines };
};

describe('logfmt logger', () => {
  it('writes time, level, msg and fields, quoting values that need it', () => {
    const { log, lines } = capture();
    log.info('refresh done', { repositories: 3, note: 'two words', q: 'say "hi"', empty: '', skipped: undefined, eq: 'a=b' });
    expect(lines).toEqual([
      'time=2026-01-02T03:04:05.000Z level=info msg="refresh done" repositories=3 note="two words" q="say \\"hi\\"" empty="" eq="a=b"',
    ]);
  });

  it('filters by level', () => {
    const { log, lines } = capture('warn');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e', { err: new TypeError('boom') });
    expect(lines.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['level=warn msg=w', 'level=error msg=e err="TypeError: boom"']);
  });

  it('child loggers carry their fields', () => {
    const { log, lines } = capture();
    log.child({ account: '111111111111' }).info('x', { region: 'us-east-1' });
    expect(lines[0]).toBe('time=2026-01-02T03:04:05.000Z level=info msg=x account=111111111111 region=us-east-1');
  });

  it('never prints a secret', () => {
    const { log, lines } = capture('debug', ['api-token-123456']);
    log.info('request', {
      authorization: 'Bearer abcdef',
      token: 'api-token-123456',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      sessionToken: 'FQoGZXIvYXdzEBYaD',
      headers: { Authorization: 'Bearer zzz', accept: 'json' },
      url: '/api/v1/query?token=api-token-123456',
    });
    log.error('auth failed for Bearer api-token-123456', { err: new Error('credentials {"secretAccessKey":"abc123"} rejected') });
    const text = lines.join('\n');
    for (const secret of ['abcdef', 'api-token-123456', 'wJalrXUtnFEMI', 'FQoGZXIvYXdzEBYaD', 'zzz', 'abc123']) expect(text).not.toContain(secret);
    expect(lines[0]).toContain(`authorization=${REDACTED}`);
    expect(lines[0]).toContain(`headers="{\\"Authorization\\":\\"${REDACTED}\\",\\"accept\\":\\"json\\"}"`);
    expect(lines[0]).toContain(`url="/api/v1/query?token=${REDACTED}"`);
  });

  it('formats bare values and sanitises keys', () => {
    expect(formatLogfmt({ 'a key': 1, ok: true, n: null })).toBe('a_key=1 ok=true n=null');
  });
});
