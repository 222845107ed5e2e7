/**
 * ECS fetchers: I/O only, SDK shapes out. ECS pages hold at most 100 items; DescribeServices takes 10
 * services per call and DescribeTasks 100 tasks.
 */
import type { ECSClient, Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  paginateListClusters,
  paginateListServices,
  paginateListTaskDefinitionFamilies,
  paginateListTasks,
} from '@aws-sdk/client-ecs';
import type { LimitFunction } from 'p-limit';
import { chunk } from './ecr.js';

export const ECS_PAGE_SIZE = 100;
export const DESCRIBE_SERVICES_MAX = 10;
export const DESCRIBE_TASKS_MAX = 100;

export class EcsFetcher {
  constructor(
    private readonly client: ECSClient,
    private readonly limit: LimitFunction,
  ) {}

  clusters(): Promise<string[]> {
    return this.limit(async () => {
      const all: string[] = [];
      for await (const page of paginateListClusters({ client: this.client, pageSize: ECS_PAGE_SIZE }, {})) all.push(...(page.clusterArns ?? []));
      return all;
    });
  }

  async services(cluster: string): Promise<Service[]> {
    const arns = await this.limit(async () => {
      const all: string[] = [];
      for await (const page of paginateListServices({ client: this.client, pageSize: ECS_PAGE_SIZE }, { cluster })) all.push(...(page.serviceArns ?? []));
      return all;
    });
    const pages = await Promise.all(
      chunk(arns, DESCRIBE_SERVICES_MAX).map((services) =>
        this.limit(async () => (await this.client.send(new DescribeServicesCommand({ cluster, services }))).services ?? []),
      ),
    );
    return pages.flat();
  }

  /** Tasks with the given desired status: RUNNING, or STOPPED (ECS lists stopped tasks for a while). */
  async tasks(cluster: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Task[]> {
    const arns = await this.limit(async () => {
      const all: string[] = [];
      for await (const page of paginateListTasks({ client: this.client, pageSize: ECS_PAGE_SIZE }, { cluster, desiredStatus })) all.push(...(page.taskArns ?? []));
      return all;
    });
    const pages = await Promise.all(
      chunk(arns, DESCRIBE_TASKS_MAX).map((tasks) => this.limit(async () => (await this.client.send(new DescribeTasksCommand({ cluster, tasks }))).tasks ?? [])),
    );
    return pages.flat();
  }

  families(): Promise<string[]> {
    return this.limit(async () => {
      const all: string[] = [];
      for await (const page of paginateListTaskDefinitionFamilies({ client: this.client, pageSize: ECS_PAGE_SIZE }, { status: 'ACTIVE' }))
        all.push(...(page.families ?? []));
      return all;
    });
  }

  /** The newest `keep` ACTIVE revisions of a family: one call when keep <= 100. */
  newestRevisions(family: string, keep: number): Promise<string[]> {
    return this.limit(async () => {
      const out: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(
          new ListTaskDefinitionsCommand({ familyPrefix: family, sort: 'DESC', status: 'ACTIVE', maxResults: Math.min(ECS_PAGE_SIZE, keep - out.length), ...(nextToken ? { nextToken } : {}) }),
        );
        // familyPrefix names the whole family; keep exact matches only.
        out.push(...(page.taskDefinitionArns ?? []).filter((arn) => arn.slice(arn.lastIndexOf('/') + 1, arn.lastIndexOf(':')) === family));
        nextToken = page.nextToken;
      } while (nextToken && out.length < keep);
      return out.slice(0, keep);
    });
  }

  taskDefinition(arn: string): Promise<TaskDefinition | undefined> {
    return this.limit(async () => (await this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition);
  }
}
