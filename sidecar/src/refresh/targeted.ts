/**
 * A targeted refresh: reads again only the repositories and ECS clusters that events named, and makes the next
 * snapshot from the current one with those parts replaced. Everything else (other repositories, other clusters,
 * Lambda, Kubernetes, keep lists) is the current snapshot's until the next full refresh reconciles it.
 * A repository is read as a full refresh reads it, settings included (an event names it, so they may have
 * changed); a part that cannot be read keeps what the snapshot knew, as in a full refresh.
 */
import type { Repository as EcrRepository } from '@aws-sdk/client-ecr';
import { EcrFetcher, errorMessage } from '../aws/ecr.js';
import type { Finding, Image, ImageUse, Incomplete, Registry, Repository, Snapshot, SnapshotInput } from '../snapshot/model.js';
import { repositoryId } from '../snapshot/model.js';
import { arnName, clusterFromArn } from './assemble-ecs.js';
import type { EcrReadContext } from './ecr-context.js';
import type { RepositoryRead } from './ecr.js';
import { SNAPSHOT_FINDINGS_MAX, readRepository, snapshotLayerSizesSteps } from './ecr.js';
import { CLUSTER_KINDS, readClusterUses } from './ecs.js';
import type { RegistryReadContext, RegistryTarget } from './registry-read.js';
import { ecrReadContext, ecsReadContext, registryLimit } from './registry-read.js';
import type { RefreshRun } from './run.js';
import { startRefreshRun } from './run.js';
import { runCooperatively } from '../cooperative.js';
import type { ListReuse } from '../snapshot/build.js';

/** What events named in one registry. */
export interface RegistryTargets {
  readonly target: RegistryTarget;
  readonly accountId: string;
  readonly repositories: ReadonlySet<string>;
  /** Cluster ARNs. */
  readonly clusters: ReadonlySet<string>;
}

/** One repository after its read: read, gone from ECR, or unreadable (the snapshot's is kept). */
type RepositoryOutcome = { readonly read: RepositoryRead } | { readonly gone: true } | { readonly kept: true };

interface Parts {
  readonly repositories: Map<string, RepositoryOutcome>;
  /** `account|region|cluster name` -> the cluster's uses read now. */
  readonly clusters: Map<string, { readonly arn: string; readonly uses: readonly ImageUse[] }>;
  readonly incomplete: Incomplete[];
}

const clusterKey = (accountId: string, region: string, name: string): string => `${accountId}|${region}|${name}`;

/** The uses a targeted refresh read again: those of the clusters it read (the rest are the snapshot's). */
export function readNowIn(groups: readonly RegistryTargets[]): (use: ImageUse) => boolean {
  const keys = new Set(groups.flatMap((g) => [...g.clusters].map((arn) => clusterKey(g.accountId, g.target.region, arnName(arn)))));
  return (use) => use.cluster !== undefined && CLUSTER_KINDS.includes(use.kind) && keys.has(clusterKey(use.accountId, use.region, use.cluster));
}

/**
 * Reads the named parts of every registry, then makes the next snapshot's input from `base`, and what the build
 * may keep of `base` (the image lists of the repositories not read again).
 */
export async function readTargeted(
  ctx: RegistryReadContext,
  base: Snapshot,
  groups: readonly RegistryTargets[],
  now: number,
  version: number,
): Promise<{ readonly input: SnapshotInput; readonly reuse: ListReuse }> {
  const touched = new Set(groups.flatMap((g) => [...g.repositories].map((name) => repositoryId(g.accountId, g.target.region, name))));
  const run = startRefreshRun(now, base, findingsLeft(base, touched));
  const parts: Parts = { repositories: new Map(), clusters: new Map(), incomplete: [] };
  await Promise.all(groups.map((group) => readGroup(ctx, base, run, group, parts)));
  const { input, repositoryGone } = merge(base, parts, now, version);
  const layerSizes = await runCooperatively(snapshotLayerSizesSteps(input.images, run.layerSizes, base.layerSizes, repositoryGone));
  return { input: Object.assign({}, input, { layerSizes }), reuse: listReuse(base, parts) };
}

/** The repositories read again or gone, and the images read now: every other repository's list is base's. */
function listReuse(base: Snapshot, parts: Parts): ListReuse {
  const changed = new Set<string>();
  const images: Image[] = [];
  for (const [id, outcome] of parts.repositories) {
    if ('kept' in outcome) continue;
    // Read again and found unchanged: the listing gave back the base's list itself.
    if ('read' in outcome && outcome.read.images === base.imagesByRepository.get(id)) continue;
    changed.add(id);
    // Not a spread: a repository can hold more images than a call takes arguments.
    if ('read' in outcome) for (const image of outcome.read.images) images.push(image);
  }
  return { base, changed, images };
}

/** The findings budget left once the touched repositories' lists are given back. */
function findingsLeft(base: Snapshot, touched: ReadonlySet<string>): number {
  let used = 0;
  const given = new Set<string>();
  for (const id of touched) for (const image of base.imagesByRepository.get(id) ?? []) given.add(image.digest);
  for (const [digest, list] of base.findings) if (!given.has(digest)) used += Math.max(1, list.length);
  return Math.max(0, SNAPSHOT_FINDINGS_MAX - used);
}

async function readGroup(ctx: RegistryReadContext, base: Snapshot, run: RefreshRun, group: RegistryTargets, parts: Parts): Promise<void> {
  const { account, region } = group.target;
  const { accountId } = group;
  const limit = registryLimit(ctx, group.target);
  const registry = base.registries.find((r) => r.accountId === accountId && r.region === region);
  const reads: Promise<void>[] = [];
  if (registry && group.repositories.size > 0) {
    const ecr = new EcrFetcher(ctx.clients.ecr(account, region), limit, account.roleArn ? undefined : account.accountId);
    const key = `${accountId}|${region}`;
    const ecrCtx = ecrReadContext(ctx, ecr, accountId, region, run, {
      // Read the settings again: an event named the repository.
      settingsMaxAgeMs: 0,
      repositoryLimit: limit,
      describeRegistry: Promise.resolve({ status: 'fulfilled', value: { replicationRules: registry.replicationRules } }),
      basicScanner: ctx.caches.basicScanners.has(key) ? Promise.resolve(ctx.caches.basicScanners.get(key)) : ecr.basicScanner(),
    });
    for (const name of group.repositories) reads.push(readOne(ecrCtx, registry, name, parts));
  }
  if (ctx.config.ecs.enabled)
    for (const arn of group.clusters) {
      // Only the cluster's own uses: the region's task-definition revisions are the full refresh's.
      const ecsCtx = Object.assign({}, ecsReadContext(ctx, group.target, accountId, run, limit), { keepRevisions: 0 });
      reads.push(
        readClusterUses(ecsCtx, arn).then(({ uses, incomplete }) => {
          parts.clusters.set(clusterKey(accountId, region, arnName(arn)), { arn, uses });
          parts.incomplete.push(...incomplete);
        }),
      );
    }
  await Promise.all(reads);
}

async function readOne(ctx: EcrReadContext, registry: Registry, name: string, parts: Parts): Promise<void> {
  const id = repositoryId(ctx.accountId, ctx.region, name);
  let listed: EcrRepository | undefined;
  try {
    listed = await ctx.ecr.repository(name);
  } catch (error) {
    parts.incomplete.push({ scope: 'repository', accountId: ctx.accountId, region: ctx.region, target: name, operation: 'DescribeRepositories', error: errorMessage(error) });
    parts.repositories.set(id, { kept: true });
    return;
  }
  if (!listed) {
    parts.repositories.set(id, { gone: true });
    return;
  }
  parts.repositories.set(id, { read: await readRepository(ctx, registry, listed, parts.incomplete) });
}

/** Whether an incomplete entry of the base concerns a part read again now (it is replaced by the new read's). */
function readAgain(entry: Incomplete, parts: Parts): boolean {
  if (!entry.target) return false;
  if (entry.scope === 'cluster') return parts.clusters.has(clusterKey(entry.accountId, entry.region, entry.target));
  if (entry.scope === 'repository' || entry.scope === 'images' || entry.scope === 'manifests' || entry.scope === 'scan') {
    const outcome = parts.repositories.get(repositoryId(entry.accountId, entry.region, entry.target));
    return outcome !== undefined && !('kept' in outcome);
  }
  return false;
}

/**
 * The next snapshot's input, but for its blob sizes: `base` with the parts read now in place of their previous
 * state; and whether a repository went away (then blobs may have, too).
 */
function merge(base: Snapshot, parts: Parts, now: number, version: number): { input: Omit<SnapshotInput, 'layerSizes'>; repositoryGone: boolean } {
  const replaced = new Set<string>();
  const gone = new Set<string>();
  for (const [id, outcome] of parts.repositories) {
    if ('read' in outcome) replaced.add(id);
    else if ('gone' in outcome) gone.add(id);
  }
  const repositories: Repository[] = [];
  for (const r of base.repositories) {
    if (gone.has(r.id)) continue;
    const outcome = parts.repositories.get(r.id);
    repositories.push(outcome && 'read' in outcome ? outcome.read.repository : r);
  }
  const known = new Set(base.repositories.map((r) => r.id));
  for (const [id, outcome] of parts.repositories) if ('read' in outcome && !known.has(id)) repositories.push(outcome.read.repository);

  const images: Image[] = [];
  const dropped = new Set<string>();
  for (const image of base.images) {
    if (replaced.has(image.repositoryId) || gone.has(image.repositoryId)) dropped.add(image.digest);
    else images.push(image);
  }
  const findings = new Map<string, readonly Finding[]>(base.findings);
  for (const outcome of parts.repositories.values())
    if ('read' in outcome) {
      for (const image of outcome.read.images) {
        images.push(image);
        dropped.delete(image.digest);
      }
      for (const [digest, list] of outcome.read.findings) findings.set(digest, list);
    }
  // Findings are by digest: keep those of a digest still held by an untouched repository.
  if (dropped.size > 0) {
    for (const image of images) dropped.delete(image.digest);
    for (const digest of dropped) findings.delete(digest);
  }

  const uses: ImageUse[] = base.uses.filter((u) => !(u.cluster !== undefined && CLUSTER_KINDS.includes(u.kind) && parts.clusters.has(clusterKey(u.accountId, u.region, u.cluster))));
  const clusters = [...base.clusters];
  for (const [key, read] of parts.clusters) {
    uses.push(...read.uses);
    if (!clusters.some((c) => clusterKey(c.accountId, c.region, c.name) === key)) {
      const [accountId, region] = key.split('|') as [string, string];
      clusters.push(clusterFromArn(accountId, region, read.arn));
    }
  }
  const incomplete = [...base.incomplete.filter((e) => !readAgain(e, parts)), ...parts.incomplete];
  const input = {
    version,
    refreshStartedAt: base.refreshStartedAt,
    builtAt: now,
    registries: base.registries,
    repositories,
    images,
    findings,
    clusters,
    uses,
    incomplete,
    ...(base.sources ? { sources: base.sources } : {}),
  };
  return { input, repositoryGone: gone.size > 0 };
}
