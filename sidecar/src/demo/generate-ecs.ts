/**
 * Synthetic ECS for a registry: clusters of services, each on a family of task-definition revisions that
 * reference the repository's recent pushes (by tag or digest), with running and stopped tasks.
 */
import type {
  FixtureCluster,
  FixtureImage,
  FixtureRegistry,
  FixtureRepository,
  FixtureService,
  FixtureTask,
  FixtureTaskDefinition,
} from './fixture.js';
import type { Random } from './prng.js';

const DAY = 86_400;
const COLLECTOR = 'public.ecr.aws/aws-observability/aws-otel-collector:latest';

/** The generator's parameters ECS follows (SyntheticParams has them all). */
export interface EcsParams {
  readonly now: number;
  readonly clustersPerRegistry: number;
  readonly servicesPerCluster: number;
  readonly tasksPerService: number;
  readonly stoppedTasksPerService: number;
  readonly taskDefinitionRevisions: number;
  readonly digestReferenceShare: number;
}

/** One registry's ECS as it is generated: task definitions and the task counter are shared by its clusters. */
interface EcsBuild {
  readonly rnd: Random;
  readonly p: EcsParams;
  readonly uri: (repo: string) => string;
  readonly taskDefinitions: FixtureTaskDefinition[];
  /** Tasks made so far: deployment ids are derived from it. */
  taskSeq: number;
}

interface Revision {
  readonly rev: number;
  readonly image: FixtureImage;
  readonly ref: string;
}

export function generateEcs(
  rnd: Random,
  p: EcsParams,
  registry: FixtureRegistry,
  pushesByRepo: Map<string, FixtureImage[]>,
): void {
  const candidates = registry.repositories.filter((r) => (pushesByRepo.get(r.name)?.length ?? 0) > 0);
  if (p.clustersPerRegistry === 0 || candidates.length === 0) return;
  const uri = (repo: string): string => `${registry.accountId}.dkr.ecr.${registry.region}.amazonaws.com/${repo}`;
  const build: EcsBuild = { rnd, p, uri, taskDefinitions: [], taskSeq: 0 };
  const clusters: FixtureCluster[] = [];
  const clusterNames = ['prod', 'staging', 'dev', 'batch'];
  for (let c = 0; c < p.clustersPerRegistry; c++) {
    const cluster: FixtureCluster = {
      name: c < clusterNames.length ? clusterNames[c]! : `cluster-${c}`,
      services: [],
      tasks: [],
    };
    for (let s = 0; s < p.servicesPerCluster; s++) {
      const repo = candidates[(c * p.servicesPerCluster + s) % candidates.length]!;
      addService(build, cluster, repo, pushesByRepo.get(repo.name)!, s);
    }
    clusters.push(cluster);
  }
  registry.ecs = { clusters, taskDefinitions: build.taskDefinitions };
}

/** A service on the repository, its task-definition family and its tasks. */
function addService(build: EcsBuild, cluster: FixtureCluster, repo: FixtureRepository, pushes: FixtureImage[], s: number): void {
  const { rnd, p } = build;
  const family = `${cluster.name}-${repo.name.replace(/[^a-zA-Z0-9_-]/g, '-')}-${s}`;
  const byDigest = rnd.chance(p.digestReferenceShare);
  const withCollector = rnd.chance(0.3);
  const collectorDigest = withCollector ? rnd.digest() : undefined;
  const revisions = registerRevisions(build, family, repo, pushes, byDigest, withCollector);
  const name = `${repo.name.split('/').pop()}-${s}`;
  cluster.services!.push(service(build, family, name, s, revisions));
  addTasks(build, cluster, family, name, revisions, collectorDigest);
}

/** The family's revisions, each on a recent push; all but the last two are deregistered. */
function registerRevisions(
  build: EcsBuild,
  family: string,
  repo: FixtureRepository,
  pushes: FixtureImage[],
  byDigest: boolean,
  withCollector: boolean,
): Revision[] {
  const { rnd, p, uri } = build;
  const revisions: Revision[] = [];
  for (let r = 1; r <= p.taskDefinitionRevisions; r++) {
    const image = pushes[Math.max(0, pushes.length - 1 - (p.taskDefinitionRevisions - r) * rnd.int(1, 3))]!;
    const tag = image.tags![0]!;
    const ref = byDigest ? `${uri(repo.name)}@${image.digest}` : `${uri(repo.name)}:${tag}`;
    revisions.push({ rev: r, image, ref });
    const registeredAt = image.pushedAt + 600;
    build.taskDefinitions.push({
      family,
      revision: r,
      status: r < p.taskDefinitionRevisions - 1 ? 'INACTIVE' : 'ACTIVE',
      registeredAt,
      ...(r < p.taskDefinitionRevisions - 1 ? { deregisteredAt: registeredAt + DAY } : {}),
      containers: [
        { name: 'app', image: ref },
        ...(withCollector ? [{ name: 'otel', image: COLLECTOR, essential: false }] : []),
      ],
    });
  }
  return revisions;
}

/** The service on the latest revision; sometimes still rolling out from the previous one. */
function service(build: EcsBuild, family: string, name: string, s: number, revisions: readonly Revision[]): FixtureService {
  const { rnd, p, taskSeq } = build;
  const latest = revisions[revisions.length - 1]!;
  const previous = revisions[revisions.length - 2];
  const createdAt = revisions[0]!.image.pushedAt + 900;
  const deployedAt = latest.image.pushedAt + 900;
  const rolling = previous !== undefined && rnd.chance(0.2);
  return {
    name,
    desiredCount: p.tasksPerService,
    runningCount: p.tasksPerService,
    taskDefinition: `${family}:${latest.rev}`,
    createdAt,
    deployments: [
      {
        id: `ecs-svc/${String(1_000_000_000_000_000 + taskSeq * 7919 + s)}`,
        status: 'PRIMARY',
        taskDefinition: `${family}:${latest.rev}`,
        desiredCount: p.tasksPerService,
        runningCount: rolling ? Math.max(0, p.tasksPerService - 1) : p.tasksPerService,
        rolloutState: rolling ? 'IN_PROGRESS' : 'COMPLETED',
        createdAt: deployedAt,
        updatedAt: deployedAt + 300,
      },
      ...(rolling && previous
        ? [
            {
              id: `ecs-svc/${String(2_000_000_000_000_000 + taskSeq * 7919 + s)}`,
              status: 'ACTIVE' as const,
              taskDefinition: `${family}:${previous.rev}`,
              desiredCount: 0,
              runningCount: 1,
              createdAt: previous.image.pushedAt + 900,
              updatedAt: deployedAt + 300,
            },
          ]
        : []),
    ],
  };
}

/** The service's running tasks on the latest revision and stopped ones on the previous (or latest). */
function addTasks(
  build: EcsBuild,
  cluster: FixtureCluster,
  family: string,
  name: string,
  revisions: readonly Revision[],
  collectorDigest: string | undefined,
): void {
  const { rnd, p } = build;
  const latest = revisions[revisions.length - 1]!;
  const previous = revisions[revisions.length - 2];
  const deployedAt = latest.image.pushedAt + 900;
  const containers = (rev: Revision): FixtureTask['containers'] => [
    { name: 'app', image: rev.ref, imageDigest: rev.image.digest },
    ...(collectorDigest ? [{ name: 'otel', image: COLLECTOR, imageDigest: collectorDigest }] : []),
  ];
  const taskId = (): string => {
    build.taskSeq++;
    return rnd.digest().slice(7, 39);
  };
  for (let t = 0; t < p.tasksPerService; t++) {
    const startedAt = Math.min(p.now - 60, deployedAt + 60 + t);
    cluster.tasks!.push({
      id: taskId(),
      taskDefinition: `${family}:${latest.rev}`,
      service: name,
      lastStatus: 'RUNNING',
      createdAt: startedAt - 30,
      startedAt,
      containers: containers(latest),
    });
  }
  for (let t = 0; t < p.stoppedTasksPerService; t++) {
    const rev = previous ?? latest;
    cluster.tasks!.push({
      id: taskId(),
      taskDefinition: `${family}:${rev.rev}`,
      service: name,
      lastStatus: 'STOPPED',
      createdAt: p.now - 3000,
      startedAt: p.now - 2970,
      stoppedAt: p.now - 600 + t,
      stoppedReason: `Scaling activity initiated by (deployment ${cluster.services!.at(-1)!.deployments[0]!.id})`,
      containers: containers(rev),
    });
  }
}
