/**
 * ECS fetchers: I/O only, SDK shapes out. ECS pages hold at most 100 items; DescribeServices takes 10
 * services per call and DescribeTasks 100 tasks.
 */
import type { ECSClient, Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  paginateListClusters,
  paginateListServices,
  paginateListTaskDefinitionFamilies,
  paginateListTaskDefinitions,
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

  /**
   * The newest `keep` ACTIVE revisions of a family. Every page is read and sorted here: an ECS-compatible
   * endpoint was seen to ignore `sort` and `maxResults`, so neither the order nor the page size is trusted.
   */
  newestRevisions(family: string, keep: number): Promise<string[]> {
    return this.limit(async () => {
      const all: { arn: string; revision: number }[] = [];
      const input = { familyPrefix: family, status: 'ACTIVE' as const };
      for await (const page of paginateListTaskDefinitions({ client: this.client, pageSize: ECS_PAGE_SIZE }, input))
        for (const arn of page.taskDefinitionArns ?? []) {
          const name = arn.slice(arn.lastIndexOf('/') + 1);
          const colon = name.lastIndexOf(':');
          const revision = Number(name.slice(colon + 1));
          // familyPrefix names the whole family; keep exact matches only.
          if (colon > 0 && name.slice(0, colon) === family && Number.isInteger(revision)) all.push({ arn, revision });
        }
      all.sort((a, b) => b.revision - a.revision);
      return all.slice(0, keep).map((r) => r.arn);
    });
  }

  taskDefinition(arn: string): Promise<TaskDefinition | undefined> {
    return this.limit(async () => (await this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition);
  }
}
