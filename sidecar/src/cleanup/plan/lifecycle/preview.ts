/**
 * Lifecycle-policy preview over a snapshot: what ECR will expire or archive in each repository,
 * flagging images that ECS still uses (ECR's lifecycle ignores ECS).
 */
import { runCooperatively, runNow } from '../../../cooperative.js';
import type { Steps } from '../../../cooperative.js';
import type { Image, Repository, Snapshot } from '../../../snapshot/model.js';
import type { InUseConfig } from '../config.js';
import { createInUseResolver } from '../inuse.js';
import { inUseReason } from '../reasons.js';
import type { Reason } from '../reasons.js';
import { evaluateLifecyclePolicy } from './evaluate.js';
import type { LifecycleAction } from './evaluate.js';
import { parseLifecyclePolicy } from './policy.js';

const NONE: readonly never[] = Object.freeze([]);

export interface LifecyclePreviewImage extends LifecycleAction<Image> {
  /** True when our in-use rules find ECS using it: the headline risk. */
  readonly inUse: boolean;
  readonly inUseReasons: readonly Reason[];
  /** Clusters whose tasks or services use it. */
  readonly clusters: readonly string[];
}

export interface LifecycleRepositoryPreview {
  readonly repository: Repository;
  readonly policy: 'none' | 'valid' | 'invalid';
  /** Why the policy is invalid. */
  readonly errors: readonly string[];
  readonly actions: readonly LifecyclePreviewImage[];
  readonly protectedByIndex: readonly { readonly digest: string; readonly rulePriority: number }[];
  readonly summary: {
    readonly expiring: number;
    readonly transitioning: number;
    /** Images ECR will act on that ECS uses. */
    readonly inUseAtRisk: number;
    /** Sum of imageSizeInBytes of the expiring images whose size ECR reported. */
    readonly expiringBytes: number;
  };
  /** The image list is incomplete, so the preview may miss images. */
  readonly incomplete: boolean;
}

export interface LifecyclePreview {
  readonly generatedAt: number;
  readonly snapshotVersion: number;
  readonly repositories: readonly LifecycleRepositoryPreview[];
}

export function previewRepository(
  snapshot: Snapshot,
  repository: Repository,
  inUse: ReturnType<typeof createInUseResolver>,
  now: number,
): LifecycleRepositoryPreview {
  const incomplete = (snapshot.incompleteByRepository.get(repository.id) ?? []).some((e) => e.scope === 'images' || e.scope === 'registry');
  const empty = { expiring: 0, transitioning: 0, inUseAtRisk: 0, expiringBytes: 0 };
  if (repository.lifecyclePolicyText === undefined) {
    return { repository, policy: 'none', errors: [], actions: [], protectedByIndex: [], summary: empty, incomplete };
  }
  const parsed = parseLifecyclePolicy(repository.lifecyclePolicyText);
  if (!parsed.ok) return { repository, policy: 'invalid', errors: parsed.errors, actions: [], protectedByIndex: [], summary: empty, incomplete };

  const images = snapshot.imagesByRepository.get(repository.id) ?? [];
  const evaluation = evaluateLifecyclePolicy(parsed.policy, images, now);
  const actions = evaluation.actions.map((action): LifecyclePreviewImage => {
    const { image } = action;
    const uses = inUse(image);
    if (!uses.length) return Object.assign({}, action, { inUse: false, inUseReasons: NONE, clusters: NONE });
    const clusters = [...new Set(uses.flatMap((use) => (use.cluster ? [use.cluster] : [])))];
    return Object.assign({}, action, { inUse: true, inUseReasons: uses.map((use) => inUseReason(use, image, now)), clusters });
  });
  let expiring = 0;
  let transitioning = 0;
  let inUseAtRisk = 0;
  let expiringBytes = 0;
  for (const a of actions) {
    if (a.action === 'EXPIRE') {
      expiring++;
      expiringBytes += a.image.sizeBytes ?? 0;
    } else transitioning++;
    if (a.inUse) inUseAtRisk++;
  }
  return {
    repository,
    policy: 'valid',
    errors: [],
    actions,
    protectedByIndex: evaluation.protectedByIndex,
    summary: { expiring, transitioning, inUseAtRisk, expiringBytes },
    incomplete,
  };
}

/** Previews every repository's lifecycle policy. */
export function previewLifecycle(snapshot: Snapshot, inUseConfig: InUseConfig, now: number, keepDays = 0): LifecyclePreview {
  return runNow(previewSteps(snapshot, inUseConfig, now, keepDays));
}

/** previewLifecycle, giving the event loop a turn between repositories (1.4 s in one piece at 1,000,000 images). */
export function previewLifecycleCooperatively(snapshot: Snapshot, inUseConfig: InUseConfig, now: number, keepDays = 0, sliceMs?: number): Promise<LifecyclePreview> {
  return runCooperatively(previewSteps(snapshot, inUseConfig, now, keepDays), sliceMs);
}

function* previewSteps(snapshot: Snapshot, inUseConfig: InUseConfig, now: number, keepDays: number): Steps<LifecyclePreview> {
  // Remembered uses count for `keepDays`: an image the ledger saw used recently is at risk too.
  const inUse = createInUseResolver(snapshot, inUseConfig, now, keepDays);
  const repositories: LifecycleRepositoryPreview[] = [];
  for (const repository of snapshot.repositories) {
    repositories.push(previewRepository(snapshot, repository, inUse, now));
    yield;
  }
  return { generatedAt: now, snapshotVersion: snapshot.version, repositories };
}
