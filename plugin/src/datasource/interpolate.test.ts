import { buildFilters, splitList } from './interpolate';
import { fakeTemplateSrv } from './testing/fakes';

describe('splitList', () => {
  it('splits on commas outside glob braces and drops blanks and repeats', () => {
    expect(splitList(' a, b ,,{x,y}-*, a ')).toEqual(['a', 'b', '{x,y}-*']);
  });
});

describe('buildFilters', () => {
  it('expands multi-value variables, keeps numbers and booleans, and converts epoch dates', () => {
    const srv = fakeTemplateSrv({ region: ['us-east-1', 'eu-west-1'], cluster: 'prod' });
    expect(
      buildFilters(srv, {
        region: '$region',
        cluster: '${cluster}',
        repository: '  ',
        pushedAfter: '1767225600000',
        pushedBefore: '2026-02-01T00:00:00Z',
        olderThanDays: 0,
        inUse: false,
        scanState: [],
        minSeverity: 'HIGH',
      })
    ).toEqual({
      region: ['us-east-1', 'eu-west-1'],
      cluster: ['prod'],
      pushedAfter: 1_767_225_600_000,
      pushedBefore: '2026-02-01T00:00:00Z',
      olderThanDays: 0,
      inUse: false,
      minSeverity: 'HIGH',
    });
  });

  it('keeps notUsedForDays like the other day counts, and drops it when not a number', () => {
    const srv = fakeTemplateSrv({});
    expect(buildFilters(srv, { notUsedForDays: 90, notPulledForDays: 30 })).toEqual({
      notUsedForDays: 90,
      notPulledForDays: 30,
    });
    expect(buildFilters(srv, { notUsedForDays: Number.NaN })).toEqual({});
  });
});
