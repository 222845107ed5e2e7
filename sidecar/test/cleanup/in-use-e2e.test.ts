/**
 * "Cleanup never deletes what runs", end to end: the real sidecar over HTTP against the emulator through the
 * real SDK clients, with a durable data directory. Each scenario starts its own emulator, so deletions in one
 * do not leak into another.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient, paginateListImages } from '@aws-sdk/client-ecr';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Fixture, RunningEmulator } from '../../src/demo/index.js';
import { startEmulator } from '../../src/demo/index.js';
import { DEMO_CREDENTIALS, demoAccounts } from '../../src/app/demo-sidecar.js';
import { createLogger } from '../../src/log.js';
import type { RunningServer } from '../../src/app/server.js';
import { startServer } from '../../src/app/server.js';

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const ADMIN = 'admin-token-0123456789abcdef';
const DAY_S = 86_400;
const T0 = Date.UTC(2026, 10, 2, 12) / 1000;
const d = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;
const TAGS = ['latest', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'new'] as const;

const image = (tag: string, ageDays: number) => ({
  digest: d(tag),
  tags: [tag],
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  pushedAt: T0 - ageDays * DAY_S,
  config: { digest: d(`${tag}-config`), size: 1000 },
  layers: [{ digest: d(`${tag}-layer`), size: 1_000_000 }],
});

/**
 * api:latest is run by service web through `…/api` (no tag); v3 by Lambda alias prod; v4 is in the keep list;
 * v6 by a standalone running task; v5 only by task definition race:1, which nothing runs yet.
 */
const fixture = (): Fixture => ({
  version: 1,
  registries: [
    {
      accountId: ACCOUNT,
      region: REGION,
      repositories: [
        { name: 'api', createdAt: T0 - 400 * DAY_S, images: [...TAGS.filter((t) => t !== 'new').map((t) => image(t, 100)), image('new', 1)] },
      ],
      ecs: {
        clusters: [
          {
            name: 'prod',
            services: [
              {
                name: 'web',
                desiredCount: 1,
                runningCount: 0,
                taskDefinition: 'web:1',
                createdAt: T0 - 50 * DAY_S,
                deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: 'web:1', desiredCount: 1, runningCount: 0, createdAt: T0 - 50 * DAY_S, updatedAt: T0 - 50 * DAY_S }],
              },
            ],
            tasks: [
              {
                id: 'batch-1',
                taskDefinition: 'batch:1',
                lastStatus: 'RUNNING',
                createdAt: T0 - 3600,
                startedAt: T0 - 3600,
                containers: [{ name: 'job', image: `${URI}/api:v6`, imageDigest: d('v6') }],
              },
            ],
          },
        ],
        taskDefinitions: [
          { family: 'web', revision: 1, registeredAt: T0 - 60 * DAY_S, containers: [{ name: 'web', image: `${URI}/api` }] },
          { family: 'batch', revision: 1, registeredAt: T0 - 60 * DAY_S, containers: [{ name: 'job', image: `${URI}/api:v6` }] },
          { family: 'race', revision: 1, registeredAt: T0 - 60 * DAY_S, containers: [{ name: 'job', image: `${URI}/api:v5` }] },
        ],
      },
      lambda: {
        functions: [
          {
            name: 'thumbnailer',
            latest: { imageUri: `${URI}/api:new`, resolvedDigest: d('new') },
            versions: [{ version: 1, imageUri: `${URI}/api:v3`, resolvedDigest: d('v3') }],
            aliases: [{ name: 'prod', functionVersion: '1' }],
          },
        ],
      },
    },
  ],
});

const YAML = `cleanup:
  defaultRule: { keepMinImageCount: 0, keepImagesNewerThanDays: 7, keepTagPatterns: [], keepIfUsedWithinDays: 0 }
  inUse: { stoppedTaskWindowHours: 48, taskDefinitionRevisions: 0 }
`;

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-lens-in-use-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Stack {
  readonly emulator: RunningEmulator;
  /** The clock the emulator and the sidecar share (epoch ms). */
  clock: number;
}
const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
});

async function emulatorStack(): Promise<Stack> {
  const stack = { clock: T0 * 1000 } as Stack;
  const emulator = await startEmulator({ fixture: fixture(), now: () => stack.clock });
  running.push(emulator);
  return Object.assign(stack, { emulator });
}

async function sidecar(stack: Stack, env: Record<string, string>): Promise<RunningServer> {
  const dir = tempDir();
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, YAML);
  const keepList = join(dir, 'keep.txt');
  writeFileSync(keepList, `# run by the nightly batch on EC2\n${URI}/api:v4\n`);
  const config = loadConfig({
    AWS_REGION: REGION,
    APP_HOST: '127.0.0.1',
    ECRLENS_CONFIG: configFile,
    ECRLENS_DATA_DIR: join(dir, 'data'),
    SIDECAR_ADMIN_TOKEN: ADMIN,
    CLEANUP_DELETE_ENABLED: 'true',
    TASK_DEFINITION_KEEP_REVISIONS: '0',
    LAMBDA_KEEP_VERSIONS: '0',
    AWS_MAX_ATTEMPTS: '1',
    IN_USE_KEEP_LISTS: keepList,
    ...env,
  });
  const server = await startServer(
    { ...config, port: 0, accounts: demoAccounts(stack.emulator) },
    {
      log: createLogger({ level: 'error', write: () => undefined }),
      aws: { endpoints: { ecr: stack.emulator.url, ecs: stack.emulator.url, lambda: stack.emulator.url, sts: stack.emulator.url }, credentials: DEMO_CREDENTIALS },
      now: () => stack.clock,
    },
  );
  running.push(server);
  await server.firstRefresh;
  return server;
}

interface PlanImage {
  digest: string;
  tags: string[];
  decision: string;
  reasons: { code: string; text: string }[];
}
interface Plan {
  planId: string;
  notices: string[];
  repositories: { status: string; blockedReasons: { code: string; text: string }[] }[];
  images: PlanImage[];
}

async function plan(server: RunningServer): Promise<Plan> {
  const res = await fetch(`${server.url}/api/v1/cleanup/plan?limit=100`);
  expect(res.status).toBe(200);
  return (await res.json()) as Plan;
}
const decisions = (p: Plan): Record<string, string> => Object.fromEntries(p.images.map((i) => [i.tags[0]!, i.decision]));
const reasonsOf = (p: Plan, tag: string): string[] => p.images.find((i) => i.tags.includes(tag))!.reasons.map((r) => r.text);

const execute = (server: RunningServer, body: Record<string, unknown>) =>
  fetch(`${server.url}/api/v1/cleanup/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-token': ADMIN },
    body: JSON.stringify(body),
  });

async function tagsInEcr(emulator: RunningEmulator): Promise<string[]> {
  const ecr = new ECRClient({ region: REGION, endpoint: emulator.url, credentials: DEMO_CREDENTIALS });
  try {
    const tags: string[] = [];
    for await (const page of paginateListImages({ client: ecr }, { repositoryName: 'api' })) for (const id of page.imageIds ?? []) if (id.imageTag) tags.push(id.imageTag);
    return tags.sort();
  } finally {
    ecr.destroy();
  }
}

const admin = async (emulator: RunningEmulator, path: string, body: unknown): Promise<Record<string, unknown>> => {
  const res = await fetch(`${emulator.url}/_emulator${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
};

describe('every in-use source protects its images', () => {
  it('ECS (implicit latest, a running task), a Lambda alias on an old digest and a keep list', async () => {
    const server = await sidecar(await emulatorStack(), {});
    const p = await plan(server);
    expect(decisions(p)).toEqual({ latest: 'keep', v1: 'delete', v2: 'delete', v3: 'keep', v4: 'keep', v5: 'delete', v6: 'keep', new: 'keep' });
    expect(reasonsOf(p, 'latest')).toEqual(['kept: used by service web in cluster prod (deployment of web:1), by tag latest (implicit: no tag written)']);
    expect(reasonsOf(p, 'v3')).toEqual([`kept: used by Lambda function thumbnailer (alias prod) in ${ACCOUNT}/${REGION}, by digest`]);
    expect(reasonsOf(p, 'v4')[0]).toMatch(/^kept: listed in keep list .*keep\.txt, by tag v4$/);
    expect(reasonsOf(p, 'v6')).toEqual(['kept: used by running task batch-1 in cluster prod, by digest']);
    // Kubernetes is not configured, and ECS has been watched only since this sidecar started: the plan says so.
    expect(p.notices).toEqual([
      expect.stringMatching(/^Kubernetes is not read/),
      expect.stringMatching(new RegExp(`^ECS in ${ACCOUNT}/${REGION} has been watched without a gap only since ${new Date(T0 * 1000).toISOString()}`)),
    ]);
  });
});

describe('the race between the dry run and the real run', () => {
  it('a task started on a planned image after the dry run: 409, nothing deleted; the new plan keeps it', async () => {
    const stack = await emulatorStack();
    // A refresh on request is rate-limited (REFRESH_MIN_INTERVAL default 60 s): the real run must not rely on one.
    const server = await sidecar(stack, {});
    const before = await plan(server);
    const dry = await execute(server, { planId: before.planId });
    expect(dry.status).toBe(200);
    const dryReport = (await dry.json()) as { deleted: { tags: string[] }[] };
    expect(dryReport.deleted.map((x) => x.tags[0]).sort()).toEqual(['v1', 'v2', 'v5']);

    await admin(stack.emulator, '/tasks/start', { cluster: 'prod', taskDefinition: 'race:1' });
    const real = await execute(server, { planId: before.planId, dryRun: false });
    expect(real.status).toBe(409);
    const conflict = (await real.json()) as { currentPlanId: string };
    expect(conflict.currentPlanId).not.toBe(before.planId);
    expect(await tagsInEcr(stack.emulator)).toEqual([...TAGS].sort());

    // GET /plan already serves the plan made from that fresh read: the one to review and execute.
    const after = await plan(server);
    expect(after.planId).toBe(conflict.currentPlanId);
    expect(decisions(after).v5).toBe('keep');
    expect(reasonsOf(after, 'v5')[0]).toMatch(/^kept: used by running task [0-9a-f]{8}… in cluster prod, by digest$/);
    const done = await execute(server, { planId: after.planId, dryRun: false });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { outcome: string }).outcome).toBe('succeeded');
    expect(await tagsInEcr(stack.emulator)).toEqual(['latest', 'new', 'v3', 'v4', 'v5', 'v6']);
  });

  it('an image retagged after the plan (a rollback to an old build) stops the run before its batch is sent', async () => {
    const stack = await emulatorStack();
    const server = await sidecar(stack, {});
    const { planId } = await plan(server);
    // v5 gets the tag prod, as a rollback would; the sidecar's snapshot (rate-limited refresh) still has the old tags.
    await admin(stack.emulator, '/images', { repositoryName: 'api', image: { ...image('v5', 100), tags: ['v5', 'prod'] } });
    const real = await execute(server, { planId, dryRun: false });
    expect(real.status).toBe(200);
    const report = (await real.json()) as { outcome: string; stoppedBecause: string; deleted: unknown[] };
    expect(report.outcome).toBe('aborted');
    expect(report.stoppedBecause).toBe(`image ${d('v5')} in api is now tagged prod, v5, not v5 as planned: fetch the plan again`);
    expect(report.deleted).toEqual([]);
    expect(await tagsInEcr(stack.emulator)).toEqual([...TAGS, 'prod'].sort());
  });

  it('two concurrent real runs: one deletes, the other gets 409 naming the run in progress', async () => {
    const stack = await emulatorStack();
    const server = await sidecar(stack, {});
    const { planId } = await plan(server);
    // BatchDeleteImage answers slowly, so the first run is still deleting when the second arrives.
    stack.emulator.controls.setFault('ecr:BatchDeleteImage', { latencyMs: 1500 });
    const [a, b] = await Promise.all([execute(server, { planId, dryRun: false }), execute(server, { planId, dryRun: false })]);
    const answers = [
      { status: a.status, body: (await a.json()) as { runId?: string; runningRunId?: string; outcome?: string } },
      { status: b.status, body: (await b.json()) as { runId?: string; runningRunId?: string; outcome?: string } },
    ].sort((x, y) => x.status - y.status);
    expect(answers.map((x) => x.status)).toEqual([200, 409]);
    expect(answers[1]!.body.runningRunId).toBe(answers[0]!.body.runId);
    expect(answers[0]!.body.outcome).toBe('succeeded');
    expect(stack.emulator.controls.callCount('ecr:BatchDeleteImage')).toBe(1);
  });
});

describe('the usage ledger', () => {
  it('keeps protecting the image of a task that ECS stopped listing, across a restart, for the stopped-task window', async () => {
    const stack = await emulatorStack();
    const dataDir = join(tempDir(), 'ledger');
    const first = await sidecar(stack, { ECRLENS_DATA_DIR: dataDir });
    expect(decisions(await plan(first)).v6).toBe('keep');
    await first.close();

    // The task stops; 70 minutes later ECS lists it no more.
    await admin(stack.emulator, '/tasks/stop', { cluster: 'prod', task: 'batch-1', stoppedAt: stack.clock / 1000 });
    stack.clock += 70 * 60_000;

    const restarted = await sidecar(stack, { ECRLENS_DATA_DIR: dataDir });
    const remembered = await plan(restarted);
    expect(decisions(remembered).v6).toBe('keep');
    expect(remembered.images.find((i) => i.tags.includes('v6'))!.reasons.map((r) => [r.code, r.text])).toEqual([
      ['recently-used', 'kept: last used 1 hour ago by running task batch-1 in cluster prod, by digest'],
    ]);
    // Without the ledger, the same listing makes v6 look unused: the trap the ledger closes. That plan says ECS has
    // been watched only since its start.
    const forgetful = await plan(await sidecar(stack, {}));
    expect(decisions(forgetful).v6).toBe('delete');
    expect(forgetful.notices).toContain(
      `ECS in ${ACCOUNT}/${REGION} has been watched without a gap only since ${new Date(stack.clock).toISOString()} (a new data directory, the sidecar down, or refreshes more than an hour apart): a task that ran and stopped before then, within the 48-hour window tasks are remembered for, was not seen, so an image only it used looks unused`,
    );

    // Past the 48-hour window, the use no longer counts.
    stack.clock += 48 * 3_600_000;
    expect((await fetch(`${restarted.url}/api/v1/refresh`, { method: 'POST' })).status).toBe(200);
    expect(decisions(await plan(restarted)).v6).toBe('delete');
  });
});

describe('blind spots and failing sources block', () => {
  it('a registry that no in-use source covers is blocked, unless declared to run nothing', async () => {
    const stack = await emulatorStack();
    const off = { ECS_ENABLED: 'false', LAMBDA_ENABLED: 'false', IN_USE_KEEP_LISTS: '' };
    const blind = await plan(await sidecar(stack, off));
    expect(blind.repositories.map((r) => r.blockedReasons.map((b) => b.code))).toEqual([['blocked-no-source']]);
    expect(blind.images.every((i) => i.decision === 'blocked')).toBe(true);
    expect(blind.notices).toEqual([
      expect.stringMatching(/^ECS is not read/),
      expect.stringMatching(/^Lambda is not read/),
      expect.stringMatching(/^Kubernetes is not read/),
      expect.stringMatching(/^no keep list is read/),
    ]);
    const declared = await plan(await sidecar(stack, { ...off, CLEANUP_NOTHING_RUNS_FROM: ACCOUNT }));
    expect(declared.repositories.map((r) => r.status)).toEqual(['ok']);
    expect(declared.notices).toContain(`registry ${ACCOUNT} is declared in CLEANUP_NOTHING_RUNS_FROM: its plan is not blocked without an in-use source, so nothing protects images that do run from it`);
  });

  it.each([
    ['Lambda', 'lambda', 'blocked-source'],
    ['ECS', 'ecs', 'blocked-ecs'],
    ['a keep list', 'keep-list', 'blocked-source'],
  ] as const)('%s failing after the plan was fetched blocks every plan, and a real run is refused before anything is deleted', async (_name, source, code) => {
    const stack = await emulatorStack();
    const server = await sidecar(stack, {});
    const healthy = await plan(server);
    expect(healthy.repositories.map((r) => r.status)).toEqual(['ok']);
    if (source === 'lambda') stack.emulator.controls.setFault('lambda:ListFunctions', { serverErrorProbability: 1 });
    if (source === 'ecs') stack.emulator.controls.setFault('ecs:ListTasks', { serverErrorProbability: 1 });
    if (source === 'keep-list') rmSync(keepListOf(server), { force: true });
    // A refresh on request is rate-limited, so only the run's own fresh read can see the failure.
    expect((await fetch(`${server.url}/api/v1/refresh`, { method: 'POST' })).status).toBe(429);
    const real = await execute(server, { planId: healthy.planId, dryRun: false });
    expect(real.status).toBe(503);
    expect(((await real.json()) as { message: string }).message).toMatch(/^the in-use sources could not be read completely .*; nothing was deleted$/);
    expect(await tagsInEcr(stack.emulator)).toEqual([...TAGS].sort());
    const blocked = await plan(server);
    expect(blocked.repositories.map((r) => r.blockedReasons[0]?.code)).toEqual([code]);
    expect(blocked.images.some((i) => i.decision === 'delete')).toBe(false);
  });
});

/** The keep list a test sidecar reads (the one file IN_USE_KEEP_LISTS names). */
const keepListOf = (server: RunningServer): string => {
  const source = server.inventory.snapshot().sources?.find((s) => s.source === 'keep-list');
  return source!.description.slice('keep lists: '.length);
};
