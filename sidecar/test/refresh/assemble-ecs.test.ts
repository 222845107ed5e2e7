import { describe, expect, it } from 'vitest';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { EcsClusterData } from '../../src/refresh/assemble-ecs.js';
import { assembleUses, referencedTaskDefinitions, taskDefinitionName } from '../../src/refresh/assemble-ecs.js';

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
      // The task definition writes the container differently: both references count.
      { kind: 'stopped-task', accountId: A, region: R, cluster: 'prod', task: 't2', taskDefinition: 'api:2', container: 'app', reference: `${URI}@${D('b')}`, digest: D('b'), at: NOW - 2 * HOUR },
      { kind: 'service', accountId: A, region: R, cluster: 'prod', service: 'api', taskDefinition: 'api:3', container: 'app', reference: `${URI}:v3`, at: NOW - 3 * HOUR },
      { kind: 'service', accountId: A, region: R, cluster: 'prod', service: 'api', taskDefinition: 'api:2', container: 'app', reference: `${URI}@${D('b')}`, digest: D('b'), at: NOW - 30 * HOUR },
      { kind: 'task-definition', accountId: A, region: R, taskDefinition: 'api:3', container: 'app', reference: `${URI}:v3`, at: NOW - 10 * HOUR },
    ]);
  });

  const cluster = (parts: Partial<Pick<EcsClusterData, 'runningTasks' | 'services'>>): EcsClusterData => ({
    name: 'prod',
    arn: `arn:aws:ecs:${R}:${A}:cluster/prod`,
    runningTasks: [],
    stoppedTasks: [],
    services: [],
    ...parts,
  });
  const twoContainers: TaskDefinition = {
    ...definition('web:4', `${URI}:v4`),
    containerDefinitions: [
      { name: 'app', image: `${URI}:v4` },
      { name: 'sidecar', image: `${URI}@${D('e')}` },
      { name: 'proxy', image: `${URI}-proxy` },
    ],
  };

  it("adds the containers a task's definition names that DescribeTasks left out, without duplicates", () => {
    const uses = assembleUses({
      accountId: A,
      region: R,
      now: NOW,
      stoppedWindowMs: HOUR,
      keptRevisions: [],
      taskDefinitions: new Map([[tdArn('web:4'), twoContainers]]),
      clusters: [
        cluster({
          runningTasks: [
            {
              taskArn: `arn:aws:ecs:${R}:${A}:task/prod/t4`,
              taskDefinitionArn: tdArn('web:4'),
              startedAt: new Date(NOW - HOUR),
              containers: [{ name: 'app', image: `${URI}:v4`, imageDigest: D('c') }],
            },
          ],
        }),
      ],
    });
    const task = { kind: 'running-task', accountId: A, region: R, cluster: 'prod', task: 't4', taskDefinition: 'web:4', at: NOW - HOUR };
    expect(uses).toEqual([
      // The digest ECS resolved stays with the container it listed.
      { ...task, container: 'app', reference: `${URI}:v4`, digest: D('c') },
      { ...task, container: 'sidecar', reference: `${URI}@${D('e')}`, digest: D('e') },
      // `repo` alone is `repo:latest`: matched by tag later, no digest here.
      { ...task, container: 'proxy', reference: `${URI}-proxy` },
    ]);
  });

  it("counts a service's own task definition, also when it reports no deployments", () => {
    const uses = assembleUses({
      accountId: A,
      region: R,
      now: NOW,
      stoppedWindowMs: HOUR,
      keptRevisions: [],
      taskDefinitions: new Map([
        [tdArn('api:3'), definition('api:3', `${URI}:v3`)],
        [tdArn('api:5'), definition('api:5', `${URI}:v5`)],
      ]),
      clusters: [
        cluster({
          services: [
            { serviceName: 'bare', taskDefinition: tdArn('api:5'), deployments: [] },
            { serviceName: 'api', taskDefinition: tdArn('api:3'), deployments: [{ status: 'PRIMARY', taskDefinition: tdArn('api:3'), createdAt: new Date(NOW - 3 * HOUR) }] },
          ],
        }),
      ],
    });
    expect(uses).toEqual([
      { kind: 'service', accountId: A, region: R, cluster: 'prod', service: 'bare', taskDefinition: 'api:5', container: 'app', reference: `${URI}:v5` },
      // Named twice (service and PRIMARY deployment): one use, with the deployment's time.
      { kind: 'service', accountId: A, region: R, cluster: 'prod', service: 'api', taskDefinition: 'api:3', container: 'app', reference: `${URI}:v3`, at: NOW - 3 * HOUR },
    ]);
  });

  it('describes the definitions of services, deployments, running tasks and tasks stopped in the window', () => {
    const data = cluster({
      runningTasks: [{ taskDefinitionArn: tdArn('a:1') }],
      services: [{ taskDefinition: tdArn('b:1'), deployments: [{ taskDefinition: tdArn('b:1') }, { taskDefinition: tdArn('b:0') }] }],
    });
    const stopped = [
      { taskDefinitionArn: tdArn('c:1'), stoppedAt: new Date(NOW - HOUR) },
      { taskDefinitionArn: tdArn('c:2') },
      { taskDefinitionArn: tdArn('old:1'), stoppedAt: new Date(NOW - 3 * HOUR) },
    ];
    expect(referencedTaskDefinitions([{ ...data, stoppedTasks: stopped }], NOW - 2 * HOUR).map(taskDefinitionName)).toEqual(['b:1', 'b:0', 'a:1', 'c:1', 'c:2']);
  });

  it('names task definitions family:revision', () => {
    expect(taskDefinitionName(tdArn('web:12'))).toBe('web:12');
    expect(taskDefinitionName('web:12')).toBe('web:12');
  });
});
