/** The ECS part of the emulator's fixture format: clusters, services with their deployments and task sets, tasks and task definitions. */
import { z } from 'zod';
import { digest, epochSeconds } from './fixture-wire.js';

export const TaskDefinitionSchema = z.object({
  family: z.string().min(1).max(255),
  revision: z.number().int().positive(),
  status: z.enum(['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS']).optional().describe('Default ACTIVE'),
  registeredAt: epochSeconds,
  deregisteredAt: epochSeconds.optional(),
  cpu: z.string().optional(),
  memory: z.string().optional(),
  containers: z.array(
    z.object({
      name: z.string(),
      image: z.string().describe('uri:tag or uri@sha256:...'),
      versionConsistency: z.enum(['enabled', 'disabled']).optional(),
      essential: z.boolean().optional(),
    }),
  ),
});

export const DeploymentSchema = z.object({
  id: z.string(),
  status: z.enum(['PRIMARY', 'ACTIVE', 'INACTIVE']),
  taskDefinition: z.string().describe('family:revision'),
  desiredCount: z.number().int().nonnegative(),
  runningCount: z.number().int().nonnegative(),
  pendingCount: z.number().int().nonnegative().optional(),
  failedTasks: z.number().int().nonnegative().optional(),
  rolloutState: z.enum(['COMPLETED', 'FAILED', 'IN_PROGRESS']).optional(),
  createdAt: epochSeconds.describe(
    'Deployments created before 2024-10-25 have no service revision (AWS cannot describe those)',
  ),
  updatedAt: epochSeconds,
  containerImages: z
    .array(z.object({ containerName: z.string(), imageDigest: digest }))
    .optional()
    .describe(
      "The digests ECS resolved for this deployment (its service revision's containerImages). Default: those its running tasks show, else resolved at its first task launch",
    ),
});

export const TaskSetSchema = z
  .object({
    id: z.string().describe('ecs-svc/<digits>'),
    status: z.enum(['PRIMARY', 'ACTIVE', 'DRAINING']),
    taskDefinition: z.string().describe('family:revision'),
    computedDesiredCount: z.number().int().nonnegative(),
    runningCount: z.number().int().nonnegative(),
    pendingCount: z.number().int().nonnegative().optional(),
    startedBy: z.string().optional().describe('CODE_DEPLOY for task sets CodeDeploy created'),
    externalId: z.string().optional(),
    createdAt: epochSeconds,
    updatedAt: epochSeconds,
  })
  .describe('A task set of a service whose deploymentController is CODE_DEPLOY or EXTERNAL.');

export const ServiceSchema = z.object({
  name: z.string().min(1).max(255),
  status: z.enum(['ACTIVE', 'DRAINING', 'INACTIVE']).optional(),
  launchType: z.enum(['EC2', 'FARGATE', 'EXTERNAL']).optional(),
  desiredCount: z.number().int().nonnegative(),
  runningCount: z.number().int().nonnegative(),
  pendingCount: z.number().int().nonnegative().optional(),
  taskDefinition: z.string().describe('family:revision'),
  createdAt: epochSeconds,
  deployments: z.array(DeploymentSchema),
  deploymentController: z
    .enum(['ECS', 'CODE_DEPLOY', 'EXTERNAL'])
    .optional()
    .describe("Default ECS. CODE_DEPLOY and EXTERNAL services show taskSets, and the PRIMARY one's taskDefinition"),
  taskSets: z.array(TaskSetSchema).optional().describe('Shown only for CODE_DEPLOY and EXTERNAL services'),
});

export const TaskSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  taskDefinition: z.string().describe('family:revision'),
  service: z.string().optional().describe('Sets group "service:<name>" and startedBy "ecs-svc/..."'),
  group: z.string().optional(),
  startedBy: z.string().optional(),
  lastStatus: z.enum(['PROVISIONING', 'PENDING', 'RUNNING', 'STOPPING', 'DEPROVISIONING', 'STOPPED']),
  desiredStatus: z.enum(['RUNNING', 'STOPPED']).optional().describe('Default: STOPPED when lastStatus is STOPPED'),
  launchType: z.enum(['EC2', 'FARGATE', 'EXTERNAL']).optional(),
  createdAt: epochSeconds,
  startedAt: epochSeconds.optional(),
  stoppedAt: epochSeconds.optional(),
  stoppedReason: z.string().optional(),
  containers: z.array(
    z.object({
      name: z.string(),
      image: z.string(),
      imageDigest: digest.optional().describe('The digest ECS resolved'),
      lastStatus: z.string().optional(),
    }),
  ),
});

export const ClusterSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9\-_]{1,255}$/),
  services: z.array(ServiceSchema).optional(),
  tasks: z.array(TaskSchema).optional(),
});

export const EcsSchema = z.object({
  clusters: z.array(ClusterSchema).optional(),
  taskDefinitions: z.array(TaskDefinitionSchema).optional(),
});

export type FixtureEcs = z.infer<typeof EcsSchema>;
export type FixtureCluster = z.infer<typeof ClusterSchema>;
export type FixtureService = z.infer<typeof ServiceSchema>;
export type FixtureDeployment = z.infer<typeof DeploymentSchema>;
export type FixtureTaskSet = z.infer<typeof TaskSetSchema>;
export type FixtureTask = z.infer<typeof TaskSchema>;
export type FixtureTaskDefinition = z.infer<typeof TaskDefinitionSchema>;
