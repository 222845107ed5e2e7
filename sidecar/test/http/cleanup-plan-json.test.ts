import { CleanupPlan } from '@ecr-lens/contract';
import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { createCleanupService } from '../../src/cleanup/service.js';
import { cleanupPlanRoutes, REPOSITORIES_PER_STEP, repositoryJson } from '../../src/http/cleanup-plan.js';
import type { AppEnv } from '../../src/http/deps.js';
import { DAY, NOW, fakeInventory, makeImage, makeRepository, makeSnapshot } from '../support/builders.js';

/** A plan route over a snapshot of `count` repositories of one old image each, its plan made. */
async function planRoute(count: number) {
  const repositories = Array.from({ length: count }, (_, r) => makeRepository({ name: `svc-${String(r).padStart(4, '0')}` }));
  const images = repositories.map((repository, r) => makeImage({ repository, seed: `r${r}`, tags: [], pushedAt: NOW - (r % 90) * DAY }));
  const snapshot = makeSnapshot({ repositories, images });
  const inventory = fakeInventory(snapshot);
  const service = createCleanupService({ config: CleanupConfig.parse({ defaultRule: {} }), inventory, prices: { defaultUsdPerGbMonth: 0.1 }, now: () => NOW });
  await service.prepare(snapshot);
  const app = new OpenAPIHono<AppEnv>();
  cleanupPlanRoutes({ service, inventory })(app);
  return { app, plan: service.plan(snapshot) };
}

/** Turns of the event loop taken while `work` runs. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const tick = (): void => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const value = await work();
  done = true;
  return { value, turns };
}

describe('the cleanup plan route, repositories part', () => {
  for (const count of [0, 1, REPOSITORIES_PER_STEP, REPOSITORIES_PER_STEP + 1, 2 * REPOSITORIES_PER_STEP, 2 * REPOSITORIES_PER_STEP + 3]) {
    it(`lists every one of ${count} repositories once, in plan order, as the contract says`, async () => {
      const { app, plan } = await planRoute(count);
      const res = await app.request('/api/v1/cleanup/plan?limit=5');
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      const body = CleanupPlan.parse(JSON.parse(text));
      expect(body.repositories.map((r) => r.repository)).toEqual(plan.repositories.map((r) => r.repository.name));
      expect(body.repositories.map((r) => [r.status, r.rule, r.summary.images, r.summary.delete])).toEqual(
        plan.repositories.map((r) => [r.status, r.rule, r.summary.images, r.summary.delete]),
      );
      // The part as one JSON.stringify of every row would write it, byte for byte.
      const rows = plan.repositories.map(repositoryJson);
      expect(text).toContain(`"repositories":${JSON.stringify(rows)},"images":`);
      expect(body.totalImages).toBe(count);
      expect(body.images).toHaveLength(Math.min(5, count));
    });
  }

  it('makes a large plan’s repositories over several turns of the event loop, once per plan', async () => {
    const { app } = await planRoute(4 * REPOSITORIES_PER_STEP);
    const first = await turnsDuring(async () => (await app.request('/api/v1/cleanup/plan?limit=5')).text());
    // One turn between steps at least: the loop was free three times while the text was made.
    expect(first.turns).toBeGreaterThanOrEqual(3);
    const again = await turnsDuring(async () => (await app.request('/api/v1/cleanup/plan?limit=5')).text());
    expect(again.value).toBe(first.value);
    expect(again.turns).toBeLessThan(first.turns);
  });
});
