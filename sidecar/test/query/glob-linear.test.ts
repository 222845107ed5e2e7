/**
 * Globs run in linear time (re2js) whatever the pattern: the patterns that froze picomatch finish or are
 * refused with a 400 naming the filter, and the supported syntax matches as picomatch did before.
 * A hang here shows as the test timing out; nothing measures wall-clock time.
 */
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { QueryError } from '../../src/query/errors.js';
import { runQuery } from '../../src/query/engine.js';
import { globListIssue, globMatcher, MAX_WILDCARD_GLOBS } from '../../src/query/glob.js';
import { QueryRequest } from '../../src/query/request.js';
import { zodIssues } from '../../src/http/errors.js';
import { digest, makeImage, makeRepository, makeSnapshot, NOW } from '../support/builders.js';
import { testContext, values } from '../support/frames.js';

const LONG = 'a'.repeat(256);
const LONG_PATH = `${'a/'.repeat(127)}aa`;

const issuesOf = (filters: unknown) => {
  const parsed = QueryRequest.safeParse({ queryType: 'images', filters });
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : zodIssues(parsed.error);
};

describe('catastrophic patterns', () => {
  it.each(['+(*)+(*)+(*)x', '*(*)+(*)+(*)+x', '@(a|b)', '!(a)', '?(a)*', '!foo', 'a(b)', '[[:alpha:]]*', '{1..9}'])(
    'refuses %s with a 400 naming the filter',
    (glob) => {
      expect(issuesOf({ repository: glob })[0]?.path).toBe('filters.repository');
      expect(issuesOf({ tag: ['ok', glob] })[0]?.path).toBe('filters.tag');
      expect(() => globMatcher([glob], 'filters.tag')).toThrow(QueryError);
    },
  );

  it('refuses a pattern longer than 256 characters and too many wildcard globs', () => {
    expect(issuesOf({ repository: `${'*a'.repeat(128)}x` })[0]?.path).toBe('filters.repository');
    const many = Array.from({ length: MAX_WILDCARD_GLOBS + 1 }, (_, i) => `team-${i}-*`);
    expect(globListIssue(many)).toMatch(/at most/);
    // Plain names are a set lookup: a long list of them is fine.
    expect(globListIssue(Array.from({ length: 1000 }, (_, i) => `repo-${i}`))).toBeUndefined();
  });

  it.each([
    ['*a*a*a*a*a*a*a*a*a*a*b', LONG, false],
    ['*a*a*a*a*a*a*a*a*a*a*a', LONG, true],
    [`${'*a'.repeat(60)}*b`, LONG, false],
    [`${'?'.repeat(100)}*${'*a'.repeat(40)}b`, LONG, false],
    ['**/**/**/**/**/**/**/**/b', LONG_PATH, false],
    ['**/**/**/**/**/**/**/**/aa', LONG_PATH, true],
    [`${'{a,aa}'.repeat(40)}b`, LONG, false],
    [`${'[a-z]*'.repeat(40)}!`, LONG, false],
  ])('finishes %s against a 256-character name', (glob, name, expected) => {
    expect(globMatcher([glob])(name)).toBe(expected);
  });

  it('answers a query with a hostile plain glob over 256-character names', () => {
    const repos = Array.from({ length: 50 }, (_, i) => makeRepository({ name: `${'a'.repeat(250)}-${String(i).padStart(3, '0')}` }));
    const snapshot = makeSnapshot({
      repositories: repos,
      images: repos.map((repository, i) =>
        makeImage({ repository, digest: digest(String(i % 10)), tags: ['a'.repeat(128)], pushedAt: NOW - i }),
      ),
    });
    const request = QueryRequest.parse({ queryType: 'images', filters: { repository: '*a*a*a*a*a*a*a*a*a*a*b', tag: `${'*a'.repeat(20)}*` } });
    const { frame } = runQuery(snapshot, request, testContext());
    expect(values(frame, 'repository')).toEqual([]);
  });
});

describe('semantics as before (picomatch with bash: true, dot: true)', () => {
  // ECR names only: lowercase and digits with . _ - and / (repositories), letters, digits, . _ - (tags).
  // Never empty, never a `.`/`..` segment, where picomatch's guards differed.
  const patterns = [
    'team-*', '{api,web}', 'v1.*', 'a/**/b', '**', '?x', '[a-z]*', '[^a]b', '*a*a*b', 'a\\*b', '{a,b{c,d}}',
    'a/*', '*/', 'a{,b}', '**/x', 'a/**', '[a-', '[]]', 'a**b', '[a-z0-9._-]*', 'platform/*', '*/api', 'v?.?', '{a}',
    'a,b', 'x}', '*-{dev,prod}', 'a/**/b/**', '**/*', '*/**', 'x*/**', '[.]*', 'a/?', '??', 'x.*.y', '*', 'sha-????',
    'release-[0-9]*', '{team-*,platform/*}', 'a/b', 'A*',
  ];
  const names = [
    'a', 'b', 'x', 'ab', 'a/b', 'a/x/b', 'a/x/y/b', 'team-', 'team-a', 'team-a/api', 'api', 'web', 'v1.2', 'v1.2.3',
    'aaab', 'axb', 'ac', 'bc', 'bd', 'cb', 'a/', '/a', 'a/x', 'x/x', 'xx', 'platform/api', 'platform/a/b', 'a.b',
    'x.1.y', 'app-dev', 'app-prod', 'a/b/c', 'abc', '-', 'b/x', 'z/b', 'xx/api', 'a/xb', 'ab/', 'sha-1234', 'sha-12',
    'release-1', 'release-x', 'Ab', 'xa', 'xa/b', '_x', '.x', 'x.', 'a.b/c',
  ];

  it.each(patterns)('%s matches the same names', (glob) => {
    const old = picomatch(glob, { bash: true, dot: true });
    const now = globMatcher([glob]);
    const differ = names.filter((name) => old(name) !== now(name));
    expect(differ).toEqual([]);
  });

  it('matches any of several globs, with one argument only', () => {
    const match = globMatcher(['v1.*', 'latest']);
    expect(['dev', 'x'].some(match)).toBe(false);
    expect(['dev', 'latest'].some(match)).toBe(true);
  });

  it('differs only where documented: *.* on a trailing dot, [!a] negates', () => {
    expect(globMatcher(['*.*'])('v1.')).toBe(true);
    expect(picomatch('*.*', { bash: true, dot: true })('v1.')).toBe(false);
    expect(globMatcher(['[!a]b'])('cb')).toBe(true);
    expect(globMatcher(['[!a]b'])('ab')).toBe(false);
    expect(globMatcher(['[!a]b'])('/b')).toBe(false);
  });
});
