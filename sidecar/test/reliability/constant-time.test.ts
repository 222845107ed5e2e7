/**
 * Tokens are compared in constant time: the compare helper answers right for equal, unequal and
 * different-length inputs, and every token check (API bearer, admin token, metrics token) goes
 * through crypto.timingSafeEqual.
 */
import type * as Crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** Every timingSafeEqual call: the buffers compared. */
const calls = vi.hoisted(() => [] as [Uint8Array, Uint8Array][]);
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof Crypto>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
    calls.push([a as Uint8Array, b as Uint8Array]);
    return original.timingSafeEqual(a, b);
  };
  return { ...original, default: { ...original, timingSafeEqual }, timingSafeEqual };
});

const { tokenMatches } = await import('../../src/http/auth.js');
const { createApp } = await import('../../src/http/app.js');
const { cleanupRoutes } = await import('../../src/http/cleanup.js');
const { metricsRoute } = await import('../../src/http/metrics.js');
const { createCleanupService } = await import('../../src/cleanup/service.js');
const { cleanupConfigFromEnv } = await import('../../src/cleanup/plan/config.js');
const { metricsConfigFromEnv } = await import('../../src/metrics/config.js');
const { fakeInventory } = await import('../support/builders.js');
const { sampleSnapshot } = await import('../support/sample.js');
const { testContext } = await import('../support/frames.js');

const API = 'api-token-constant-time-0001';
const ADMIN = 'admin-token-constant-time-0002';
const METRICS = 'metrics-token-constant-0003';

beforeEach(() => {
  calls.length = 0;
});

describe('tokenMatches', () => {
  it.each([
    ['equal', API, API, true],
    ['unequal, same length', API.replace(/1$/, '2'), API, false],
    ['shorter', API.slice(0, -1), API, false],
    ['longer', `${API}1`, API, false],
    ['empty', '', API, false],
    ['absent', undefined, API, false],
    ['multi-byte vs ASCII of the same UTF-16 length', 'é'.repeat(API.length), API, false],
  ] as const)('%s', (_, presented, expected, result) => {
    expect(tokenMatches(presented, expected)).toBe(result);
    // Always through timingSafeEqual, whatever the lengths: never an early exit on length.
    expect(calls).toHaveLength(1);
    const [a, b] = calls[0]!;
    expect(a.length).toBe(b.length);
  });
});

describe('every token check uses it', () => {
  const inventory = fakeInventory(sampleSnapshot());
  const service = createCleanupService({
    config: cleanupConfigFromEnv(
      { CLEANUP_DELETE_ENABLED: 'true', SIDECAR_ADMIN_TOKEN: ADMIN, CLEANUP_DEFAULT_RULE: 'true' },
      undefined,
    ),
    inventory,
    prices: { defaultUsdPerGbMonth: 0.1, byRegion: {} },
  });
  const app = createApp({
    inventory,
    query: testContext(),
    apiToken: API,
    routes: [
      cleanupRoutes({ service, inventory, deleter: () => Promise.reject(new Error('not in this test')) }),
      metricsRoute({ inventory, config: metricsConfigFromEnv({ METRICS_TOKEN: METRICS }) }),
    ],
  });

  it('the API bearer token', async () => {
    expect((await app.request('/api/v1/status', { headers: { authorization: 'Bearer nope-nope-nope' } })).status).toBe(
      401,
    );
    expect(calls.length).toBeGreaterThan(0);
    calls.length = 0;
    expect((await app.request('/api/v1/status', { headers: { authorization: `Bearer ${API}` } })).status).toBe(200);
    expect(calls.length).toBeGreaterThan(0);
  });

  it('the admin token of cleanup execution', async () => {
    const res = await app.request('/api/v1/cleanup/execute', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${API}`,
        'x-admin-token': 'wrong-admin-token-000000',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(calls.length).toBeGreaterThanOrEqual(2); // API token, then admin token
  });

  it('the metrics token', async () => {
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong-metrics-0000' } })).status).toBe(
      401,
    );
    expect(calls).toHaveLength(1);
  });
});
