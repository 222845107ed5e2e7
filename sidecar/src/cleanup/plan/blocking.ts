/**
 * What blocks a repository's plan (fail closed): an in-use source that could not be read, a registry no source
 * watches, accounts the repository policy lets pull that nobody watches, and gaps in the repository's own inventory.
 */
import type { Incomplete, Repository, Snapshot, SourceCoverage } from '../../snapshot/model.js';
import type { CleanupConfig } from './config.js';
import * as R from './reasons.js';
import type { Reason } from './reasons.js';

/** Incomplete entries that say nothing about what may be deleted. */
const INFORMATIONAL_OPERATIONS = new Set([
  'GetLifecyclePolicy',
  'GetRepositoryPolicy',
  'ListTagsForResource',
  'DescribeImageScanFindings',
  'DescribeRegistry',
  'GetRegistryScanningConfiguration',
]);

/** Incomplete entries that block a repository, by reason. `uses` are the in-use sources' failures, which block every repository. */
export function blockingReasons(snapshot: Snapshot, repository: Repository, uses: readonly Incomplete[], config?: CleanupConfig): Reason[] {
  const reasons: Reason[] = [];
  const ecs = uses.filter((e) => e.scope === 'ecs' || e.scope === 'cluster');
  const others = uses.filter((e) => e.scope !== 'ecs' && e.scope !== 'cluster');
  if (ecs.length) reasons.push(R.ecsBlockedReason(ecs));
  if (others.length) reasons.push(R.sourceBlockedReason(others));
  if (config && isBlind(snapshot, repository, config)) reasons.push(R.noSourceReason(repository.accountId, repository.region));
  const pullers = config ? unwatchedPullers(snapshot, repository, config) : [];
  if (pullers.length) reasons.push(R.pullersBlockedReason(pullers));
  const own = (snapshot.incompleteByRepository.get(repository.id) ?? []).filter(
    (e) => e.scope !== 'scan' && !INFORMATIONAL_OPERATIONS.has(e.operation),
  );
  const images = own.filter((e) => e.scope === 'images');
  const manifests = own.filter((e) => e.scope === 'manifests');
  const other = own.filter((e) => e.scope !== 'images' && e.scope !== 'manifests');
  if (images.length) reasons.push(R.imagesBlockedReason(images));
  if (manifests.length) reasons.push(R.manifestsBlockedReason(manifests));
  if (other.length) reasons.push(R.inventoryBlockedReason(other));
  return reasons;
}

/**
 * True when no in-use source watches what runs from the repository's registry and the configuration does not
 * say that nothing runs from it. ECS and Lambda watch the registry of their account and region; Kubernetes
 * watches a whole runtime, so every registry. A keep list watches nothing: it names exceptions.
 */
export function isBlind(snapshot: Snapshot, repository: Repository, config: CleanupConfig): boolean {
  if (!snapshot.sources) return false; // a snapshot made by hand: sources unknown
  const { accountId, region } = repository;
  return !isWatched(snapshot, accountId, region) && !nothingRunsFrom(config, accountId, region);
}

/** Whether a source watches what runs from the registry: ECS or Lambda in its account and region, or Kubernetes. */
export const watches = (s: SourceCoverage, accountId: string, region: string): boolean =>
  s.accountId === undefined ? s.source === 'kubernetes' : s.accountId === accountId && s.region === region;

function isWatched(snapshot: Snapshot, accountId: string, region: string): boolean {
  return (snapshot.sources ?? []).some((s) => watches(s, accountId, region));
}

/** The configuration declares that nothing runs from the registry (CLEANUP_NOTHING_RUNS_FROM). */
export function nothingRunsFrom(config: CleanupConfig, accountId: string, region: string): boolean {
  return config.inUse.nothingRunsFrom.some((r) => r === accountId || r === `${accountId}/${region}`);
}

/** Accounts the repository policy lets pull that ECR Lens reads no registry of, and the configuration does not accept. */
export function unwatchedPullers(snapshot: Snapshot, repository: Repository, config: CleanupConfig): string[] {
  const { pullAccounts } = repository.policy;
  if (!pullAccounts.length || !snapshot.sources) return [];
  const read = new Set(snapshot.registries.map((r) => r.accountId));
  const accepted = new Set(config.inUse.unwatchedPullers);
  return pullAccounts.filter((a) => a !== repository.accountId && !read.has(a) && !accepted.has(a));
}
