import { createHash } from 'node:crypto';
import { DescribeRepositoriesCommand, ECRClient, GetRegistryScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import {
  ClientException,
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  ServiceNotFoundException,
} from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/demo/server.js';
import { ACCOUNT_A, ACCOUNT_B, CREDENTIALS, ecsClient, reference, start } from './helpers.js';

const d = (label: string): string => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const ARN = 'arn:aws:ecs:us-east-1:111111111111';

let emulator: RunningEmulator;
let ecs: ECSClient;

beforeAll(async () => {
  const fixture = reference();
  // ECS lists a stopped task for an hour only: the nightly ETL task stops 10 minutes before the emulator's now.
  fixture.registries[0]!.ecs!.clusters![0]!.tasks!.find((t) => t.id.endsWith('06'))!.stoppedAt = 1_767_225_000;
  emulator = await start(fixture, { now: () => 1_767_225_600_000 });
  ecs = ecsClient(emulator);
});
afterAll(() => emulator.close());

describe('ECS', () => {
  it('ListClusters and ListServices', async () => {
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([
      `${ARN}:cluster/prod`,
      `${ARN}:cluster/staging`,
    ]);
    expect((await ecs.send(new ListServicesCommand({ cluster: 'prod' }))).serviceArns).toEqual([
      `${ARN}:service/prod/frontend`,
      `${ARN}:service/prod/api`,
    ]);
    expect((await ecs.send(new ListServicesCommand({ cluster: `${ARN}:cluster/staging` }))).serviceArns).toEqual([]);
    await expect(ecs.send(new ListServicesCommand({ cluster: 'nope' }))).rejects.toBeInstanceOf(
      ClusterNotFoundException,
    );
    await expect(ecs.send(new ListServicesCommand({}))).rejects.toBeInstanceOf(ClusterNotFoundException);
  });

  it('DescribeServices returns deployments with task definitions, MISSING failures, and at most 10 services', async () => {
    const out = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api', 'ghost'] }));
    expect(out.services?.[0]).toMatchObject({
      serviceArn: `${ARN}:service/prod/api`,
      serviceName: 'api',
      taskDefinition: `${ARN}:task-definition/platform-api:2`,
      createdAt: new Date(1746060000 * 1000),
    });
    expect(out.services?.[0]?.deployments?.map((x) => [x.status, x.taskDefinition, x.runningCount])).toEqual([
      ['PRIMARY', `${ARN}:task-definition/platform-api:2`, 1],
      ['ACTIVE', `${ARN}:task-definition/platform-api:1`, 1],
    ]);
    expect(out.failures).toEqual([{ arn: `${ARN}:service/prod/ghost`, reason: 'MISSING' }]);
    await expect(
      ecs.send(
        new DescribeServicesCommand({ cluster: 'prod', services: Array.from({ length: 11 }, (_, i) => `s${i}`) }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('ListTasks filters by desiredStatus, service and family', async () => {
    const id = (n: number): string => `${ARN}:task/prod/0a00000000000000000000000000000${n}`;
    expect((await ecs.send(new ListTasksCommand({ cluster: 'prod' }))).taskArns).toEqual([id(1), id(2), id(3), id(4)]);
    expect((await ecs.send(new ListTasksCommand({ cluster: 'prod', desiredStatus: 'STOPPED' }))).taskArns).toEqual([
      id(5),
      id(6),
    ]);
    expect((await ecs.send(new ListTasksCommand({ cluster: 'prod', desiredStatus: 'PENDING' }))).taskArns).toEqual([]);
    expect((await ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'api' }))).taskArns).toEqual([
      id(3),
      id(4),
    ]);
    expect(
      (await ecs.send(new ListTasksCommand({ cluster: 'prod', family: 'data-etl', desiredStatus: 'STOPPED' })))
        .taskArns,
    ).toEqual([id(6)]);
    await expect(ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'ghost' }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
  });

  it('DescribeTasks returns containers with image and imageDigest, by tag and by digest', async () => {
    const out = await ecs.send(
      new DescribeTasksCommand({
        cluster: 'prod',
        tasks: ['0a000000000000000000000000000001', `${ARN}:task/prod/0a000000000000000000000000000003`, 'ghost'],
      }),
    );
    expect(out.tasks?.map((t) => t.containers?.map((c) => [c.image, c.imageDigest]))).toEqual([
      [['111111111111.dkr.ecr.us-east-1.amazonaws.com/web/frontend:v1.1.0', d('image/web-frontend/v1.1.0')]],
      [
        [
          `111111111111.dkr.ecr.us-east-1.amazonaws.com/platform/api@${d('image/platform-api/2.0.0')}`,
          d('image/platform-api/2.0.0'),
        ],
      ],
    ]);
    expect(out.tasks?.[0]).toMatchObject({
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      group: 'service:frontend',
      taskDefinitionArn: `${ARN}:task-definition/web-frontend:3`,
    });
    expect(out.failures).toEqual([{ arn: `${ARN}:task/prod/ghost`, reason: 'MISSING' }]);
    const stopped = await ecs.send(
      new DescribeTasksCommand({ cluster: 'prod', tasks: ['0a000000000000000000000000000006'] }),
    );
    expect(stopped.tasks?.[0]).toMatchObject({
      lastStatus: 'STOPPED',
      stoppedAt: new Date(1_767_225_000 * 1000),
      group: 'family:data-etl',
      startedBy: 'events-rule/nightly-etl',
    });
    await expect(
      ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: Array.from({ length: 101 }, (_, i) => `t${i}`) })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('DescribeTaskDefinition resolves family, family:revision and ARN', async () => {
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web-frontend' }));
    expect(latest.taskDefinition).toMatchObject({ family: 'web-frontend', revision: 3, status: 'ACTIVE' });
    expect(latest.taskDefinition?.containerDefinitions?.[0]?.image).toBe(
      '111111111111.dkr.ecr.us-east-1.amazonaws.com/web/frontend:v1.1.0',
    );
    const old = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: `${ARN}:task-definition/web-frontend:1` }),
    );
    expect(old.taskDefinition).toMatchObject({
      revision: 1,
      status: 'INACTIVE',
      deregisteredAt: new Date(1748740000 * 1000),
    });
    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'ghost:1' }))).rejects.toBeInstanceOf(
      ClientException,
    );
  });

  it('ListTaskDefinitions and ListTaskDefinitionFamilies', async () => {
    const active = await ecs.send(new ListTaskDefinitionsCommand({}));
    expect(active.taskDefinitionArns?.map((a) => a.split('/')[1])).toEqual([
      'data-etl:1',
      'platform-api:1',
      'platform-api:2',
      'web-frontend:2',
      'web-frontend:3',
    ]);
    const inactive = await ecs.send(new ListTaskDefinitionsCommand({ status: 'INACTIVE' }));
    expect(inactive.taskDefinitionArns).toEqual([`${ARN}:task-definition/web-frontend:1`]);
    const desc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web-frontend', sort: 'DESC' }));
    expect(desc.taskDefinitionArns?.map((a) => a.split(':').pop())).toEqual(['3', '2']);
    expect((await ecs.send(new ListTaskDefinitionFamiliesCommand({}))).families).toEqual([
      'data-etl',
      'platform-api',
      'web-frontend',
    ]);
    expect((await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'web' }))).families).toEqual([
      'web-frontend',
    ]);
  });

  it('rejects maxResults above 100', async () => {
    await expect(ecs.send(new ListClustersCommand({ maxResults: 101 }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });
});

describe('STS', () => {
  const sts = (): STSClient => new STSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CREDENTIALS });
  // The SDK's nested STS client has no GetCallerIdentity; send the awsQuery form by hand.
  const callerIdentity = async (accessKeyId: string): Promise<{ Account?: string; Arn?: string }> => {
    const res = await fetch(emulator.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(res.status).toBe(200);
    const xml = await res.text();
    return { Account: /<Account>(.*?)<\/Account>/.exec(xml)?.[1], Arn: /<Arn>(.*?)<\/Arn>/.exec(xml)?.[1] };
  };

  it('GetCallerIdentity maps unknown keys to the default account', async () => {
    const out = await callerIdentity(CREDENTIALS.accessKeyId);
    expect(out.Account).toBe(ACCOUNT_A);
    expect(out.Arn).toBe('arn:aws:iam::111111111111:user/emulator');
  });

  it('AssumeRole issues credentials that act in the role account', async () => {
    const out = await sts().send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/ecr-lens-reader', RoleSessionName: 'ecr-lens' }),
    );
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::222222222222:assumed-role/ecr-lens-reader/ecr-lens');
    expect(out.Credentials?.Expiration).toEqual(new Date(1_767_225_600_000 + 3600_000));
    const assumed = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    const who = await callerIdentity(assumed.accessKeyId);
    expect(who.Account).toBe(ACCOUNT_B);
    const ecs2 = ecsClient(emulator, { credentials: assumed });
    expect((await ecs2.send(new ListClustersCommand({}))).clusterArns).toEqual([
      'arn:aws:ecs:us-east-1:222222222222:cluster/ml',
    ]);
  });

  it('keeps honouring issued credentials after the emulator restarts, as AWS keys outlive a service restart', async () => {
    const out = await sts().send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/ecr-lens-reader', RoleSessionName: 'restart' }),
    );
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA222222222222[0-9A-F]{4}$/);
    const restarted = await start(reference(), { now: () => 1_767_225_600_000 });
    try {
      const credentials = {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      };
      const clusters = await ecsClient(restarted, { credentials }).send(new ListClustersCommand({}));
      expect(clusters.clusterArns).toEqual(['arn:aws:ecs:us-east-1:222222222222:cluster/ml']);
    } finally {
      await restarted.close();
    }
  });

  it('works through fromTemporaryCredentials, as the sidecar uses it', async () => {
    const ecr = new ECRClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: fromTemporaryCredentials({
        params: { RoleArn: 'arn:aws:iam::222222222222:role/reader', RoleSessionName: 'lens' },
        masterCredentials: CREDENTIALS,
        clientConfig: { endpoint: emulator.url, region: 'us-east-1' },
      }),
    });
    const repos = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(repos.repositories?.map((r) => r.repositoryName)).toEqual(['ml/inference']);
    expect((await ecr.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration?.scanType).toBe(
      'ENHANCED',
    );
  });

  it('denies roles in accounts the fixture does not know', async () => {
    const error = (await sts()
      .send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::999999999999:role/x', RoleSessionName: 'lens' }))
      .catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode: number } };
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });
});
