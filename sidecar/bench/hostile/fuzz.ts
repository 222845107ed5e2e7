/**
 * Fuzzed requests over real HTTP: the fuzz test's generators (test/support/hostile-inputs.ts) sampled with
 * a fixed seed, sent with the API token so that they reach validation and the handlers. Every answer must
 * be a 2xx, or a 4xx with a JSON {error, message} body.
 */
import fc from 'fast-check';
import { httpRequest } from '../../test/support/hostile-inputs.js';
import type { Campaign, PartResult } from './part.js';
import { fmt, malformed, pool, statusList } from './part.js';

export async function fuzzPart(campaign: Campaign, url: string, apiToken: string, runs: number): Promise<PartResult> {
  const part = 'fuzz';
  campaign.recorder.part = part;
  const requests = fc.sample(httpRequest, { numRuns: runs, seed: campaign.seed });
  const failures: string[] = [];
  const started = performance.now();
  await pool(requests, campaign.concurrency, async ({ path, init }) => {
    const headers = { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${apiToken}` };
    try {
      const res = await fetch(`${url}${path}`, { ...init, headers });
      const problem = malformed(res.status, res.headers.get('content-type'), await res.text());
      if (problem) failures.push(`${init.method ?? 'GET'} ${path.slice(0, 160)}: ${problem}`);
    } catch (error) {
      // Hangs are counted by the recorder; a connection closed mid-answer fails the check here too.
      if ((error as Error).name !== 'TimeoutError') failures.push(`${init.method ?? 'GET'} ${path.slice(0, 160)}: ${(error as Error).message}`);
    }
  });
  const counts = campaign.recorder.of(part);
  const classes = new Set([...counts.byStatus.keys()].map((s) => Math.floor(s / 100)));
  // A fuzz that only ever hits validation (or only ever passes it) tests little.
  if (!classes.has(2) || !classes.has(4)) failures.push(`answers were not both 2xx and 4xx: ${statusList(counts.byStatus)}`);
  const families = new Map<string, number>();
  for (const r of requests) {
    const family = r.path.split('?')[0]!;
    families.set(family, (families.get(family) ?? 0) + 1);
  }
  return {
    part,
    kind: 'fuzzed requests',
    inputs: requests.length,
    failures,
    lines: [
      `${fmt(requests.length)} requests in ${fmt((performance.now() - started) / 1000, 1)} s (seed ${campaign.seed}): ${[...families].map(([f, n]) => `${f} ${fmt(n)}`).join(', ')}`,
      `answers: ${statusList(counts.byStatus)}`,
    ],
  };
}
