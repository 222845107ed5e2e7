/**
 * Faults injected through the emulator's controls, against the real sidecar over HTTP. Through each
 * one the sidecar stays up, serves only whole snapshots (never a half-built one), reports what it could
 * not read, marks the data stale when a refresh fails, and recovers once the fault clears.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault, RunningEmulator } from '../../src/demo/index.js';
import { startEmulator } from '../../src/demo/index.js';
import type { Observation, TestSidecar } from './support.js';
import {
  BIG_REPOSITORY,
  awaitableLogger,
  fetchWithin,
  fixtureTotals,
  healthz,
  metricSum,
  metricValue,
  metrics,
  observeWhile,
  readyz,
  smallFixture,
  startSidecar,
  startSmallEmulator,
  triggerRefresh,
} from './support.js';

const fixture = smallFixture();
const TOTALS = fixtureTotals(fixture);
/** The one repository with more than 1000 images: two DescribeImages pages. */
const BIG = fixture.registries
  .flatMap((r) => r.repositories.map((repo) => ({ registry: r, repo })))
  .find(({ repo }) => repo.name === BIG_REPOSITORY)!;

let emulator: RunningEmulator;
let sidecar: TestSidecar;
/** How the emulator's injected latency waits: a timer, unless a test holds the answers back itself. */
let hold: ((ms: number) => Promise<unknown>) | undefined;

beforeAll(async () => {
  emulator = await startEmulator({ fixture, host: '127.0.0.1', delay: (ms) => (hold ?? sleep)(ms) });
  sidecar = await startSidecar({ emulator, env: { CLEANUP_DEFAULT_RULE: 'true' } });
});

afterAll(async () => {
  await sidecar?.close();
  await emulator?.close();
});

/**
 * Every observation is a whole snapshot: its totals are one of the allowed full snapshots', the same
 * version always shows the same totals, and each poller sees versions only move forward.
 */
function expectWhole(
  observations: readonly Observation[],
  allowed: readonly { repositories: number; images: number }[],
): void {
  expect(observations.length).toBeGreaterThan(0);
  const byVersion = new Map<number, string>();
  for (const o of observations) {
    const totals = { repositories: o.repositories, images: o.images };
    expect(allowed, `${o.source} v${o.version}`).toContainEqual(totals);
    const key = JSON.stringify(totals);
    expect(byVersion.get(o.version) ?? key, `v${o.version} seen with two different totals`).toBe(key);
    byVersion.set(o.version, key);
  }
  for (const source of ['status', 'query', 'metrics'])
    for (const poller of [0, 1]) {
      const versions = observations.filter((o) => o.source === source && o.poller === poller).map((o) => o.version);
      for (let i = 1; i < versions.length; i++)
        expect(versions[i]!, `${source} poller ${poller}`).toBeGreaterThanOrEqual(versions[i - 1]!);
    }
}

/** Fault on, one refresh under observation, checks, fault off, recovery. */
async function underFault(
  faults: Record<string, Fault>,
  check: (observations: Observation[]) => Promise<void>,
): Promise<void> {
  const before = (await readyz(sidecar.url)).snapshotVersion;
  emulator.controls.resetCalls();
  emulator.controls.update({ faults });
  let observations: Observation[];
  try {
    observations = await observeWhile(sidecar.url, () => triggerRefresh(sidecar));
    expect(await healthz(sidecar.url)).toBe(200);
    const ready = await readyz(sidecar.url);
    expect(ready.ready).toBe(true);
    expect(ready.snapshotVersion).toBeGreaterThanOrEqual(before);
    // /readyz and /metrics agree on staleness and incompleteness.
    const text = await metrics(sidecar.url);
    expect(metricValue(text, 'ecrlens_inventory_stale')).toBe(ready.stale ? 1 : 0);
    expect(metricSum(text, 'ecrlens_inventory_incomplete')).toBe(ready.incompleteCount);
    await check(observations);
  } finally {
    emulator.controls.clearFaults();
  }
  await expectRecovered();
}

async function expectRecovered(): Promise<void> {
  await triggerRefresh(sidecar);
  const ready = await readyz(sidecar.url);
  expect(ready).toMatchObject({ ready: true, stale: false, incomplete: false });
  const text = await metrics(sidecar.url);
  expect(metricValue(text, 'ecrlens_inventory_stale')).toBe(0);
  expect(metricValue(text, 'ecrlens_inventory_consecutive_failures')).toBe(0);
  const status = (await (await fetchWithin(`${sidecar.url}/api/v1/status`)).json()) as {
    snapshot: { repositories: number; images: number };
  };
  expect(status.snapshot).toMatchObject(TOTALS);
}

describe('faults injected through the emulator', () => {
  // 30% on every ECR and ECS operation makes the SDK's adaptive rate limiter slow a refresh to ~30 s even
  // here; the benchmark runs that, CI throttles the image listing only.
  it(
    '30% throttling of DescribeImages: the SDK retries absorb it, every answer is a whole snapshot',
    { timeout: 90_000 },
    async () => {
      const throttlesBefore = metricSum(await metrics(sidecar.url), 'ecrlens_aws_api_throttles_total');
      await underFault({ 'ecr:DescribeImages': { throttleProbability: 0.3 } }, async (observations) => {
        expectWhole(observations, [TOTALS]);
        const throttled = Object.values(emulator.controls.calls()).reduce((n, c) => n + c.throttled, 0);
        expect(throttled).toBeGreaterThan(2);
        expect(metricSum(await metrics(sidecar.url), 'ecrlens_aws_api_throttles_total')).toBeGreaterThanOrEqual(
          throttlesBefore + throttled,
        );
      });
    },
  );

  it('10% server errors: retried, no half-built snapshot, errors counted', async () => {
    await underFault({ '*': { serverErrorProbability: 0.1 } }, async (observations) => {
      expectWhole(observations, [TOTALS]);
      expect(Object.values(emulator.controls.calls()).reduce((n, c) => n + c.faulted, 0)).toBeGreaterThan(0);
    });
  });

  it('added latency: queries keep answering from the last snapshot while the slow refresh runs, then it swaps whole', async () => {
    const before = (await readyz(sidecar.url)).snapshotVersion;
    await underFault({ '*': { latencyMs: 60 } }, async (observations) => {
      expectWhole(observations, [TOTALS]);
      const versions = new Set(observations.map((o) => o.version));
      // Polled before and after the swap: the old snapshot served during the refresh, the new one after.
      expect(versions.has(before)).toBe(true);
      expect(versions.has(before + 1)).toBe(true);
    });
  });

  it('a failure on the 2nd DescribeImages page: that repository keeps its last good images and is marked incomplete', async () => {
    await underFault({ 'ecr:DescribeImages': { failOnPage: 2 } }, async (observations) => {
      expectWhole(observations, [TOTALS]);
      const ready = await readyz(sidecar.url);
      expect(ready).toMatchObject({ stale: false, incomplete: true });
      const status = (await (await fetchWithin(`${sidecar.url}/api/v1/status`)).json()) as {
        incomplete: { scope: string; target?: string; error: string }[];
      };
      expect(status.incomplete).toEqual([
        expect.objectContaining({
          scope: 'images',
          target: BIG.repo.name,
          region: BIG.registry.region,
          error: expect.stringContaining('Injected failure on page 2'),
        }),
      ]);
      const text = await metrics(sidecar.url);
      expect(text).toMatch(
        new RegExp(`ecrlens_repository_incomplete\\{[^}]*repository_name="${BIG.repo.name}"[^}]*\\} 1`),
      );
    });
  });

  it('every registry unreadable (failure on the first DescribeRepositories page): the refresh fails, the last snapshot is served, marked stale', async () => {
    const version = (await readyz(sidecar.url)).snapshotVersion;
    await underFault({ 'ecr:DescribeRepositories': { failOnPage: 1 } }, async (observations) => {
      expectWhole(observations, [TOTALS]);
      expect(new Set(observations.map((o) => o.version))).toEqual(new Set([version]));
      expect(await readyz(sidecar.url)).toMatchObject({ ready: true, stale: true, snapshotVersion: version });
      const text = await metrics(sidecar.url);
      expect(metricValue(text, 'ecrlens_inventory_stale')).toBe(1);
      expect(metricValue(text, 'ecrlens_inventory_consecutive_failures')).toBe(1);
      // Data routes still answer from the last good snapshot.
      const res = await fetchWithin(`${sidecar.url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"queryType":"images","limit":1}',
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { total: number }).total).toBe(TOTALS.images);
    });
  });

  it('ECS unavailable: the snapshot says ECS is incomplete and the cleanup plan blocks every repository', async () => {
    await underFault({ 'ecs:*': { serverErrorProbability: 1 } }, async (observations) => {
      expectWhole(observations, [TOTALS]);
      expect(await readyz(sidecar.url)).toMatchObject({ stale: false, incomplete: true });
      const res = await fetchWithin(`${sidecar.url}/api/v1/cleanup/plan?limit=100000`);
      expect(res.status).toBe(200);
      const plan = (await res.json()) as {
        summary: { delete: number; deleteSizeBytes: number };
        repositories: { repository: string; status: string; blockedReasons: { code: string; text: string }[] }[];
        images: { decision: string }[];
        totalImages: number;
      };
      expect(plan.repositories).toHaveLength(TOTALS.repositories);
      for (const r of plan.repositories) {
        if (r.status === 'no-rule') continue; // no rule applies: nothing would be deleted anyway
        expect(r.status, r.repository).toBe('blocked');
        expect(r.blockedReasons.map((b) => b.code)).toContain('blocked-ecs');
        expect(r.blockedReasons.find((b) => b.code === 'blocked-ecs')!.text).toMatch(/ECS listing incomplete/);
      }
      expect(plan.repositories.some((r) => r.status === 'blocked')).toBe(true);
      expect(plan.summary).toMatchObject({ delete: 0, deleteSizeBytes: 0 });
      expect(plan.images.filter((i) => i.decision === 'delete')).toEqual([]);
      const csv = await (await fetchWithin(`${sidecar.url}/api/v1/cleanup/plan.csv`)).text();
      expect(csv.trim().split('\n')).toEqual(['repository,digest,tags']);
    });
    // Recovered: the plan deletes again.
    const plan = (await (await fetchWithin(`${sidecar.url}/api/v1/cleanup/plan?limit=1`)).json()) as {
      summary: { delete: number };
    };
    expect(plan.summary.delete).toBeGreaterThan(0);
  });

  it('a repository deleted in the middle of a refresh: each answer is the snapshot before or after, never a mix', async () => {
    const registry = fixture.registries.find(
      (r) => r.accountId === emulator.store.defaultAccountId && r.region === emulator.store.defaultRegion,
    )!;
    const victim = registry.repositories.find((r) => r !== BIG.repo && r.images.length > 10)!;
    const after = { repositories: TOTALS.repositories - 1, images: TOTALS.images - victim.images.length };
    emulator.controls.resetCalls();
    // The delayed calls wait until released; the first DescribeImages held says the refresh is in the middle.
    let describing!: () => void;
    const inTheMiddle = new Promise<void>((resolve) => (describing = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    hold = () => {
      if (emulator.controls.callCount('ecr:DescribeImages') > 0) describing();
      return released;
    };
    emulator.controls.update({
      faults: { 'ecr:DescribeImages': { latencyMs: 400 }, 'ecr:GetLifecyclePolicy': { latencyMs: 400 } },
    });
    let observations: Observation[];
    try {
      observations = await observeWhile(sidecar.url, async () => {
        const refreshing = triggerRefresh(sidecar);
        // DescribeRepositories has answered and the DescribeImages calls are waiting: delete now.
        await inTheMiddle;
        expect(emulator.store.deleteRepository(registry.accountId, registry.region, victim.name)).toBe(true);
        release();
        await refreshing;
        emulator.controls.clearFaults();
        await triggerRefresh(sidecar);
      });
    } finally {
      hold = undefined;
      release();
    }
    expectWhole(observations, [TOTALS, after]);
    expect(observations.some((o) => o.images === after.images)).toBe(true);
    expect(await readyz(sidecar.url)).toMatchObject({ stale: false, incomplete: false });
    const status = (await (await fetchWithin(`${sidecar.url}/api/v1/status`)).json()) as {
      snapshot: { repositories: number; images: number };
    };
    expect(status.snapshot).toMatchObject(after);
    expect(await healthz(sidecar.url)).toBe(200);
  });
});

describe('the emulator stopped, then restarted on the same port', () => {
  it('serves the last snapshot marked stale during the outage and recovers by itself', async () => {
    const small = smallFixture({}, false);
    const totals = fixtureTotals(small);
    let aws = await startSmallEmulator(small);
    const { log, logged } = awaitableLogger();
    // CACHE_REFRESH_INTERVAL=10: background refreshes, and a retry at most 10 s after a failure.
    const own = await startSidecar({ emulator: aws, env: { CACHE_REFRESH_INTERVAL: '10' }, log });
    try {
      const port = aws.port;
      const version = (await readyz(own.url)).snapshotVersion;
      await aws.close();
      // The outage lasts as long as a refresh takes to fail (the bench holds it for minutes: bench/reliability.ts).
      const observations = await observeWhile(own.url, () => triggerRefresh(own));
      expectWhole(observations, [totals]);
      expect(await healthz(own.url)).toBe(200);
      expect(await readyz(own.url)).toMatchObject({ ready: true, stale: true, snapshotVersion: version });
      expect(metricValue(await metrics(own.url), 'ecrlens_inventory_stale')).toBe(1);

      // No manual refresh: the refresher's own retry brings it back (none can succeed before the restart).
      const recovered = logged(/msg="refresh done"/);
      aws = await startEmulator({ fixture: small, port, host: '127.0.0.1' });
      await recovered;
      const ready = await readyz(own.url);
      expect(ready.stale).toBe(false);
      expect(ready.snapshotVersion).toBeGreaterThan(version);
      expect(metricValue(await metrics(own.url), 'ecrlens_inventory_stale')).toBe(0);
      const status = (await (await fetchWithin(`${own.url}/api/v1/status`)).json()) as {
        snapshot: { repositories: number; images: number };
      };
      expect(status.snapshot).toMatchObject(totals);
    } finally {
      await own.close();
      await aws.close().catch(() => undefined); // already stopped when the restart failed
    }
  });
});
