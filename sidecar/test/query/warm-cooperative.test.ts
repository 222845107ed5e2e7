import { describe, expect, it } from 'vitest';
import type { PriceTable } from '../../src/cost/pricing.js';
import { repositorySizes, repositorySizesCooperatively } from '../../src/cost/sizes.js';
import { imageIndex, imageIndexCooperatively } from '../../src/query/columnar/image-index.js';
import { ascendingOrder, ascendingOrderCooperatively } from '../../src/query/columnar/image-select.js';
import { repositoryStats, repositoryStatsCooperatively } from '../../src/query/columnar/stats.js';
import { costRows } from '../../src/query/types/cost.js';
import { repositoryRows } from '../../src/query/types/repositories.js';
import { unfilteredSeveritySums } from '../../src/query/types/severity.js';
import { nextTurn } from '../../src/cooperative.js';
import { effectiveUses, effectiveUsesCooperatively } from '../../src/query/uses.js';
import { warmQueryIndexes } from '../../src/query/warm.js';
import { buildSnapshot } from '../../src/snapshot/build.js';
import { derivedOf } from '../../src/snapshot/derived.js';
import type { Snapshot } from '../../src/snapshot/model.js';
import { expectDeepEqual } from '../support/deep-equal.js';
import { sampleSnapshot } from '../support/sample.js';
import { syntheticInput } from '../support/synthetic.js';
import { countTurns } from '../support/turns.js';

/** What the warm-up builds, in the order each is finished (a snapshot's derived data, by slot name). */
const WARMED = [
  'effective uses',
  'last uses', // read while the image index is built
  'image index',
  'ascending order[pushedAt]',
  'ascending order[sizeBytes]',
  'ascending order[lastPulledAt]',
  'ascending order[lastUsedAt]',
  'repository statistics',
  'repository sizes',
  'severity sums',
  'listed uses',
];
const WARMED_WITH_PRICES = [...WARMED, 'repository costs', 'repository rows', 'cost rows', 'cost sort keys'];

/** More rows than one sorted run, so that the orders are merged too. */
const input = syntheticInput(200, 150);
const prices: PriceTable = { defaultUsdPerGbMonth: 0.1, byRegion: { 'eu-west-1': 0.12 } };
const ORDERS = ['pushedAt', 'sizeBytes', 'lastPulledAt'] as const;
const columnOf = (snapshot: Snapshot, name: (typeof ORDERS)[number]): Float64Array => {
  const index = imageIndex(snapshot);
  return name === 'lastPulledAt' ? index.pulledAt : index[name];
};

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
    expect(await effectiveUsesCooperatively(cooperative, 0)).toStrictEqual(effectiveUses(sync));
    for (const name of ORDERS) {
      const order = await ascendingOrderCooperatively(cooperative, name, columnOf(cooperative, name), 0);
      expectDeepEqual(order, ascendingOrder(sync, name, columnOf(sync, name)));
    }
  });

  it('give the event loop turns while building', async () => {
    const snapshot = buildSnapshot(input);
    let ran = false;
    setImmediate(() => (ran = true));
    const index = await imageIndexCooperatively(snapshot, 0);
    expect(ran).toBe(true);
    for (const build of [
      () => ascendingOrderCooperatively(snapshot, 'sizeBytes', index.sizeBytes, 0),
      () => repositoryStatsCooperatively(snapshot, 0),
      () => repositorySizesCooperatively(snapshot, 0),
      // The image index read this snapshot's: a fresh one.
      () => effectiveUsesCooperatively(buildSnapshot(input), 0),
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
    ['effectiveUses', (s: Snapshot) => effectiveUsesCooperatively(s, 0), (s: Snapshot) => effectiveUses(s)],
    [
      'ascendingOrder',
      (s: Snapshot) => ascendingOrderCooperatively(s, 'pushedAt', imageIndex(s).pushedAt, 0),
      (s: Snapshot) => ascendingOrder(s, 'pushedAt', imageIndex(s).pushedAt),
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
  it('gives the event loop turns and leaves every index in the snapshot’s derived data', async () => {
    const snapshot = buildSnapshot(input);
    let ran = false;
    setImmediate(() => (ran = true));
    await warmQueryIndexes(snapshot, prices, 0);
    expect(ran).toBe(true);
    expect(derivedOf(snapshot).built()).toEqual(WARMED_WITH_PRICES);

    // A cooperative call that finds its value resolves without a turn; with a zero slice, one that builds gives one.
    const turns = countTurns();
    const index = await imageIndexCooperatively(snapshot, 0);
    for (const name of ORDERS) expect(await ascendingOrderCooperatively(snapshot, name, columnOf(snapshot, name), 0)).toBe(ascendingOrder(snapshot, name, columnOf(snapshot, name)));
    const stats = await repositoryStatsCooperatively(snapshot, 0);
    const sizes = await repositorySizesCooperatively(snapshot, 0);
    expect(turns.stop()).toBe(0);
    expect(imageIndex(snapshot)).toBe(index);
    expect(repositoryStats(snapshot)).toBe(stats);
    expect(repositorySizes(snapshot)).toBe(sizes);
    // Reading every warmed value builds nothing more.
    unfilteredSeveritySums(snapshot);
    repositoryRows(snapshot, prices);
    costRows(snapshot, prices);
    expect(derivedOf(snapshot).built()).toEqual(WARMED_WITH_PRICES);
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

  it('without prices, leaves the repository and cost rows to their first use', async () => {
    const snapshot = buildSnapshot(input);
    await warmQueryIndexes(snapshot);
    expect(derivedOf(snapshot).built()).toEqual(WARMED);
    repositoryRows(snapshot, prices);
    expect(derivedOf(snapshot).built()).toEqual([...WARMED, 'repository costs', 'repository rows']);
  });
});
