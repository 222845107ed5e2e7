/**
 * Bad inputs, each with the answer strict parsing owes it: integers that are not plain decimal digits,
 * prototype-polluting keys in query strings and JSON bodies, charsets other than UTF-8, and URLs, headers
 * and bodies over the limits (the last two on raw sockets where fetch would not send them).
 */
import type { Campaign, PartResult } from './part.js';
import { malformed, pool, statusList } from './part.js';
import { rawRequest } from './raw.js';

export interface BadInputTarget {
  readonly url: string;
  readonly port: number;
  readonly apiToken: string;
  readonly adminToken: string;
}

interface Case {
  readonly what: string;
  readonly path: string;
  readonly init?: RequestInit;
  /** The exact status owed; `4xx` for any JSON client error; `handled` for a 2xx or a JSON 4xx (legal input, odd value). */
  readonly expect: number | '4xx' | 'handled';
}

/** Integers as strict parsing refuses them: hex, blanks, empty, exponent, sign, fraction, full-width, overflow. */
const NOT_DECIMAL = ['0x10', '%2010', '10%20', '', '1e3', '-1', '%2B5', '1.5', '%EF%BC%91%EF%BC%90', '99999999999999999999', '10%00', 'NaN'];
const INTEGER_PARAMETERS = [
  '/api/v1/cleanup/plan?limit=',
  '/api/v1/cleanup/plan?offset=',
  '/api/v1/cleanup/plan.csv?limit=',
  '/api/v1/annotations?from=0&to=1900000000000&limit=',
  '/api/v1/cleanup/audit?limit=',
  '/api/v1/cleanup/audit?after=',
];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];
const GET_ROUTES = [
  '/api/v1/status',
  '/api/v1/cleanup/plan',
  '/api/v1/cleanup/plan.csv',
  '/api/v1/cleanup/lifecycle',
  '/api/v1/cleanup/audit',
  '/api/v1/annotations?from=0&to=1900000000000',
  '/api/v1/variables/repositories',
  '/api/v1/reports/repositories.json',
  '/api/v1/reports/images.csv',
  '/healthz',
  '/readyz',
];

function cases(t: BadInputTarget): Case[] {
  const out: Case[] = [];
  for (const route of INTEGER_PARAMETERS)
    for (const value of NOT_DECIMAL) out.push({ what: `${route}${value || '(empty)'}`, path: `${route}${value}`, expect: 400 });
  for (const route of GET_ROUTES)
    for (const key of PROTOTYPE_KEYS) out.push({ what: `query key ${key}`, path: `${route}${route.includes('?') ? '&' : '?'}${key}=1`, expect: 400 });
  const query = (body: string, type = 'application/json'): RequestInit => ({ method: 'POST', headers: { 'content-type': type }, body });
  const prototypeBodies = [
    '{"queryType":"images","__proto__":{"limit":1}}',
    '{"queryType":"images","filters":{"__proto__":{"repository":"x"}}}',
    '{"queryType":"images","constructor":{"prototype":{"limit":1}}}',
    '{"queryType":"images","filters":{"constructor":{"prototype":{"tag":"x"}}}}',
    '{"queryType":"images","sort":{"__proto__":{"field":"name"}}}',
  ];
  for (const body of prototypeBodies) out.push({ what: `JSON body ${body}`, path: '/api/v1/query', init: query(body), expect: 400 });
  // The one write: a polluted body must never turn a dry run into a real one.
  for (const body of [
    `{"planId":"${'0'.repeat(64)}","__proto__":{"dryRun":false}}`,
    `{"planId":"${'0'.repeat(64)}","constructor":{"prototype":{"dryRun":false}}}`,
    `{"planId":"${'0'.repeat(64)}","dryRun":"false"}`,
    `{"planId":"${'0'.repeat(64)}","dryRun":0}`,
  ])
    out.push({
      what: `execute body ${body}`,
      path: '/api/v1/cleanup/execute',
      init: { method: 'POST', headers: { 'content-type': 'application/json', 'x-admin-token': t.adminToken }, body },
      expect: 400,
    });
  for (const charset of ['latin1', 'iso-8859-1', '"iso-8859-1"', 'utf-16le', 'utf-32', 'us-ascii', 'shift_jis', 'x'.repeat(100)])
    out.push({ what: `charset ${charset}`, path: '/api/v1/query', init: query('{"queryType":"repositories"}', `application/json; charset=${charset}`), expect: 415 });
  out.push({ what: 'charset UTF-8 (control)', path: '/api/v1/query', init: query('{"queryType":"repositories","limit":1}', 'application/json; charset=UTF-8'), expect: 200 });
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml'])
    out.push({ what: `content-type ${type}`, path: '/api/v1/query', init: query('{"queryType":"repositories"}', type), expect: '4xx' });
  const bodies: [string, string | Uint8Array, Case['expect']][] = [
    ['an empty body', '', 400],
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x7d]), 400],
    ['5,000 nested arrays', `${'['.repeat(5_000)}${']'.repeat(5_000)}`, 400],
    ['5,000 nested objects', `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`, 400],
    ['limit 1e999', '{"queryType":"images","limit":1e999}', 400],
    ['limit "10"', '{"queryType":"images","limit":"10"}', 400],
    ['limit 10.5', '{"queryType":"images","limit":10.5}', 400],
    ['NaN', '{"queryType":"images","limit":NaN}', 400],
    ['1,001 repositories', JSON.stringify({ queryType: 'images', filters: { repository: Array.from({ length: 1_001 }, (_, i) => `r${i}`) } }), 400],
    ['65 wildcard globs', JSON.stringify({ queryType: 'images', filters: { repository: Array.from({ length: 65 }, (_, i) => `r${i}*`) } }), 400],
    // Legal JSON with odd contents: answered like any other value.
    ['a byte-order mark', '\ufeff{"queryType":"repositories"}', 'handled'],
    ['a lone surrogate escape', '{"queryType":"images","filters":{"repository":"\\ud800"}}', 'handled'],
    ['a NUL escape in a name', '{"queryType":"images","filters":{"repository":"a\\u0000b"}}', 'handled'],
  ];
  for (const [what, body, expect] of bodies) out.push({ what: `body with ${what}`, path: '/api/v1/query', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body }, expect });
  out.push({ what: 'a 20 KiB URL', path: `/api/v1/annotations?from=0&to=10&repository=${'a'.repeat(20 * 1024)}`, expect: 414 });
  out.push({ what: 'a URL one byte over 16 KiB', path: `/api/v1/cleanup/plan?repository=${'a'.repeat(16 * 1024 - '/api/v1/cleanup/plan?repository='.length - `http://127.0.0.1:${t.port}`.length + 1)}`, expect: 414 });
  const oversized = JSON.stringify({ queryType: 'images', filters: { repository: Array.from({ length: 20_000 }, (_, i) => `r${i}`) } });
  out.push({ what: `a ${Math.round(oversized.length / 1024)} KiB body`, path: '/api/v1/query', init: query(oversized), expect: 413 });
  return out;
}

/** Requests only a raw socket sends: Node refuses them before the app, with a JSON answer. */
function rawCases(t: BadInputTarget): [string, string, number][] {
  const auth = `Authorization: Bearer ${t.apiToken}\r\n`;
  return [
    ['headers over 64 KiB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`, 431],
    ['a header line without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 400],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400],
    ['a negative Content-Length', `POST /api/v1/query HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: -1\r\n\r\n`, 400],
    ['two different Content-Lengths', `POST /api/v1/query HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400],
    ['Content-Length with Transfer-Encoding', `POST /api/v1/query HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
    ['a NUL in the path', 'GET /api/v1/status\u0000 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ];
}

export async function badInputsPart(campaign: Campaign, t: BadInputTarget): Promise<PartResult> {
  const part = 'bad inputs';
  campaign.recorder.part = part;
  const list = cases(t);
  const failures: string[] = [];
  await pool(list, campaign.concurrency, async (c) => {
    const init = c.init ?? {};
    try {
      const res = await fetch(`${t.url}${c.path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${t.apiToken}` } });
      const text = await res.text();
      const ok =
        c.expect === 'handled'
          ? res.status >= 200 && res.status < 500
          : c.expect === '4xx'
            ? res.status >= 400 && res.status < 500
            : res.status === c.expect;
      if (!ok) failures.push(`${c.what} -> ${res.status} (expected ${c.expect}): ${text.slice(0, 160)}`);
      const problem = malformed(res.status, res.headers.get('content-type'), text);
      if (problem) failures.push(`${c.what}: ${problem}`);
    } catch (error) {
      // A hang or a cut connection: the recorder counted it; the oversized body may be cut after its 413.
      if (c.expect !== 413) failures.push(`${c.what}: ${(error as Error).message}`);
    }
  });
  const raw = rawCases(t);
  for (const [what, request, expect] of raw) {
    try {
      const answer = await rawRequest(t.port, request);
      campaign.recorder.recordRaw(what, { status: answer.status, text: `${answer.head}\n${answer.body}` });
      if (answer.status !== expect) failures.push(`${what} -> ${answer.status} (expected ${expect}): ${answer.body.slice(0, 160)}`);
      const problem = malformed(answer.status, /content-type: ([^\r\n]+)/i.exec(answer.head)?.[1] ?? null, answer.body);
      if (problem) failures.push(`${what}: ${problem}`);
    } catch (error) {
      campaign.recorder.recordRaw(what, (error as Error).message === 'hang' ? 'hang' : (error as Error));
      failures.push(`${what}: ${(error as Error).message}`);
    }
  }
  return {
    part,
    kind: 'bad inputs',
    inputs: list.length + raw.length,
    failures,
    lines: [
      `${NOT_DECIMAL.length} non-decimal integers x ${INTEGER_PARAMETERS.length} parameters, ${PROTOTYPE_KEYS.length} prototype keys x ${GET_ROUTES.length} routes, prototype-polluted JSON bodies, 8 charsets, 4 content types, 13 broken bodies, oversized URL/body, ${raw.length} raw-socket requests: ${list.length + raw.length} in all`,
      `answers: ${statusList(campaign.recorder.of(part).byStatus)}`,
    ],
  };
}
