/**
 * Hostile globs: patterns that make a backtracking matcher take exponential time, against the 256-character
 * repository names and 128-character tags of the campaign's registry, through every parameter that takes
 * a glob. Each must be answered (200 for a glob the syntax allows, 400 for one it refuses) within the
 * hang deadline, while a poller checks that /healthz keeps answering.
 */
import { setTimeout as pause } from 'node:timers/promises';
import fc from 'fast-check';
import { hostileGlob } from '../../test/support/hostile-inputs.js';
import type { Campaign, PartResult } from './part.js';
import { fmt, malformed, pool, statusList } from './part.js';
import { HANG_MS } from './recorder.js';

/** Named patterns: the classic catastrophic ones, each refused syntax, and the length limit. */
export const CATASTROPHIC_GLOBS: readonly string[] = [
  '+(*)+(*)+(*)x',
  '*(*)+(*)+(*)+x',
  '*a*a*a*a*a*b',
  '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b',
  '*a'.repeat(128),
  `${'*a'.repeat(127)}b`,
  `${'**/'.repeat(50)}b`,
  `${'*/'.repeat(100)}b`,
  `${'?'.repeat(255)}b`,
  `${'[a-z]*'.repeat(40)}b`,
  `${'{a,aa}'.repeat(40)}b`,
  `${'{'.repeat(60)}a,b${'}'.repeat(60)}*`,
  `${'{a,b}'.repeat(51)}`,
  '*(a|aa)+b',
  '(a+)+b',
  '!(a)*',
  '[[:alpha:]]*',
  '{1..99999}',
  `${'a'.repeat(256)}`,
  `${'a'.repeat(257)}`,
  `${'*'.repeat(257)}`,
  `${'\\'.repeat(255)}`,
];

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Each parameter that takes a glob, as a request carrying `g`. */
const PARAMETERS: readonly [string, (g: string) => [string, RequestInit]][] = [
  ['query images filters.repository', (g) => ['/api/v1/query', json({ queryType: 'images', filters: { repository: g } })]],
  ['query images filters.tag', (g) => ['/api/v1/query', json({ queryType: 'images', filters: { tag: g } })]],
  ['query repositories filters.repository', (g) => ['/api/v1/query', json({ queryType: 'repositories', filters: { repository: [g, `${g}x`] } })]],
  ['query cleanup filters.tag', (g) => ['/api/v1/query', json({ queryType: 'cleanup', filters: { tag: g } })]],
  ['cleanup plan ?repository=', (g) => [`/api/v1/cleanup/plan?${new URLSearchParams({ repository: g, limit: '10' })}`, {}]],
  ['cleanup plan ?tag=', (g) => [`/api/v1/cleanup/plan?${new URLSearchParams({ tag: g, limit: '10' })}`, {}]],
  ['cleanup plan.csv ?repository=', (g) => [`/api/v1/cleanup/plan.csv?${new URLSearchParams({ repository: g })}`, {}]],
  ['lifecycle ?repository=', (g) => [`/api/v1/cleanup/lifecycle?${new URLSearchParams({ repository: g })}`, {}]],
  ['annotations ?repository=', (g) => [`/api/v1/annotations?${new URLSearchParams({ from: '0', to: '1900000000000', repository: g })}`, {}]],
  ['reports images.csv ?repository=', (g) => [`/api/v1/reports/images.csv?${new URLSearchParams({ repository: g })}`, {}]],
  ['reports repositories.json ?repository=', (g) => [`/api/v1/reports/repositories.json?${new URLSearchParams({ repository: g })}`, {}]],
];

export interface GlobTarget {
  readonly url: string;
  readonly apiToken: string;
  readonly adminToken: string;
}

export async function globsPart(campaign: Campaign, target: GlobTarget, generated: number): Promise<PartResult> {
  const part = 'globs';
  campaign.recorder.part = part;
  const globs = [...CATASTROPHIC_GLOBS, ...fc.sample(hostileGlob, { numRuns: generated, seed: campaign.seed })];
  const auth = { authorization: `Bearer ${target.apiToken}` };
  const requests = globs.flatMap((g) => PARAMETERS.map(([name, make]) => ({ name, glob: g, request: make(g) })));
  // Execution takes repository globs too; each run refreshes first, so only the named patterns go there.
  for (const g of CATASTROPHIC_GLOBS)
    requests.push({
      name: 'cleanup execute repositories (dry run)',
      glob: g,
      request: [
        '/api/v1/cleanup/execute',
        { ...json({ planId: '0'.repeat(64), repositories: [g], dryRun: true }), headers: { 'content-type': 'application/json', 'x-admin-token': target.adminToken } },
      ],
    });

  const failures: string[] = [];
  const timings: { ms: number; what: string }[] = [];
  const health = { checks: 0, failed: 0, maxMs: 0 };
  let done = false;
  const healthPart = campaign.recorder.setAside(/^\/healthz/, 'globs: /healthz');
  // Pacing between health checks (not synchronisation): the poller runs until the globs are done.
  const poller = (async () => {
    while (!done) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${target.url}/healthz`);
        if (res.status !== 200) health.failed++;
      } catch {
        health.failed++;
      }
      health.checks++;
      health.maxMs = Math.max(health.maxMs, performance.now() - t0);
      await pause(20);
    }
  })();
  const started = performance.now();
  await pool(requests, campaign.concurrency, async ({ name, glob, request: [path, init] }) => {
    const what = `${name} ${JSON.stringify(glob.length > 60 ? `${glob.slice(0, 60)}…` : glob)}`;
    const t0 = performance.now();
    try {
      const res = await fetch(`${target.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...auth } });
      const text = await res.text();
      const ms = performance.now() - t0;
      timings.push({ ms, what });
      const allowed = name.startsWith('cleanup execute') ? [400, 409] : [200, 400];
      if (!allowed.includes(res.status)) failures.push(`${what} -> ${res.status} ${text.slice(0, 160)}`);
      const problem = malformed(res.status, res.headers.get('content-type'), text);
      if (problem) failures.push(`${what}: ${problem}`);
    } catch (error) {
      // Hangs are counted by the recorder; a connection closed mid-answer fails the check here too.
      if ((error as Error).name !== 'TimeoutError') failures.push(`${what}: ${(error as Error).message}`);
    }
  });
  done = true;
  await poller;
  healthPart();
  if (health.failed > 0) failures.push(`/healthz failed ${health.failed} of ${health.checks} times during the hostile globs`);
  if (health.maxMs > HANG_MS) failures.push(`/healthz took ${fmt(health.maxMs)} ms during the hostile globs`);
  const counts = campaign.recorder.of(part);
  return {
    part,
    kind: 'hostile globs',
    inputs: requests.length,
    failures,
    lines: [
      `${globs.length} globs (${CATASTROPHIC_GLOBS.length} named, ${generated} generated) x ${PARAMETERS.length} glob parameters, plus execute for the named ones: ${fmt(requests.length)} requests in ${fmt((performance.now() - started) / 1000, 1)} s`,
      `answers: ${statusList(counts.byStatus)}; slowest: ${timings
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3)
        .map((t) => `${fmt(t.ms)} ms ${t.what}`)
        .join('; ')}`,
      `/healthz during the globs: ${fmt(health.checks)} checks, ${health.failed} failed, slowest ${fmt(health.maxMs)} ms`,
    ],
  };
}
