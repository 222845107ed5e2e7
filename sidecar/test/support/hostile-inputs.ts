/**
 * fast-check generators of hostile HTTP input, shared by the fuzz test (test/reliability/fuzz.test.ts) and
 * the campaign benchmark (bench/hostile.ts), so that both send the same kinds of requests.
 */
import fc from 'fast-check';
import { QUERY_FILTERS } from '@ecr-lens/contract';
import { Filters, QUERY_TYPES } from '../../src/query/request.js';
import { IMAGE_KINDS, SCAN_STATES, SEVERITIES, USE_KINDS } from '../../src/snapshot/model.js';

// Every filter the schema knows, so a new filter is fuzzed too.
const FILTER_NAMES = Object.keys(Filters.shape);

/** Strings that tend to break parsers: globs, unicode, control characters, huge numbers, path tricks. */
export const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '*',
    '**',
    '{',
    '{a,b',
    '{'.repeat(300),
    '[',
    '[!',
    '?',
    '\\',
    '..',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '\uffff',
    '\ud800',
    'sha256:',
    `sha256:${'a'.repeat(64)}`,
    `sha256:${'g'.repeat(64)}`,
    '111111111111',
    '1'.repeat(13),
    'us-east-1',
    'US-EAST-1',
    '1e309',
    '-0',
    'NaN',
    'Infinity',
    '9007199254740993',
    '0x10',
    '2026-01-01T00:00:00Z',
    '2026-13-45T99:99:99Z',
    'true',
    'false',
    'null',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    "'; DROP TABLE images; --",
    '<script>alert(1)</script>',
    'a'.repeat(5_000),
  ),
);
export const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    10_001,
    1_000_000_000,
    0.5,
    36_501,
  ),
);
const leaf = fc.oneof(nasty, nastyNumber, fc.boolean(), fc.constant(null));
const value = fc.oneof(
  leaf,
  fc.array(leaf, { maxLength: 5 }),
  fc.dictionary(nasty, leaf, { maxKeys: 3 }),
  fc.array(fc.constantFrom('a', 'b'), { minLength: 1001, maxLength: 1200 }),
);
export const wellTyped = fc.oneof(
  fc.constantFrom(
    ...SEVERITIES,
    ...SCAN_STATES,
    ...IMAGE_KINDS,
    'delete',
    'keep',
    'blocked',
    'repository',
    'image',
    ...USE_KINDS,
  ),
  fc.constantFrom('111111111111', 'us-east-1', 'eu-west-1', 'web/*', '*', 'latest', 'v1.*'),
  fc.integer({ min: 0, max: 2_000_000_000_000 }),
  // Day counts (olderThanDays, notPulledForDays, notUsedForDays) in their valid range.
  fc.integer({ min: 0, max: 400 }),
  fc.boolean(),
);
const filters = fc.dictionary(fc.oneof(fc.constantFrom(...FILTER_NAMES), nasty), fc.oneof(wellTyped, value), {
  maxKeys: 5,
});

/** Valid requests with odd but legal values (globs, unicode names, extreme limits). */
const validQuery = fc
  .record(
    {
      queryType: fc.constantFrom(...QUERY_TYPES),
      filters: fc.record(
        {
          repository: fc.oneof(
            fc.constantFrom('*', 'web/*', '{a,b}*', '?'),
            fc.string({ minLength: 1, maxLength: 30 }),
          ),
          region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-south-2'),
          registry: fc.constantFrom('111111111111', '999999999999'),
        },
        { requiredKeys: [] },
      ),
      limit: fc.integer({ min: 1, max: 10_000 }),
      offset: fc.integer({ min: 0, max: 10_000_000 }),
    },
    { requiredKeys: ['queryType'] },
  )
  .map((o) => JSON.stringify(o));

/** POST /api/v1/query bodies: valid and near-valid requests, arbitrary JSON, and broken text. */
export const queryBody = fc.oneof(
  validQuery,
  fc
    .record(
      {
        queryType: fc.oneof(fc.constantFrom(...QUERY_TYPES), nasty),
        filters: fc.oneof(filters, value),
        sort: fc.oneof(
          fc.record({
            field: fc.oneof(fc.constantFrom('name', 'sizeBytes', 'pushedAt', 'repository'), nasty),
            order: fc.oneof(fc.constantFrom('asc', 'desc'), nasty),
          }),
          value,
        ),
        limit: fc.oneof(nastyNumber, value),
        offset: fc.oneof(nastyNumber, value),
        range: fc.oneof(fc.record({ from: fc.oneof(nastyNumber, nasty), to: fc.oneof(nastyNumber, nasty) }), value),
      },
      { requiredKeys: ['queryType'] },
    )
    .map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.oneof(
    nasty,
    fc.constantFrom(
      '{',
      '{"queryType":',
      '[1,2',
      '{"queryType":"images"}}',
      '\u0000',
      '{"a":1e999999}',
      '{"queryType":"images","limit":1e999}',
      '[]'.repeat(10_000),
      `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
    ),
  ),
);
export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  'application/json; charset=latin1',
);

/** encodeURIComponent, with lone surrogates as raw invalid UTF-8 (which it refuses to encode). */
export const enc = (text: string): string =>
  encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\u0001')).replace(/%01/g, '%ED%A0%80');

/** A query string: known and unknown keys, repeated keys, broken percent-encoding. */
export const queryString = (keys: readonly string[]) =>
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), nasty), fc.oneof(wellTyped.map(String), nasty)), {
      maxLength: 6,
    })
    .chain((pairs) =>
      fc.oneof(
        fc.constant(pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')),
        fc
          .constantFrom(
            '%',
            '%E0%A4%A',
            'a=%zz',
            '=&=&',
            '&&&',
            'limit=1&limit=2&limit=x',
            'repository',
            `x=${'%41'.repeat(3_000)}`,
          )
          .map((raw) => [raw, ...pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`)].join('&')),
      ),
    );

/** Globs built to make a backtracking matcher hang: stars, extglobs, classes, braces, up to past the length limit. */
export const hostileGlob = fc
  .array(fc.constantFrom('*', '**', '?', 'a', 'x', '/', '.', '-', '+(', '*(', '@(', '!(', '?(', ')', '|', '[a-z]', '[!a]', '[', ']', '{', '}', ',', '\\', '!'), {
    minLength: 1,
    maxLength: 160,
  })
  .map((parts) => parts.join(''));

export interface FuzzedRequest {
  readonly path: string;
  readonly init: RequestInit;
}

/** One request of the mix sent over real HTTP: query bodies, cleanup plans, variables and annotations. */
export const httpRequest: fc.Arbitrary<FuzzedRequest> = fc.oneof(
  fc
    .tuple(queryBody, contentType)
    .map(([body, type]) => ({
      path: '/api/v1/query',
      init: { method: 'POST', headers: type ? { 'content-type': type } : {}, body } as RequestInit,
    })),
  queryString([...QUERY_FILTERS.cleanup, 'format', 'limit']).map((qs) => ({
    path: `/api/v1/cleanup/plan?${qs}`,
    init: {} as RequestInit,
  })),
  queryString(['registry', 'region', 'repository']).map((qs) => ({
    path: `/api/v1/variables/repositories?${qs}`,
    init: {} as RequestInit,
  })),
  queryString(['from', 'to', 'kind', 'limit']).map((qs) => ({
    path: `/api/v1/annotations?${qs}`,
    init: {} as RequestInit,
  })),
);
