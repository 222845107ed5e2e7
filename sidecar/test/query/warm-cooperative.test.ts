import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as costModule from '../../src/cost/cost.js';
import { repositoryCost } from '../../src/cost/cost.js';
import type { PriceTable } from '../../src/cost/pricing.js';
import { repositorySizes, repositorySizesCooperatively } from '../../src/cost/sizes.js';
import { imageIndex, imageIndexCooperatively } from '../../src/query/image-index.js';
import { ascendingOrder, ascendingOrderCooperatively } from '../../src/query/image-select.js';
import { repositoryStats, repositoryStatsCooperatively } from '../../src/query/stats.js';
import type * as costTypeModule from '../../src/query/types/cost.js';
import { costRows } from '../../src/query/types/cost.js';
import type * as repositoriesModule from '../../src/query/types/repositories.js';
import { repositoryRows } from '../../src/query/types/repositories.js';
import type * as severityModule from '../../src/query/types/severity.js';
import { unfilteredSeveritySums } from '../../src/query/types/severity.js';
import type * as usageModule from '../../src/query/types/usage.js';
import { parsedUses } from '../../src/query/types/usage.js';
import { nextTurn } from '../../src/cooperative.js';
import { warmQueryIndexes } from '../../src/query/warm.js';
import { buildSnapshot } from '../../src/snapshot/build.js';
import type { Snapshot } from '../../src/snapshot/model.js';
import { expectDeepEqual } from '../support/deep-equal.js';
import { sampleSnapshot } from '../support/sample.js';
import { syntheticInput } from '../support/synthetic.js';
import { countTurns } from '../support/turns.js';

// The cheap indexes have no cooperative form: spies (calling the real, memoized functions) show what the warm-up built.
vi.mock('../../src/cost/cost.js', async (importOriginal) => {
  const actual = await importOriginal<typeof costModule>();
  return { ...actual, repositoryCost: vi.fn(actual.repositoryCost) };
});
vi.mock('../../src/query/types/cost.js', async (importOriginal) => {
  const actual = await importOriginal<typeof costTypeModule>();
  return { ...actual, costRows: vi.fn(actual.costRows) };
});
vi.mock('../../src/query/types/repositories.js', async (importOriginal) => {
  const actual = await importOriginal<typeof repositoriesModule>();
  return { ...actual, repositoryRows: vi.fn(actual.repositoryRows) };
});
vi.mock('../../src/query/types/severity.js', async (importOriginal) => {
  const actual = await importOriginal<typeof severityModule>();
  return { ...actual, unfilteredSeveritySums: vi.fn(actual.unfilteredSeveritySums) };
});
vi.mock('../../src/query/types/usage.js', async (importOriginal) => {
  const actual = await importOriginal<typeof usageModule>();
  return { ...actual, parsedUses: vi.fn(actual.parsedUses) };
});

/** More rows than one sorted run, so that the orders are merged too. */
const input = syntheticInput(200, 150);
const prices: PriceTable = { defaultUsdPerGbMonth: 0.1, byRegion: { 'eu-west-1': 0.12 } };
const ORDERS = ['pushedAt', 'sizeBytes', 'lastPulledAt'] as const;
const columnOf = (snapshot: Snapshot, name: (typeof ORDERS)[number]): Float64Array => {
  const index = imageIndex(snapshot);
  return name === 'lastPulledAt' ? index.pulledAt : index[name];
};

/** What `fn` returned when first called with `first` during the warm-up. */
function returnedDuringWarmUp<A extends unknown[], R>(fn: (...args: A) => R, first: unknown): R {
  const mock = vi.mocked(fn).mock;
  const k = mock.calls.findIndex((args) => args[0] === first);
  expect(k, `${fn.name} was called`).toBeGreaterThanOrEqual(0);
  return mock.results[k]!.value as R;
}

beforeEach(() => {
  vi.clearAllMocks();
});

describe('cooperative query indexes', () => {
  it.each([
    ['a synthetic inventory', () => buildSnapshot(input)],
    ['the sample inventory', () => sampleSnapshot()],
  ])('equal the synchronous ones for %s', async (_, make) => {
    // Two snapshots of the same input, so that neither side finds the other's memo.
    const cooperative = make();
    const sync = make();
    const index = await imageIndexCooperatively(cooperative, 0);
    expectDeepEqual(index, imageIndex(sync));
    expect(await repositoryStatsCooperatively(cooperative, 0)).toStrictEqual(repositoryStats(sync));
    expect(await repositorySizesCooperatively(cooperative, 0)).toStrictEqual(repositorySizes(sync));
    for (const name of ORDERS) {
      const order = await ascendingOrderCooperatively(index, name, columnOf(cooperative, name), 0);
      expectDeepEqual(order, ascendingOrder(imageIndex(sync), name, columnOf(sync, name)));
    }
  });

  it('give the event loop turns while building', async () => {
    const snapshot = buildSnapshot(input);
    let ran = false;
    setImmediate(() => (ran = true));
    const index = await imageIndexCooperatively(snapshot, 0);
    expect(ran).toBe(true);
    for (const build of [
      () => ascendingOrderCooperatively(index, 'sizeBytes', index.sizeBytes, 0),
      () => repositoryStatsCooperatively(snapshot, 0),
      () => repositorySizesCooperatively(snapshot, 0),
    ]) {
      const turns = countTurns();
      await build();
      expect(turns.stop()).toBeGreaterThan(0);
    }
  });

  it.each([
    ['imageIndex', (s: Snapshot) => imageIndexCooperatively(s, 0), (s: Snapshot) => imageIndex(s)],
    ['repositoryStats', (s: Snapshot) => repositoryStatsCooperatively(s, 0), (s: Snapshot) => repositoryStats(s)],
    ['repositorySizes', (s: Snapshot) => repositorySizesCooperatively(s, 0), (s: Snapshot) => repositorySizes(s)],
    [
      'ascendingOrder',
      (s: Snapshot) => ascendingOrderCooperatively(imageIndex(s), 'pushedAt', imageIndex(s).pushedAt, 0),
      (s: Snapshot) => ascendingOrder(imageIndex(s), 'pushedAt', imageIndex(s).pushedAt),
    ],
  ])('%s: a synchronous call while the cooperative one runs wins, and both callers get its result', async (_, cooperatively, now) => {
    const snapshot = buildSnapshot(input);
    let settled = false;
    const pending = cooperatively(snapshot).finally(() => (settled = true));
    await nextTurn();
    expect(settled).toBe(false);
    const sync = now(snapshot);
    expect(await pending).toBe(sync);
    expect(now(snapshot)).toBe(sync);
  });
});

describe('warmQueryIndexes', () => {
  it('gives the event loop turns and leaves every index memoized', async () => {
    const snapshot = buildSnapshot(input);
    let ran = false;
    setImmediate(() => (ran = true));
    await warmQueryIndexes(snapshot, prices, 0);
    expect(ran).toBe(true);

    // A cooperative call that finds its memo resolves without a turn; with a zero slice, one that builds gives one.
    const turns = countTurns();
    const index = await imageIndexCooperatively(snapshot, 0);
    for (const name of ORDERS) expect(await ascendingOrderCooperatively(index, name, columnOf(snapshot, name), 0)).toBe(ascendingOrder(index, name, columnOf(snapshot, name)));
    const stats = await repositoryStatsCooperatively(snapshot, 0);
    const sizes = await repositorySizesCooperatively(snapshot, 0);
    expect(turns.stop()).toBe(0);
    expect(imageIndex(snapshot)).toBe(index);
    expect(repositoryStats(snapshot)).toBe(stats);
    expect(repositorySizes(snapshot)).toBe(sizes);

    expect(unfilteredSeveritySums(snapshot)).toBe(returnedDuringWarmUp(unfilteredSeveritySums, snapshot));
    expect(parsedUses(snapshot)).toBe(returnedDuringWarmUp(parsedUses, snapshot));
    expect(repositoryRows(snapshot, prices)).toBe(returnedDuringWarmUp(repositoryRows, snapshot));
    expect(costRows(snapshot, prices)).toBe(returnedDuringWarmUp(costRows, snapshot));
    const costed = new Set(vi.mocked(repositoryCost).mock.calls.filter(([s]) => s === snapshot).map(([, id]) => id));
    expect(costed).toStrictEqual(new Set(snapshot.repositories.map((r) => r.id)));
  });

  it('builds what the queries build on first use', async () => {
    const cooperative = buildSnapshot(input);
    const sync = buildSnapshot(input);
    await warmQueryIndexes(cooperative, prices);
    expectDeepEqual(imageIndex(cooperative), imageIndex(sync));
    expect(unfilteredSeveritySums(cooperative)).toStrictEqual(unfilteredSeveritySums(sync));
    expect(repositoryRows(cooperative, prices)).toStrictEqual(repositoryRows(sync, prices));
    expect(costRows(cooperative, prices)).toStrictEqual(costRows(sync, prices));
  });

  it('without prices, leaves the cost rows to their first use', async () => {
    const snapshot = buildSnapshot(input);
    await warmQueryIndexes(snapshot);
    expect(vi.mocked(repositoryRows)).not.toHaveBeenCalled();
    expect(vi.mocked(costRows)).not.toHaveBeenCalled();
  });
});
