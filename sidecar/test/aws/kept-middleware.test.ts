/**
 * The ECR, ECS and Lambda clients keep each command's resolved middleware (`cacheMiddleware`), so concurrent calls
 * of one command class share one handler and one context. Each call must still get its own answer, retried on its
 * own, signed with its own account's credentials (an assumed role's too), through the real SDK and the emulator.
 */
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../refresh/helpers.js';
import { startHarness } from '../refresh/helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('clients that keep their resolved middleware', () => {
  it('answer concurrent calls each with its own result, retrying throttled ones, for own and assumed-role accounts', async () => {
    h = await startHarness({ controls: { faults: { 'ecr:DescribeImages': { throttleProbability: 0.3 } }, seed: 11 }, maxAttempts: 10 });
    const accounts = h.config.accounts;
    const own = accounts.find((a) => a.accountId === '111111111111')!;
    const assumed = accounts.find((a) => a.accountId === '222222222222')!;
    expect(assumed.roleArn).toBeDefined();
    const ownClient = h.clients.ecr(own, 'us-east-1');
    const assumedClient = h.clients.ecr(assumed, 'us-east-1');
    expect(ownClient.config.cacheMiddleware).toBe(true);
    expect(h.clients.ecs(own, 'us-east-1').config.cacheMiddleware).toBe(true);
    expect(h.clients.lambda(own, 'us-east-1').config.cacheMiddleware).toBe(true);

    const repositories: [typeof ownClient, string][] = [
      [ownClient, 'web/frontend'],
      [ownClient, 'platform/api'],
      [ownClient, 'data/etl'],
      [ownClient, 'empty/repo'],
      [assumedClient, 'ml/inference'],
    ];
    const digestsOf = (answer: { imageDetails?: { imageDigest?: string }[] }) => answer.imageDetails!.map((d) => d.imageDigest!).sort();
    // One call at a time first: what each repository holds.
    const alone = new Map<string, string[]>();
    for (const [client, repositoryName] of repositories) alone.set(repositoryName, digestsOf(await client.send(new DescribeImagesCommand({ repositoryName }))));
    expect(alone.get('platform/api')!.length).toBeGreaterThan(alone.get('data/etl')!.length);
    expect(alone.get('empty/repo')).toEqual([]);

    const calls = Array.from({ length: 8 }, () => repositories).flat();
    const answers = await Promise.all(calls.map(([client, repositoryName]) => client.send(new DescribeImagesCommand({ repositoryName }))));
    answers.forEach((answer, i) => {
      const [, repositoryName] = calls[i]!;
      expect(digestsOf(answer)).toEqual(alone.get(repositoryName));
      for (const detail of answer.imageDetails!) expect(detail.repositoryName).toBe(repositoryName);
    });
    const describe = h.stats.snapshot().find((s) => s.service === 'ecr' && s.operation === 'DescribeImages')!;
    // Throttled attempts were retried on their own: every call answered, after more attempts than calls.
    expect(describe.throttles).toBeGreaterThan(0);
    expect(describe.calls).toBe(repositories.length + calls.length + describe.throttles);
    expect(h.emulator.controls.calls()['ecr:DescribeImages']).toMatchObject({ throttled: describe.throttles });

    // Another command class of the same client, then the first again: each kept handler is its own command's.
    const clusters = await h.clients.ecs(own, 'us-east-1').send(new ListClustersCommand({}));
    expect(clusters.clusterArns!.length).toBeGreaterThan(0);
    const again = await assumedClient.send(new DescribeImagesCommand({ repositoryName: 'ml/inference' }));
    expect(again.imageDetails!.map((d) => d.registryId)).toEqual(['222222222222', '222222222222']);
  });
});
