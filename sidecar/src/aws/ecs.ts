/**
 * ECS fetchers: I/O only, SDK shapes out. ECS pages hold at most 100 items; DescribeServices takes 10
 * services per call, DescribeTasks 100 tasks and DescribeServiceRevisions 20 revisions. Describe answers are
 * checked against what was asked: ECS reports items it could not describe in `failures`, not as an error.
 */
import type { ECSClient, Failure, Service, ServiceRevision, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  DescribeServiceRevisionsCommand,
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
export const DESCRIBE_SERVICE_REVISIONS_MAX = 20;

/** A Describe* answer checked against what was asked for. */
export interface Described<T> {
  readonly items: T[];
  /** `arn: why` for each item asked for that was neither described nor reported MISSING. Empty when whole. */
  readonly unaccounted: string[];
}

const lastSegment = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/**
 * The items of `asked` an answer leaves unaccounted for. MISSING means the item is gone (a task that ended, a
 * deleted service); any other failure reason, or silence, means the answer is partial. `key` says how an ARN
 * names its item (services and tasks may be named by their last segment).
 */
export function unaccounted(
  asked: readonly string[],
  described: readonly (string | undefined)[],
  failures: readonly Failure[] | undefined,
  key: (arn: string) => string = (arn) => arn,
): string[] {
  const seen = new Set(described.filter((a): a is string => a !== undefined).map(key));
  const failed = new Map((failures ?? []).filter((f) => f.arn !== undefined).map((f) => [key(f.arn!), f]));
  const out: string[] = [];
  for (const arn of asked) {
    if (seen.has(key(arn))) continue;
    const failure = failed.get(key(arn));
    if (failure?.reason === 'MISSING') continue;
    out.push(failure ? `${arn}: ${failure.reason ?? 'no reason'}${failure.detail ? ` (${failure.detail})` : ''}` : `${arn}: not in the answer`);
  }
  return out;
}

const merged = <T>(pages: readonly Described<T>[]): Described<T> => ({
  items: pages.flatMap((p) => p.items),
  unaccounted: pages.flatMap((p) => p.unaccounted),
});

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

  async services(cluster: string): Promise<Described<Service>> {
    const arns = await this.limit(async () => {
      const all: string[] = [];
      for await (const page of paginateListServices({ client: this.client, pageSize: ECS_PAGE_SIZE }, { cluster })) all.push(...(page.serviceArns ?? []));
      return all;
    });
    const pages = await Promise.all(
      chunk(arns, DESCRIBE_SERVICES_MAX).map((services) =>
        this.limit(async () => {
          const out = await this.client.send(new DescribeServicesCommand({ cluster, services }));
          const items = out.services ?? [];
          return { items, unaccounted: unaccounted(services, items.map((s) => s.serviceArn), out.failures, lastSegment) };
        }),
      ),
    );
    return merged(pages);
  }

  /** Service revisions by ARN (what each deployment resolved its image tags to). */
  async serviceRevisions(arns: readonly string[]): Promise<Described<ServiceRevision>> {
    const pages = await Promise.all(
      chunk(arns, DESCRIBE_SERVICE_REVISIONS_MAX).map((serviceRevisionArns) =>
        this.limit(async () => {
          const out = await this.client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns }));
          const items = out.serviceRevisions ?? [];
          return { items, unaccounted: unaccounted(serviceRevisionArns, items.map((r) => r.serviceRevisionArn), out.failures) };
        }),
      ),
    );
    return merged(pages);
  }

  /** Tasks with the given desired status: RUNNING, or STOPPED (ECS lists stopped tasks for a while). */
  async tasks(cluster: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Described<Task>> {
    const arns = await this.limit(async () => {
      const all: string[] = [];
      for await (const page of paginateListTasks({ client: this.client, pageSize: ECS_PAGE_SIZE }, { cluster, desiredStatus })) all.push(...(page.taskArns ?? []));
      return all;
    });
    const pages = await Promise.all(
      chunk(arns, DESCRIBE_TASKS_MAX).map((tasks) =>
        this.limit(async () => {
          const out = await this.client.send(new DescribeTasksCommand({ cluster, tasks }));
          const items = out.tasks ?? [];
          return { items, unaccounted: unaccounted(tasks, items.map((t) => t.taskArn), out.failures, lastSegment) };
        }),
      ),
    );
    return merged(pages);
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
