/**
 * The refresher's memory of uses gathers a refresh's sightings and sorts the ledger's entries a step at a time
 * (refresh/memory.ts): a registry with many ECS workloads has a hundred thousand uses, one image maybe thousands.
 */
import { describe, expect, it } from 'vitest';
import { ITEMS_PER_STEP, runNow } from '../../src/cooperative.js';
import type { Steps } from '../../src/cooperative.js';
import { sightingsSteps, unseenSteps } from '../../src/refresh/memory.js';
import type { ImageUse } from '../../src/snapshot/model.js';
import { useIdentity } from '../../src/snapshot/model.js';
import type { LedgerEntry } from '../../src/store/types.js';
import { makeImage, makeRepository, makeSnapshot, makeUse } from '../support/builders.js';

const repository = makeRepository({ name: 'base' });
const image = makeImage({ repository, tags: ['v1'] });
const COUNT = 2 * ITEMS_PER_STEP + 10;
/** Every service of the registry runs the one base image. */
const uses: ImageUse[] = Array.from({ length: COUNT }, (_, i) =>
  makeUse({ reference: `${repository.uri}@${image.digest}`, digest: image.digest, cluster: 'prod', service: `svc-${i}`, container: 'app' }),
);
const snapshot = makeSnapshot({ repositories: [repository], images: [image], uses });

/** Runs the steps to the end, counting the times they gave the event loop back. */
function stepsOf<T>(steps: Steps<T>): { yields: number; value: T } {
  let yields = 0;
  for (;;) {
    const next = steps.next();
    if (next.done) return { yields, value: next.value };
    yields++;
  }
}

describe('the memory of uses, a step at a time', () => {
  it("yields every ITEMS_PER_STEP uses, even within one image's uses, and gathers every one", () => {
    expect(snapshot.usesByImage.get(`${repository.id}@${image.digest}`)).toHaveLength(COUNT);
    const { yields, value } = stepsOf(sightingsSteps(snapshot, () => true, undefined));
    expect(yields).toBe(2);
    expect(value.sightings).toHaveLength(COUNT);
    expect(value.sightings[COUNT - 1]).toEqual({ repositoryId: repository.id, digest: image.digest, use: uses[COUNT - 1] });
    expect(value.seenNow.size).toBe(COUNT);
    expect(value.seenNow.has(`${repository.id}@${image.digest}|${useIdentity(uses[0]!)}`)).toBe(true);
  });

  it('a targeted refresh records only what it read again, and still counts every use it saw; uses that do not count are left out', () => {
    const targeted = runNow(sightingsSteps(snapshot, () => true, { readNow: (u) => u.service === 'svc-7' }));
    expect(targeted.sightings.map((s) => s.use.service)).toEqual(['svc-7']);
    expect(targeted.seenNow.size).toBe(COUNT);

    const even = stepsOf(sightingsSteps(snapshot, (u) => Number(u.service!.slice(4)) % 2 === 0, undefined));
    // Skipped uses count towards a step too.
    expect(even.yields).toBe(2);
    expect(even.value.sightings).toHaveLength(COUNT / 2);
    expect(even.value.seenNow.size).toBe(COUNT / 2);
  });

  it('keeps the entries this snapshot did not see, as uses of their digest, a step at a time', () => {
    const { value: seen } = stepsOf(sightingsSteps(snapshot, () => true, undefined));
    const entry = (use: ImageUse, digest = image.digest): LedgerEntry => ({ repositoryId: repository.id, digest, use });
    const gone = Array.from({ length: 5 }, (_, i) =>
      makeUse({ reference: `${repository.uri}:v1`, cluster: 'prod', service: `gone-${i}`, container: 'app', lastSeenAt: 1_000 + i }),
    );
    const entries = [...uses.map((u) => entry(u)), ...gone.map((u) => entry(u))];
    const { yields, value } = stepsOf(unseenSteps(entries, seen.seenNow));
    expect(yields).toBe(2);
    expect(value).toEqual(gone.map((u) => ({ ...u, digest: image.digest })));
    // The same use of another digest is another use.
    expect(runNow(unseenSteps([entry(uses[0]!, 'sha256:other')], seen.seenNow))).toEqual([{ ...uses[0], digest: 'sha256:other' }]);
  });
});
