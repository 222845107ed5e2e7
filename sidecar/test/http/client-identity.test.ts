/**
 * Who executed a cleanup: forwarding headers are believed only from TRUSTED_PROXIES. Unit cases for the
 * parsing and the X-Forwarded-For walk, then the real server over HTTP, where the socket is the loopback.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startDemoSidecar, type DemoSidecar } from '../../src/app/demo-sidecar.js';
import { clientIdentity } from '../../src/http/client-identity.js';
import { normalizeAddress, trustedProxies, trustedProxiesSchema } from '../../src/trusted-proxies.js';

describe('trusted proxies', () => {
  it('parses addresses and CIDR blocks of both families, and names what it refuses', () => {
    expect(trustedProxiesSchema.parse(' 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1')).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1']);
    for (const bad of ['10.0.0.0/33', 'grafana', '10.0.0.1/8/2', '::1/129', '10.0.0.0/-1', '10.0.0.0/ 8', '300.1.1.1'])
      expect(trustedProxiesSchema.safeParse(bad).success, bad).toBe(false);
  });

  it('fails startup naming TRUSTED_PROXIES', () => {
    const load = () => loadConfig({ AWS_REGION: 'us-east-1', TRUSTED_PROXIES: '10.0.0.0/8,grafana' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/TRUSTED_PROXIES: must be comma-separated IP addresses or CIDR blocks/);
    expect(loadConfig({ AWS_REGION: 'us-east-1' }).trustedProxies).toEqual([]);
    expect(loadConfig({ AWS_REGION: 'us-east-1', TRUSTED_PROXIES: '172.30.57.10' }).trustedProxies).toEqual(['172.30.57.10']);
  });

  it('matches IPv4 peers seen on a dual-stack socket', () => {
    const trusted = trustedProxies(['10.0.0.0/8', 'fd00::/8']);
    expect(normalizeAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(trusted.contains('::ffff:10.1.2.3')).toBe(true);
    expect(trusted.contains('10.255.0.1')).toBe(true);
    expect(trusted.contains('11.0.0.1')).toBe(false);
    expect(trusted.contains('fd12::1')).toBe(true);
    expect(trusted.contains('fe80::1')).toBe(false);
    expect(trusted.contains('not an address')).toBe(false);
  });

  it('ignores forwarding headers from an untrusted sender', () => {
    const forged = { forwardedFor: '10.9.9.9', user: 'admin' };
    expect(clientIdentity('203.0.113.5', forged, undefined)).toEqual({ remoteAddress: '203.0.113.5', user: null });
    expect(clientIdentity('203.0.113.5', forged, trustedProxies(['10.0.0.0/8']))).toEqual({ remoteAddress: '203.0.113.5', user: null });
    expect(clientIdentity(undefined, forged, trustedProxies(['10.0.0.0/8']))).toEqual({ user: null });
  });

  it('takes the nearest untrusted X-Forwarded-For hop behind trusted proxies', () => {
    const trusted = trustedProxies(['10.0.0.0/8']);
    // A client forged the leftmost hop; Grafana (10.0.0.2) appended the address it saw, then an LB (10.0.0.3).
    expect(clientIdentity('10.0.0.3', { forwardedFor: '1.1.1.1, 198.51.100.7, 10.0.0.2', user: ' alice ' }, trusted)).toEqual({
      remoteAddress: '198.51.100.7',
      via: '10.0.0.3',
      user: 'alice',
    });
    // No header: the proxy itself is the client; no user header: unknown.
    expect(clientIdentity('10.0.0.3', {}, trusted)).toEqual({ remoteAddress: '10.0.0.3', via: '10.0.0.3', user: null });
    // Every hop trusted: the farthest one.
    expect(clientIdentity('10.0.0.3', { forwardedFor: '10.0.0.9,10.0.0.2' }, trusted).remoteAddress).toBe('10.0.0.9');
  });

  it('walks a bounded number of hops, whatever the header holds', () => {
    const trusted = trustedProxies(['10.0.0.0/8']);
    const chain = [...Array.from({ length: 50_000 }, () => '10.1.1.1'), '198.51.100.7', ...Array.from({ length: 40 }, () => '10.0.0.1')].join(',');
    // The real client is beyond the 32 hops walked: the farthest walked hop is recorded, never a forged one.
    expect(clientIdentity('10.0.0.3', { forwardedFor: chain }, trusted).remoteAddress).toBe('10.0.0.1');
  });
});

describe('the audit records who executed, over HTTP', () => {
  let demo: DemoSidecar | undefined;
  afterEach(async () => {
    await demo?.close();
    demo = undefined;
  });

  const ADMIN = 'admin-token-identity-0123456789';
  const forged = { 'X-Forwarded-For': '10.9.9.9', 'X-Grafana-User': 'mallory', 'X-Admin-Token': ADMIN, 'Content-Type': 'application/json' };

  async function dryRunWho(extraEnv: Record<string, string>): Promise<Record<string, unknown>> {
    demo = await startDemoSidecar({
      synthetic: { accounts: 1, regions: 1, repositories: 3, imagesPerRepository: 5 },
      env: { CLEANUP_DELETE_ENABLED: 'true', SIDECAR_ADMIN_TOKEN: ADMIN, ...extraEnv },
    });
    const plan = (await (await fetch(`${demo.url}/api/v1/cleanup/plan`)).json()) as { planId: string };
    const res = await fetch(`${demo.url}/api/v1/cleanup/execute`, { method: 'POST', headers: forged, body: JSON.stringify({ planId: plan.planId }) });
    expect(res.status).toBe(200);
    const audit = (await (await fetch(`${demo.url}/api/v1/cleanup/audit`)).json()) as { entries: { entry: { event: string; who: Record<string, unknown> } }[] };
    const started = audit.entries.find((e) => e.entry.event === 'cleanup.started');
    expect(started).toBeDefined();
    return started!.entry.who;
  }

  it('records the socket address and an unknown user when the sender is not a trusted proxy', async () => {
    const who = await dryRunWho({});
    expect(who).toMatchObject({ remoteAddress: '127.0.0.1', user: null });
    expect(who).not.toHaveProperty('via');
    expect(JSON.stringify(who)).not.toMatch(/mallory|10\.9\.9\.9/);
  });

  it('believes the forwarded client and user from a trusted proxy', async () => {
    const who = await dryRunWho({ TRUSTED_PROXIES: '127.0.0.0/8' });
    expect(who).toMatchObject({ remoteAddress: '10.9.9.9', via: '127.0.0.1', user: 'mallory' });
  });
});
