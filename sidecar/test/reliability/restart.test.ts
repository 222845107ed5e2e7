/**
 * A sidecar restart loses nothing a user configured: everything comes from the environment and the
 * YAML file, so a restart with the same ones gives the same configuration and the same cleanup plan
 * id; the audit log survives and is appended to, never truncated.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunningEmulator } from '../../src/demo/index.js';
import type { TestSidecar } from './support.js';
import { fetchWithin, smallFixture, startSidecar, startSmallEmulator } from './support.js';

const API = 'restart-api-token-0123456789';
const ADMIN = 'restart-admin-token-0123456789';

let emulator: RunningEmulator;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-lens-restart-'));
  const configFile = join(dir, 'ecr-lens.yaml');
  writeFileSync(
    configFile,
    stringify({
      refreshIntervalSeconds: 900,
      pricing: { defaultPerGbMonth: 0.09, byRegion: { 'eu-west-1': 0.11 } },
      ecs: { stoppedTaskWindowHours: 48 },
      cleanup: {
        rules: [
          {
            repository: 'payments/*',
            keepMinImageCount: 5,
            keepImagesNewerThanDays: 30,
            keepTagPatterns: ['latest', 'prod'],
          },
          { repository: '**', keepMinImageCount: 10, keepImagesNewerThanDays: 60 },
        ],
        inUse: { stoppedTaskWindowHours: 72 },
      },
    }),
  );
  env = {
    ECRLENS_CONFIG: configFile,
    SIDECAR_API_TOKEN: API,
    SIDECAR_ADMIN_TOKEN: ADMIN,
    CLEANUP_DELETE_ENABLED: 'true',
    CLEANUP_AUDIT_LOG: join(dir, 'audit', 'cleanup-audit.jsonl'),
    ECRLENS_DATA_DIR: join(dir, 'data'),
    KEEP_MIN_IMAGE_COUNT: '4',
  };
  emulator = await startSmallEmulator(smallFixture({}, false));
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${API}` };

async function planOf(sidecar: TestSidecar): Promise<{ planId: string; summary: unknown; repositories: unknown[] }> {
  const res = await fetchWithin(`${sidecar.url}/api/v1/cleanup/plan?limit=1`, { headers: auth });
  expect(res.status).toBe(200);
  return (await res.json()) as { planId: string; summary: unknown; repositories: unknown[] };
}

async function dryRun(sidecar: TestSidecar, planId: string): Promise<void> {
  const res = await fetchWithin(`${sidecar.url}/api/v1/cleanup/execute`, {
    method: 'POST',
    headers: { ...auth, 'x-admin-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ planId }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const auditLines = (): string[] => readFileSync(env.CLEANUP_AUDIT_LOG!, 'utf8').split('\n').filter(Boolean);

describe('restart', () => {
  it(
    'same env and YAML: same configuration, same plan id; the audit log is appended to',
    { timeout: 60_000 },
    async () => {
      const first = await startSidecar({ emulator, env });
      let config: string;
      let plan: Awaited<ReturnType<typeof planOf>>;
      try {
        config = JSON.stringify(first.config);
        plan = await planOf(first);
        expect(first.config.cleanup.rules.map((r) => r.repository)).toEqual(['payments/*', '**']);
        expect(first.config.pricing.defaultUsdPerGbMonth).toBe(0.09);
        await dryRun(first, plan.planId);
      } finally {
        await first.close();
      }
      const before = auditLines();
      expect(before.length).toBeGreaterThan(0);

      const second = await startSidecar({ emulator, env });
      try {
        expect(JSON.stringify(second.config)).toBe(config);
        const again = await planOf(second);
        expect(again.planId).toBe(plan.planId);
        expect(again.summary).toEqual(plan.summary);
        expect(again.repositories).toEqual(plan.repositories);
        // The plan fetched before the restart is still the one to execute.
        await dryRun(second, plan.planId);
      } finally {
        await second.close();
      }
      const after = auditLines();
      expect(after.length).toBeGreaterThan(before.length);
      expect(after.slice(0, before.length)).toEqual(before);
      const runs = new Set(after.map((l) => (JSON.parse(l) as { runId: string }).runId));
      expect(runs.size).toBe(2);

      // The store in ECRLENS_DATA_DIR kept the same audit across the restart; its JSON-lines export is the copy's twin.
      const third = await startSidecar({ emulator, env });
      try {
        const exported = await fetchWithin(`${third.url}/api/v1/cleanup/audit?format=jsonl`, { headers: auth });
        expect(exported.status).toBe(200);
        expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
        expect((await exported.text()).split('\n').filter(Boolean)).toEqual(after);
        const page = (await (await fetchWithin(`${third.url}/api/v1/cleanup/audit?limit=1`, { headers: auth })).json()) as { entries: { seq: number }[]; next: number | null; unfinishedRuns: unknown[] };
        expect(page.entries.map((e) => e.seq)).toEqual([1]);
        expect(page.next).toBe(1);
        expect(page.unfinishedRuns).toEqual([]);
      } finally {
        await third.close();
      }
    },
  );
});
