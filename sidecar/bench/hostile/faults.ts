/**
 * AWS faults through the emulator's controls, as the fault tests inject them (test/reliability/faults.test.ts),
 * against the campaign's sidecar with its secrets: throttling, 5xx, latency, a failure on page 2, every
 * registry unreadable, ECS unavailable, and the emulator stopped then restarted. A fault is survived when,
 * while it acts, every answer is a whole snapshot (never torn), /healthz answers, the flags say what could
 * not be read, and the sidecar recovers once it clears.
 */
import { setTimeout as pause } from 'node:timers/promises';
import type { Fault, RunningEmulator } from '../../src/demo/index.js';
import { startEmulator } from '../../src/demo/index.js';
import type { Logger } from '../../src/log.js';
import type { Observation } from '../../test/reliability/support.js';
import {
  BIG_REPOSITORY,
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
  waitFor,
} from '../../test/reliability/support.js';
import { emulatorTotals } from './fixture.js';
import type { Campaign, PartResult } from './part.js';
import { fmt } from './part.js';

type Totals = { repositories: number; images: number };

export interface FaultTarget {
  readonly url: string;
  readonly emulator: RunningEmulator;
  readonly api: Record<string, string>;
  readonly metrics: Record<string, string>;
  /** For the outage's own sidecar: the campaign's environment (secrets) and a capturing logger. */
  readonly env: Record<string, string>;
  readonly log: Logger;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly outageMs: number;
}

/** Every observation a whole snapshot, one set of totals per version, versions only forward per poller. */
export function tornAnswers(observations: readonly Observation[], allowed: readonly Totals[]): string[] {
  const problems: string[] = [];
  if (observations.length === 0) problems.push('nothing was observed');
  const byVersion = new Map<number, string>();
  for (const o of observations) {
    const key = `${o.repositories}/${o.images}`;
    if (!allowed.some((a) => a.repositories === o.repositories && a.images === o.images)) problems.push(`${o.source} v${o.version} showed ${key}`);
    if ((byVersion.get(o.version) ?? key) !== key) problems.push(`v${o.version} seen as ${byVersion.get(o.version)} and ${key}`);
    byVersion.set(o.version, key);
  }
  for (const source of ['status', 'query', 'metrics'])
    for (const poller of [0, 1]) {
      const versions = observations.filter((o) => o.source === source && o.poller === poller).map((o) => o.version);
      for (let i = 1; i < versions.length; i++) if (versions[i]! < versions[i - 1]!) problems.push(`${source} poller ${poller} went from v${versions[i - 1]} to v${versions[i]}`);
    }
  return problems;
}

interface Outcome {
  readonly name: string;
  readonly problems: string[];
  readonly polls: number;
  readonly note: string;
}

export async function faultsPart(campaign: Campaign, t: FaultTarget): Promise<PartResult> {
  const part = 'faults';
  campaign.recorder.part = part;
  const { url, emulator } = t;
  const status = async (): Promise<{ snapshot: Totals; incomplete: { scope: string; target?: string; error: string }[] }> =>
    (await (await fetch(`${url}/api/v1/status`, { headers: t.api })).json()) as never;

  /** Fault on, one refresh under observation, the scenario's checks, fault off, recovery. */
  const underFault = async (
    name: string,
    faults: Record<string, Fault>,
    check: (observations: Observation[], before: number) => Promise<string[]>,
  ): Promise<Outcome> => {
    const totals = emulatorTotals(emulator.store);
    const problems: string[] = [];
    let polls = 0;
    let note = '';
    try {
      const before = (await readyz(url)).snapshotVersion;
      emulator.controls.resetCalls();
      emulator.controls.update({ faults });
      try {
        const observations = await observeWhile(url, () => triggerRefresh(url, t.api), t.api, t.metrics);
        polls = observations.length;
        problems.push(...tornAnswers(observations, [totals]));
        if ((await healthz(url)) !== 200) problems.push('/healthz did not answer 200');
        const ready = await readyz(url);
        if (!ready.ready) problems.push('/readyz says not ready');
        if (ready.snapshotVersion < before) problems.push(`the version went back from ${before} to ${ready.snapshotVersion}`);
        const text = await metrics(url, t.metrics);
        if (metricValue(text, 'ecrlens_inventory_stale') !== (ready.stale ? 1 : 0)) problems.push('/readyz and /metrics disagree on staleness');
        if (metricSum(text, 'ecrlens_inventory_incomplete') !== ready.incompleteCount) problems.push('/readyz and /metrics disagree on incompleteness');
        problems.push(...(await check(observations, before)));
        const calls = Object.values(emulator.controls.calls());
        note = `${fmt(calls.reduce((n, c) => n + c.calls, 0))} AWS calls, ${calls.reduce((n, c) => n + c.throttled, 0)} throttled, ${calls.reduce((n, c) => n + c.faulted, 0)} failed`;
      } finally {
        emulator.controls.clearFaults();
      }
      await triggerRefresh(url, t.api);
      const ready = await readyz(url);
      if (ready.stale || ready.incomplete) problems.push(`not recovered: stale ${ready.stale}, incomplete ${ready.incomplete}`);
      const after = (await status()).snapshot;
      if (after.repositories !== totals.repositories || after.images !== totals.images) problems.push(`recovered with ${after.repositories}/${after.images}, not ${totals.repositories}/${totals.images}`);
    } catch (error) {
      problems.push(`stopped by ${(error as Error).message}`);
    }
    return { name, problems, polls, note };
  };

  const outcomes: Outcome[] = [];
  outcomes.push(
    await underFault('30% throttling (DescribeImages)', { 'ecr:DescribeImages': { throttleProbability: 0.3 } }, async () => {
      const throttled = Object.values(emulator.controls.calls()).reduce((n, c) => n + c.throttled, 0);
      return throttled > 2 ? [] : [`only ${throttled} calls throttled`];
    }),
  );
  outcomes.push(
    await underFault('10% 5xx (all operations)', { '*': { serverErrorProbability: 0.1 } }, async () =>
      Object.values(emulator.controls.calls()).some((c) => c.faulted > 0) ? [] : ['no call failed'],
    ),
  );
  outcomes.push(
    await underFault('+60 ms latency (all operations)', { '*': { latencyMs: 60 } }, async (observations, before) => {
      const versions = new Set(observations.map((o) => o.version));
      return versions.has(before) && versions.has(before + 1) ? [] : [`served versions ${[...versions].join(', ')}, not both ${before} and ${before + 1}`];
    }),
  );
  outcomes.push(
    await underFault('failure on page 2 (DescribeImages)', { 'ecr:DescribeImages': { failOnPage: 2 } }, async () => {
      const ready = await readyz(url);
      const incomplete = (await status()).incomplete;
      const big = incomplete.filter((e) => e.scope === 'images' && e.target === BIG_REPOSITORY);
      return ready.incomplete && !ready.stale && big.length === 1 && incomplete.length === 1 ? [] : [`incomplete ${JSON.stringify(incomplete).slice(0, 200)}, stale ${ready.stale}`];
    }),
  );
  outcomes.push(
    await underFault('every registry unreadable', { 'ecr:DescribeRepositories': { failOnPage: 1 } }, async (observations, before) => {
      const ready = await readyz(url);
      const versions = new Set(observations.map((o) => o.version));
      const problems = ready.stale ? [] : ['not marked stale'];
      if (versions.size !== 1 || !versions.has(before)) problems.push(`served versions ${[...versions].join(', ')}, not only ${before}`);
      return problems;
    }),
  );
  outcomes.push(
    await underFault('ECS unavailable', { 'ecs:*': { serverErrorProbability: 1 } }, async () => {
      const res = await fetch(`${url}/api/v1/cleanup/plan?limit=10000`, { headers: t.api });
      const plan = (await res.json()) as { summary: { delete: number }; repositories: { status: string; blockedReasons: { code: string }[] }[] };
      const open = plan.repositories.filter((r) => r.status !== 'no-rule' && !r.blockedReasons.some((b) => b.code === 'blocked-ecs'));
      return plan.summary.delete === 0 && open.length === 0 ? [] : [`the plan still deletes ${plan.summary.delete} images; ${open.length} repositories not blocked`];
    }),
  );
  outcomes.push(await outage(campaign, t));

  const survived = outcomes.filter((o) => o.problems.length === 0).length;
  return {
    part,
    kind: 'AWS faults',
    inputs: outcomes.length,
    survived: { what: 'AWS faults', ok: survived, of: outcomes.length },
    failures: outcomes.flatMap((o) => o.problems.map((p) => `${o.name}: ${p}`)),
    lines: outcomes.map((o) => `${o.problems.length ? 'NOT SURVIVED' : 'survived'}: ${o.name}; ${fmt(o.polls)} whole-snapshot checks${o.note ? `; ${o.note}` : ''}${o.problems.length ? `; ${o.problems.slice(0, 3).join('; ')}` : ''}`),
  };
}

/** The emulator stopped, then restarted on the same port: the last snapshot is served, stale, and the sidecar recovers by itself. */
async function outage(campaign: Campaign, t: FaultTarget): Promise<Outcome> {
  const name = `emulator stopped ${t.outageMs / 1000} s, then restarted`;
  const problems: string[] = [];
  const small = smallFixture({}, false);
  const totals = fixtureTotals(small);
  let aws = await startSmallEmulator(small);
  // CACHE_REFRESH_INTERVAL=10: background refreshes, so the sidecar retries by itself after the restart.
  const own = await startSidecar({ emulator: aws, env: { ...t.env, CACHE_REFRESH_INTERVAL: '10' }, log: t.log, credentials: t.credentials });
  campaign.recorder.watch(own.url);
  let polls = 0;
  try {
    const port = aws.port;
    const version = (await readyz(own.url)).snapshotVersion;
    await aws.close();
    const stopped = performance.now();
    const observations = await observeWhile(
      own.url,
      async () => {
        await triggerRefresh(own.url, t.api);
        // The outage lasts its length whatever the refresh took (a duration, not a synchronisation).
        await pause(Math.max(0, t.outageMs - (performance.now() - stopped)));
      },
      t.api,
      t.metrics,
    );
    polls = observations.length;
    problems.push(...tornAnswers(observations, [totals]));
    if ((await healthz(own.url)) !== 200) problems.push('/healthz did not answer 200 during the outage');
    const during = await readyz(own.url);
    if (!during.stale || during.snapshotVersion !== version) problems.push(`during the outage: stale ${during.stale}, v${during.snapshotVersion} (expected stale, v${version})`);
    aws = await startEmulator({ fixture: small, port, host: '127.0.0.1' });
    // No manual refresh: the refresher's own retry brings it back.
    await waitFor(async () => !(await readyz(own.url)).stale, 30_000, 200);
    const status = (await (await fetch(`${own.url}/api/v1/status`, { headers: t.api })).json()) as { snapshot: Totals };
    if (status.snapshot.repositories !== totals.repositories || status.snapshot.images !== totals.images) problems.push(`recovered with ${JSON.stringify(status.snapshot)}`);
  } catch (error) {
    problems.push(`stopped by ${(error as Error).message}`);
  } finally {
    await own.close();
    await aws.close().catch(() => undefined); // already stopped when the restart failed
  }
  return { name, problems, polls, note: 'recovered with no manual refresh' };
}
