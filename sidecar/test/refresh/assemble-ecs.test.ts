import { describe, expect, it } from 'vitest';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { assembleUses, taskDefinitionName } from '../../src/snapshot/assemble-ecs.js';

const A = '111111111111';
const R = 'us-east-1';
const URI = `${A}.dkr.ecr.${R}.amazonaws.com/shop/api`;
const D = (c: string): string => `sha256:${c.repeat(64)}`;
const tdArn = (name: string): string => `arn:aws:ecs:${R}:${A}:task-definition/${name}`;
const HOUR = 3_600_000;
const NOW = 1_800_000_000_000;

const definition = (name: string, image: string): TaskDefinition => ({
  taskDefinitionArn: tdArn(name),
  family: name.split(':')[0],
  revision: Number(name.split(':')[1]),
  registeredAt: new Date(NOW - 10 * HOUR),
  containerDefinitions: [{ name: 'app', image }],
});

describe('assembleUses', () => {
  it('collects running and stopped tasks, service deployments and kept revisions', () => {
    const uses = assembleUses({
      accountId: A,
      region: R,
      now: NOW,
      stoppedWindowMs: 24 * HOUR,
      clusters: [
        {
          name: 'prod',
          arn: `arn:aws:ecs:${R}:${A}:cluster/prod`,
          runningTasks: [
            {
              taskArn: `arn:aws:ecs:${R}:${A}:task/prod/t1`,
              taskDefinitionArn: tdArn('api:3'),
              group: 'service:api',
              startedAt: new Date(NOW - HOUR),
              containers: [{ name: 'app', image: `${URI}:v3`, imageDigest: D('a') }],
            },
          ],
          stoppedTasks: [
            { taskArn: `arn:aws:ecs:${R}:${A}:task/prod/t2`, taskDefinitionArn: tdArn('api:2'), group: 'family:api', stoppedAt: new Date(NOW - 2 * HOUR), containers: [{ name: 'app', image: `${URI}:v2`, imageDigest: D('b') }] },
            { taskArn: `arn:aws:ecs:${R}:${A}:task/prod/t0`, taskDefinitionArn: tdArn('api:1'), stoppedAt: new Date(NOW - 48 * HOUR), containers: [{ name: 'app', image: `${URI}:v1` }] },
          ],
          services: [
            {
              serviceName: 'api',
              deployments: [
                { status: 'PRIMARY', taskDefinition: tdArn('api:3'), createdAt: new Date(NOW - 3 * HOUR) },
                { status: 'ACTIVE', taskDefinition: tdArn('api:2'), createdAt: new Date(NOW - 30 * HOUR) },
              ],
            },
          ],
        },
      ],
      taskDefinitions: new Map([
        [tdArn('api:3'), definition('api:3', `${URI}:v3`)],
        [tdArn('api:2'), definition('api:2', `${URI}@${D('b')}`)],
      ]),
      keptRevisions: [tdArn('api:3')],
    });
    expect(uses).toEqual([
      { kind: 'running-task', accountId: A, region: R, cluster: 'prod', service: 'api', task: 't1', taskDefinition: 'api:3', container: 'app', reference: `${URI}:v3`, digest: D('a'), at: NOW - HOUR },
      { kind: 'stopped-task', accountId: A, region: R, cluster: 'prod', task: 't2', taskDefinition: 'api:2', container: 'app', reference: `${URI}:v2`, digest: D('b'), at: NOW - 2 * HOUR },
      { kind: 'service', accountId: A, region: R, cluster: 'prod', service: 'api', taskDefinition: 'api:3', container: 'app', reference: `${URI}:v3`, at: NOW - 3 * HOUR },
      { kind: 'service', accountId: A, region: R, cluster: 'prod', service: 'api', taskDefinition: 'api:2', container: 'app', reference: `${URI}@${D('b')}`, digest: D('b'), at: NOW - 30 * HOUR },
      { kind: 'task-definition', accountId: A, region: R, taskDefinition: 'api:3', container: 'app', reference: `${URI}:v3`, at: NOW - 10 * HOUR },
    ]);
  });

  it('names task definitions family:revision', () => {
    expect(taskDefinitionName(tdArn('web:12'))).toBe('web:12');
    expect(taskDefinitionName('web:12')).toBe('web:12');
  });
});
