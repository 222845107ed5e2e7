process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * What the plan can see per registry (GET /api/v1/cleanup/sources): the sources covering each registry and when
 * they were read, failed reads, and blind registries, whose repositories the plan blocks. Against the emulator's
 * snapshot, then that snapshot with its sources changed.
 */
import { CleanupSources } from '@ecr-lens/contract';
import { describe, expect, it } from 'vitest';
import { planSources } from '../../src/cleanup/plan/sources.js';
import type { Snapshot } from '../../src/snapshot/model.js';
import { ACCOUNT, REGION, useCleanupHarness } from '../support/cleanup-fixture.js';

const harness = useCleanupHarness();

describe('the sources the plan reads, per registry', () => {
  it('serves each registry with the sources that cover it, when they were read, and the plan notices', async () => {
    const service = harness().serviceWith({});
    const app = harness().makeApp(service);
    const res = await app.request('/api/v1/cleanup/sources');
    expect(res.status).toBe(200);
    const body = CleanupSources.parse(await res.json());
    const snapshot = harness().refresher.snapshot();
    const ecs = snapshot.sources!.find((s) => s.source === 'ecs')!;
    expect(body.snapshotVersion).toBe(snapshot.version);
    expect(body.registries).toEqual([
      {
        account: ACCOUNT,
        region: REGION,
        repositories: 2,
        sources: expect.arrayContaining([
          {
            source: 'ecs',
            description: ecs.description,
            scope: 'registry',
            readAt: new Date(ecs.readAt).toISOString(),
            watchedSince: null,
            notices: [],
          },
        ]),
        watched: true,
        nothingRunsFrom: false,
        blind: false,
        failures: [],
        blockedRepositories: 0,
      },
    ]);
    expect(body.notSources).toEqual(expect.arrayContaining(['kubernetes', 'keep-list']));
    const plan = (await (await app.request('/api/v1/cleanup/plan?limit=1')).json()) as { notices: string[] };
    expect(body.notices).toEqual(plan.notices);
  });

  it('calls a registry nothing watches blind, and counts the repositories its plan blocks, unless declared', () => {
    const base = harness().refresher.snapshot();
    // Only a keep list: it names exceptions, it does not watch what runs.
    const unwatched: Snapshot = {
      ...base,
      sources: [{ source: 'keep-list', description: 'keep.txt', readAt: base.builtAt }],
    };
    const service = harness().serviceWith({});
    const blind = planSources(unwatched, service.plan(unwatched), service.config).registries[0]!;
    expect(blind).toMatchObject({ watched: false, blind: true, nothingRunsFrom: false });
    expect(blind.sources.map((s) => [s.source, s.scope])).toEqual([['keep-list', 'all-registries']]);
    // api has a rule and is blocked; worker has none, so it is not planned at all.
    expect(blind.blockedRepositories).toBe(1);

    const declared = harness().serviceWith({ CLEANUP_NOTHING_RUNS_FROM: ACCOUNT });
    expect(planSources(unwatched, declared.plan(unwatched), declared.config).registries[0]).toMatchObject({
      watched: false,
      blind: false,
      nothingRunsFrom: true,
      blockedRepositories: 0,
    });
  });

  it("lists the registry's failed in-use reads and those of sources read for every registry", () => {
    const base = harness().refresher.snapshot();
    const failing: Snapshot = {
      ...base,
      incomplete: [
        { scope: 'ecs', accountId: ACCOUNT, region: REGION, operation: 'ListTasks', error: 'ThrottlingException' },
        { scope: 'kubernetes', accountId: '', region: '', operation: 'query', error: 'connection refused' },
        { scope: 'ecs', accountId: '222222222222', region: REGION, operation: 'ListClusters', error: 'AccessDenied' },
        {
          scope: 'images',
          accountId: ACCOUNT,
          region: REGION,
          target: 'api',
          operation: 'DescribeImages',
          error: 'not in-use: left out',
        },
      ],
    };
    const service = harness().serviceWith({});
    const registry = planSources(failing, service.plan(failing), service.config).registries[0]!;
    expect(registry.failures.map((f) => `${f.scope} ${f.operation}`)).toEqual(['ecs ListTasks', 'kubernetes query']);
    expect(registry.blockedRepositories).toBe(1);
  });
});
