/**
 * ECS service revisions and injected item failures. A service revision records what a deployment runs, with the
 * container images and the digests ECS resolved for them ("Amazon ECS service revisions", "ContainerImage"): one
 * per deployment. DescribeServices lists the PRIMARY and ACTIVE deployments' revisions as currentServiceRevisions;
 * DescribeServiceRevisions describes up to 20 by ARN.
 */
import { z } from 'zod';
import type { Fault } from './controls.js';
import { establishedDigest, findTaskDefinition } from './ecs-launch.js';
import type { FixtureDeployment, FixtureService } from './fixture.js';
import type { CallContext } from './request.js';
import { parseInput } from './request.js';
import type { ClusterState, EmulatorStore } from './store.js';

/**
 * "You can't describe a service revision that was created before October 25, 2024" (DescribeServiceRevisions).
 * Modelled as: older deployments have no revision, so currentServiceRevisions leaves them out (unverified).
 */
export const SERVICE_REVISIONS_SINCE = Date.UTC(2024, 9, 25) / 1000;

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export const hasRevision = (d: FixtureDeployment): boolean => d.createdAt >= SERVICE_REVISIONS_SINCE;

/** The revision's id is its deployment's (`ecs-svc/<id>`): an emulator convention, not AWS's. */
export const serviceRevisionArn = (c: ClusterState, service: string, d: FixtureDeployment): string =>
  `arn:aws:ecs:${c.registry.region}:${c.registry.accountId}:service-revision/${c.name}/${service}/${d.id.slice(d.id.lastIndexOf('/') + 1)}`;

/** DescribeServices' currentServiceRevisions: the revisions of the deployments that still run (PRIMARY, ACTIVE). */
export const currentServiceRevisions = (c: ClusterState, s: FixtureService): Record<string, unknown>[] =>
  s.deployments
    .filter((d) => d.status !== 'INACTIVE' && hasRevision(d))
    .map((d) => ({
      arn: serviceRevisionArn(c, s.name, d),
      requestedTaskCount: d.desiredCount,
      runningTaskCount: d.runningCount,
      pendingTaskCount: d.pendingCount ?? 0,
    }));

/**
 * Each container as the deployment resolved it. `versionConsistency: disabled` leaves the tag unresolved (no
 * imageDigest); so does a fixture deployment whose digest is not known yet (no tasks, none given).
 */
function containerImages(c: ClusterState, service: string, d: FixtureDeployment): Record<string, unknown>[] {
  const td = findTaskDefinition(c.registry, d.taskDefinition);
  return (td?.containers ?? []).map((ct) => {
    const at = ct.image.lastIndexOf('@');
    const pinned = at >= 0 && DIGEST.test(ct.image.slice(at + 1)) ? ct.image.slice(at + 1) : undefined;
    const digest =
      ct.versionConsistency === 'disabled'
        ? undefined
        : (establishedDigest(c, service, d.id, d.taskDefinition, ct.name) ?? pinned);
    return { containerName: ct.name, image: ct.image, ...(digest ? { imageDigest: digest } : {}) };
  });
}

function renderRevision(c: ClusterState, s: FixtureService, d: FixtureDeployment): Record<string, unknown> {
  const { accountId, region } = c.registry;
  return {
    serviceRevisionArn: serviceRevisionArn(c, s.name, d),
    serviceArn: `arn:aws:ecs:${region}:${accountId}:service/${c.name}/${s.name}`,
    clusterArn: c.arn,
    taskDefinition: `arn:aws:ecs:${region}:${accountId}:task-definition/${d.taskDefinition}`,
    launchType: s.launchType ?? 'FARGATE',
    containerImages: containerImages(c, s.name, d),
    createdAt: d.createdAt,
  };
}

const REVISION_ARN = /^arn:aws:ecs:([^:]+):(\d{12}):service-revision\/([^/]+)\/([^/]+)\/([^/]+)$/;

/** The revision an ARN names in the caller's account and region, if it exists. */
function findRevision(
  store: EmulatorStore,
  ctx: CallContext,
  arn: string,
): { c: ClusterState; s: FixtureService; d: FixtureDeployment } | undefined {
  const m = REVISION_ARN.exec(arn);
  if (!m || m[1] !== ctx.region || m[2] !== ctx.accountId) return undefined;
  const c = store.registry(ctx.accountId, ctx.region)?.clusters.get(m[3]!);
  const s = c?.serviceByName.get(m[4]!);
  const d = s?.deployments.find((x) => hasRevision(x) && x.id.slice(x.id.lastIndexOf('/') + 1) === m[5]);
  return c && s && d ? { c, s, d } : undefined;
}

/**
 * The injected `describeFailures` fault: whether the item is answered as a failure (or left out) instead of
 * being described. Pushes the failure when the fault gives a reason.
 */
export function injectedFailure(fault: Fault | undefined, arn: string, failures: Record<string, unknown>[]): boolean {
  const f = fault?.describeFailures;
  if (!f || (f.match !== undefined && !arn.includes(f.match))) return false;
  if (f.reason) failures.push({ arn, reason: f.reason, detail: 'Injected by the emulator' });
  return true;
}

/** DescribeServiceRevisions: up to 20 ARNs ("You can specify a maximum of 20 ARNs"); unknown ones are MISSING. */
export function describeServiceRevisions(store: EmulatorStore, body: unknown, ctx: CallContext): unknown {
  const input = parseInput(z.object({ serviceRevisionArns: z.array(z.string()).min(1).max(20) }), body);
  const fault = store.controls.fault('ecs:DescribeServiceRevisions');
  const serviceRevisions: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const arn of input.serviceRevisionArns) {
    const found = findRevision(store, ctx, arn);
    if (!found) failures.push({ arn, reason: 'MISSING' });
    else if (!injectedFailure(fault, arn, failures)) serviceRevisions.push(renderRevision(found.c, found.s, found.d));
  }
  return { serviceRevisions, failures };
}
