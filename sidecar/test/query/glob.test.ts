import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/query/filters.js';
import { runQuery } from '../../src/query/engine.js';
import { QueryRequest } from '../../src/query/request.js';
import { digest, makeImage, makeRepository, makeSnapshot, NOW } from '../support/builders.js';
import { testContext, values } from '../support/frames.js';

describe('globMatcher', () => {
  it('matches with one argument even when an array method passes more', () => {
    const match = globMatcher(['v1.*']);
    // Array#some passes (value, index, array); picomatch would read the index as `returnObject`.
    expect(['latest', 'dev', 'x'].some(match)).toBe(false);
    expect(['latest', 'v1.2'].some(match)).toBe(true);
  });

  it('lets * cross slashes in repository names and supports alternatives', () => {
    expect(globMatcher(['team-*'])('team-a/api')).toBe(true);
    expect(globMatcher(['{api,web}'])('web')).toBe(true);
    expect(globMatcher(['api'])('web')).toBe(false);
  });
});

describe('tag filter', () => {
  it('does not match an image with several tags none of which match', () => {
    const repo = makeRepository({ name: 'api' });
    const snapshot = makeSnapshot({
      repositories: [repo],
      images: [
        makeImage({ repository: repo, digest: digest('a'), tags: ['latest', 'staging'], pushedAt: NOW - 1000 }),
        makeImage({ repository: repo, digest: digest('b'), tags: ['v1.0', 'stable'], pushedAt: NOW - 2000 }),
      ],
    });
    const request = QueryRequest.parse({ queryType: 'images', filters: { tag: 'v1.*' } });
    const { frame } = runQuery(snapshot, request, testContext());
    expect(values(frame, 'digest')).toEqual([digest('b')]);
  });
});
