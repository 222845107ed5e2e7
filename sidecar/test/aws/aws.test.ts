import { describe, expect, it } from 'vitest';
import { ClientRegistry, shareCredentials } from '../../src/aws/clients.js';
import { AwsCallStats, isThrottlingError } from '../../src/aws/stats.js';

describe('AwsCallStats', () => {
  it('counts calls, errors and throttles per service and operation', () => {
    const stats = new AwsCallStats();
    stats.record('ecr', 'DescribeImages', 'ok');
    stats.record('ecr', 'DescribeImages', 'throttle');
    stats.record('ecs', 'ListTasks', 'error');
    const before = stats.snapshot();
    expect(before).toEqual([
      { service: 'ecr', operation: 'DescribeImages', calls: 2, errors: 1, throttles: 1 },
      { service: 'ecs', operation: 'ListTasks', calls: 1, errors: 1, throttles: 0 },
    ]);
    stats.record('ecs', 'ListTasks', 'ok');
    expect(AwsCallStats.diff(before, stats.snapshot())).toEqual({ 'ecs:ListTasks': 1 });
  });

  it('classifies throttling as the SDK does', () => {
    expect(isThrottlingError({ name: 'ThrottlingException' })).toBe(true);
    expect(isThrottlingError({ name: 'Unknown', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottlingError({ name: 'ServerException', $metadata: { httpStatusCode: 500 } })).toBe(false);
    expect(isThrottlingError(undefined)).toBe(false);
  });
});

describe('shareCredentials', () => {
  it('shares one in-flight AssumeRole and renews shortly before expiry', async () => {
    let now = 0;
    let calls = 0;
    const provider = async () => {
      calls += 1;
      return { accessKeyId: `k${calls}`, secretAccessKey: 's', expiration: new Date(now + 3_600_000) };
    };
    const shared = shareCredentials(provider as never, () => now);
    const [a, b] = await Promise.all([shared(), shared()]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    now += 3_600_000 - 6 * 60_000;
    expect((await shared()).accessKeyId).toBe('k1');
    now += 2 * 60_000;
    expect((await shared()).accessKeyId).toBe('k2');
  });

  it('tries again after a failure', async () => {
    let calls = 0;
    const shared = shareCredentials((async () => {
      calls += 1;
      if (calls === 1) throw new Error('denied');
      return { accessKeyId: 'k', secretAccessKey: 's' };
    }) as never);
    await expect(shared()).rejects.toThrow('denied');
    expect((await shared()).accessKeyId).toBe('k');
  });
});

describe('ClientRegistry', () => {
  it('builds clients without the SDK logger middleware, keeping retries, signing and the call stats', () => {
    const registry = new ClientRegistry({
      maxAttempts: 2,
      stats: new AwsCallStats(),
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const account = { name: 'default', regions: ['us-east-1'] };
    for (const client of [
      registry.ecr(account, 'us-east-1'),
      registry.ecs(account, 'us-east-1'),
      registry.lambda(account, 'us-east-1'),
    ]) {
      const names = client.middlewareStack.identify().join(' ');
      expect(names).not.toContain('loggerMiddleware');
      expect(names).toContain('retryMiddleware');
      expect(names).toContain('httpSigningMiddleware');
    }
    registry.destroy();
  });
});
