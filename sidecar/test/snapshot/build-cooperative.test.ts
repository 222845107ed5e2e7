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

  it('with the lists a targeted refresh keeps, builds what a build of everything does, sharing the kept lists', async () => {
    const base = buildSnapshot(input);
    const [pushed, gone, ...rest] = input.repositories;
    const added = { ...pushed!, id: `${pushed!.id}-new`, name: `${pushed!.name}-new` };
    const newImage = { ...base.imagesByRepository.get(pushed!.id)![0]!, digest: `sha256:${'e'.repeat(64)}`, pushedAt: input.refreshStartedAt };
    const readNow = [newImage, ...base.imagesByRepository.get(pushed!.id)!.slice(1), { ...newImage, repositoryId: added.id }];
    const next = {
      ...input,
      repositories: [pushed!, ...rest, added],
      images: [...input.images.filter((i) => i.repositoryId !== pushed!.id && i.repositoryId !== gone!.id), ...readNow],
    };
    const reuse = { base, changed: new Set([pushed!.id, gone!.id, added.id]), images: readNow };
    const reusing = await buildSnapshotCooperatively(next, 0, reuse);
    expect(reusing).toStrictEqual(buildSnapshot(next));
    expect(reusing.imagesByRepository.get(pushed!.id)![0]).toBe(newImage);
    expect(reusing.imagesByRepository.has(gone!.id)).toBe(false);
    for (const repository of rest) expect(reusing.imagesByRepository.get(repository.id)).toBe(base.imagesByRepository.get(repository.id));
  });
});
