import { describe, expect, it } from 'vitest';
import { buildSnapshot, buildSnapshotCooperatively } from '../../src/snapshot/build.js';
import { syntheticInput } from '../support/synthetic.js';
import { countTurns } from '../support/turns.js';

const input = syntheticInput(150, 120);

describe('buildSnapshotCooperatively', () => {
  it('builds the same frozen snapshot as buildSnapshot', async () => {
    const sync = buildSnapshot(input);
    const cooperative = await buildSnapshotCooperatively(input);
    expect(cooperative).not.toBe(sync);
    expect(cooperative).toStrictEqual(sync);
    expect(Object.isFrozen(cooperative)).toBe(true);
    for (const images of cooperative.imagesByRepository.values()) expect(Object.isFrozen(images)).toBe(true);
    expect(cooperative.usesByImage.size).toBeGreaterThan(0);
  });

  it('gives the event loop turns while building', async () => {
    let ran = false;
    setImmediate(() => (ran = true));
    const turns = countTurns();
    const promise = buildSnapshotCooperatively(input, 0);
    expect(ran).toBe(false);
    await promise;
    expect(ran).toBe(true);
    // With a zero slice, at least one turn per repository sorted.
    expect(turns.stop()).toBeGreaterThanOrEqual(input.repositories.length);
  });
});
