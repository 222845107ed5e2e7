import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { planCleanup } from '../../src/cleanup/plan/planner.js';
import { selectPlan } from '../../src/cleanup/plan/select.js';
import { Filters } from '../../src/query/request.js';
import { DAY, NOW, makeImage, makeRepository, makeSnapshot } from '../support/builders.js';

// Repositories of 0 to 7 images, some old enough to delete: pages cross repository boundaries and skip empty ones.
const sizes = [3, 0, 7, 1, 0, 5, 2];
const repositories = sizes.map((_, r) => makeRepository({ name: `svc-${r}` }));
const images = sizes.flatMap((n, r) =>
  Array.from({ length: n }, (_, i) =>
    makeImage({ repository: repositories[r]!, seed: `r${r}-i${i}`, tags: i % 2 ? [] : [`v${i}`], pushedAt: NOW - (i * 20 + 1) * DAY }),
  ),
);
const snapshot = makeSnapshot({ repositories, images });
const plan = planCleanup(snapshot, CleanupConfig.parse({ defaultRule: {} }), NOW);
const key = (p: { image: { repositoryId: string; digest: string } }) => `${p.image.repositoryId}@${p.image.digest}`;

describe('a cleanup plan selection, paged', () => {
  const cases: readonly [string, Filters][] = [
    ['every image', {}],
    ['images to delete', { decision: ['delete'] }],
    ['one repository', Filters.parse({ repository: 'svc-2' })],
  ];
  for (const [name, filters] of cases) {
    it(`gives each page of ${name} as a slice of all its rows, in plan order`, () => {
      const all = plan.repositories.flatMap((r) => r.images).filter((p) => (filters.decision ? filters.decision.includes(p.decision) : true));
      const scoped = filters.repository ? all.filter((p) => p.image.repositoryId.endsWith(`/${'svc-2'}`)) : all;
      const selection = selectPlan(plan, filters, NOW, snapshot);
      expect(selection.total).toBe(scoped.length);
      expect(selection.rows.map(key)).toEqual(scoped.map(key));
      fc.assert(
        fc.property(fc.nat(30), fc.integer({ min: 1, max: 30 }), (offset, limit) => {
          expect(selection.page(offset, limit).map(key)).toEqual(scoped.slice(offset, offset + limit).map(key));
        }),
      );
    });
  }

  it('finds its repositories by id', () => {
    const selection = selectPlan(plan, {}, NOW, snapshot);
    expect(selection.repositoryById.get(repositories[5]!.id)?.summary.images).toBe(5);
    expect(selection.repositoryById.size).toBe(sizes.length);
  });
});
