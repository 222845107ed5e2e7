/**
 * The cleanup planner: one decision per image (delete | keep | blocked) with every reason.
 * Pure: the same snapshot, config and time give the same plan and plan id.
 * Room `cleanup/plan/`: pure planning, no I/O; it never imports from `cleanup/execute/`.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { runCooperatively, runNow } from '../../cooperative.js';
import type { Steps } from '../../cooperative.js';
import type { Image, ImageUse, Incomplete, Repository, Snapshot } from '../../snapshot/model.js';
import { USE_SCOPES } from '../../snapshot/model.js';
import type { CleanupConfig } from './config.js';
import { blindSpotNotices } from './blind-spots.js';
import { createInUseResolver } from './inuse.js';
import { layerIndex } from './layers.js';
import type { LayerIndex } from './layers.js';
import type { InUseResolver } from './inuse.js';
import { DEFAULT_PRICES, monthlyCostUsd, priceFor } from '../../cost/pricing.js';
import type { PriceTable } from '../../cost/pricing.js';
import * as R from './reasons.js';
import { blockingReasons } from './blocking.js';
import { decideRepository, decideRepositorySteps } from './decide.js';
import { DELETE, KEEP } from './decisions.js';
import type { Decisions } from './decisions.js';
import { reclaimable, Stamps } from './reclaim.js';
import { canonicalJson, ruleMatcher } from './rules.js';
import type { CompiledRule } from './rules.js';
import { BLOCKED, DECISION_NAMES, PlanCursor, PlannedImage, usedPositions } from './image-views.js';
import type { PlanStore } from './image-views.js';
import type { CleanupPlan, ImagePlan, PlanSummary, RepositoryPlan, RepositoryStatus } from './types.js';
import { planInputsOf, recordPlanInputs, recordRepositoryInputs, reusableRepositoryPlans, sameRepositoryInputs } from './reuse.js';
import type { PlanReuse, RepositoryInputs } from './reuse.js';

export type { CleanupPlan, ImagePlan, PlanSummary, RepositoryPlan, RepositoryStatus };
import type { Reason } from './reasons.js';

export interface PlanOptions {
  readonly prices?: PriceTable;
  /** Plan only these repositories (by id): a check of some repositories' decisions, not a plan to execute. */
  readonly only?: ReadonlySet<string>;
  /**
   * An earlier snapshot's whole plan: the repository plans whose inputs are all the same are taken from it (reuse.ts).
   * The plan is then the one made without it; it is taken only when made at the same `now`.
   */
  readonly reuse?: PlanReuse;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const EMPTY_SUMMARY: PlanSummary = {
  images: 0,
  delete: 0,
  keep: 0,
  blocked: 0,
  inUse: 0,
  deleteSizeBytes: 0,
  reclaimableBytes: 0,
  monthlyUsd: 0,
  reclaimableUnknown: 0,
};

function addSummaries(a: PlanSummary, b: PlanSummary): PlanSummary {
  return {
    images: a.images + b.images,
    delete: a.delete + b.delete,
    keep: a.keep + b.keep,
    blocked: a.blocked + b.blocked,
    inUse: a.inUse + b.inUse,
    deleteSizeBytes: a.deleteSizeBytes + b.deleteSizeBytes,
    reclaimableBytes: a.reclaimableBytes + b.reclaimableBytes,
    monthlyUsd: a.monthlyUsd + b.monthlyUsd,
    reclaimableUnknown: a.reclaimableUnknown + b.reclaimableUnknown,
  };
}

/** Fail-closed checks that need the decisions: every kept index's children must be known. */
function indexReasons(images: readonly Image[], decisions: Decisions): Reason[] {
  const reasons: Reason[] = [];
  let digests: Set<string> | undefined;
  for (let i = 0; i < images.length; i++) {
    const image = images[i]!;
    if (image.kind !== 'index' || decisions.decision[i] !== KEEP) continue;
    if (image.children.length === 0) {
      reasons.push(R.indexUnknownReason(image));
      continue;
    }
    digests ??= new Set(images.map((im) => im.digest));
    const missing = image.children.find((c) => !digests!.has(c));
    if (missing) reasons.push(R.indexChildMissingReason(image, missing));
    if (reasons.length >= 5) break;
  }
  return reasons;
}

function useKey(use: ImageUse): string {
  return `${use.kind}|${use.accountId}/${use.region}|${use.cluster ?? ''}|${use.service ?? ''}|${use.taskDefinition ?? ''}|${use.reference}`;
}

export interface PlanContext {
  readonly config: CleanupConfig;
  readonly inUse: InUseResolver;
  readonly now: number;
  /** Failures of in-use sources: they block every repository. */
  readonly useFailures: readonly Incomplete[];
  readonly prices: PriceTable;
  readonly layers: LayerIndex;
  readonly stamps: Stamps;
}

/**
 * Plans one repository, yielding within it: the largest repositories (100,000 images) took 200-300 ms each,
 * too long to hold the event loop while the next snapshot is prepared.
 */
function* planRepositorySteps(
  snapshot: Snapshot,
  repository: Repository,
  compiled: CompiledRule | undefined,
  context: PlanContext,
  unsized: { value: boolean },
): Steps<RepositoryPlan> {
  const images = snapshot.imagesByRepository.get(repository.id) ?? [];
  const hash = createHash('sha256');
  hash.update(`${repository.id}\n${compiled?.json ?? 'no-rule'}\n`);
  const inUse = context.inUse.forRepository(repository.id, compiled?.rule.keepIfUsedWithinDays);
  if (!compiled) return planWithoutRule(repository, images, inUse, hash, context);

  // Codes decide and are hashed; the full reasons are made when read (the same decisions, by purity).
  const decisions = yield* decideRepositorySteps(images, compiled, inUse, context.now, R.CODED_IMAGE_REASONS);
  const blocked = [...blockingReasons(snapshot, repository, context.useFailures, context.config), ...indexReasons(images, decisions)];
  yield;
  const layers = yield* context.layers.forRepository(repository.id);
  unsized.value = layers?.unsized ?? false;
  const reclaim = blocked.length || !layers ? undefined : reclaimable(layers, context.stamps, decisions);
  yield;
  const decision = yield* hashDecisions(images, decisions, blocked.length > 0, hash);
  for (const r of blocked) hash.update(`${r.code}\n`);
  const now = context.now;
  const store: PlanStore = {
    images,
    decision,
    reclaimable: reclaim?.perImage,
    uses: usedPositions(decisions.uses),
    usdPerGbMonth: priceFor(context.prices, repository.region),
    // Pure, so deciding again gives the same reasons: a plan keeps codes, not a million sentences.
    reasons: () => {
      const own = decideRepository(images, compiled, inUse, now, R.IMAGE_REASONS).reasons;
      return blocked.length ? own.map((r) => [...blocked, ...r]) : own;
    },
  };
  return finish(
    repository,
    compiled.rule.repository,
    blocked.length ? 'blocked' : 'ok',
    blocked,
    store,
    hash.digest('hex'),
    reclaim?.unionBytes ?? 0,
    reclaim?.unknown ?? 0,
    context,
  );
}

/** A repository no rule matches: every image kept, and the plan says so. */
function planWithoutRule(
  repository: Repository,
  images: readonly Image[],
  inUse: (image: Image) => readonly ImageUse[],
  hash: Hash,
  context: PlanContext,
): RepositoryPlan {
  const reasons = [R.noRuleReason(repository.name)];
  hash.update(`${images.length}`);
  const store: PlanStore = {
    images,
    decision: new Uint8Array(images.length),
    reclaimable: undefined,
    uses: usedPositions(images.map(inUse)),
    usdPerGbMonth: 0,
    reasons: () => images.map(() => reasons),
  };
  return finish(repository, null, 'no-rule', [], store, hash.digest('hex'), 0, 0, context);
}

/**
 * The final decision per image (all blocked when the repository is), hashing what the plan id
 * covers: the image set, each decision with its reason codes, and the uses that count.
 */
function* hashDecisions(images: readonly Image[], decisions: Decisions, blocked: boolean, hash: Hash): Steps<Uint8Array> {
  const decision = new Uint8Array(images.length);
  // Hash input, flushed in large pieces: one native call per image would dominate at a million images.
  const parts: string[] = [];
  for (let i = 0; i < images.length; i++) {
    const d = blocked ? BLOCKED : decisions.decision[i]!;
    decision[i] = d;
    parts.push(images[i]!.digest, DECISION_NAMES[d]!);
    for (const r of decisions.reasons[i]!) parts.push(r.code);
    // Distinct keys: how many tasks of a service run an image does not change what is deleted.
    const uses = decisions.uses[i]!;
    if (uses.length === 1) parts.push(useKey(uses[0]!));
    else if (uses.length > 1) parts.push(...new Set(uses.map(useKey)));
    parts.push('\n');
    if (parts.length > 8192) {
      hash.update(parts.join(' '));
      parts.length = 0;
      yield;
    }
  }
  hash.update(parts.join(' '));
  return decision;
}

function finish(
  repository: Repository,
  rule: string | null,
  status: RepositoryStatus,
  blockedReasons: readonly Reason[],
  store: PlanStore,
  hash: string,
  reclaimableBytes: number,
  reclaimableUnknown: number,
  context: { readonly prices: PriceTable },
): RepositoryPlan {
  let del = 0;
  let keep = 0;
  let block = 0;
  let deleteSizeBytes = 0;
  const { images, decision } = store;
  for (let i = 0; i < images.length; i++) {
    const d = decision[i]!;
    if (d === DELETE) {
      del++;
      deleteSizeBytes += images[i]!.sizeBytes ?? 0;
    } else if (d === KEEP) keep++;
    else block++;
  }
  return {
    repository,
    rule,
    status,
    blockedReasons,
    // A fresh list of views on each read: nothing per image is kept but the store.
    get images(): readonly ImagePlan[] {
      const out = new Array<ImagePlan>(images.length);
      for (let i = 0; i < images.length; i++) out[i] = new PlannedImage(store, i);
      return out;
    },
    imageAt: (i) => new PlannedImage(store, i),
    positionsWhere(keep) {
      const cursor = new PlanCursor(store, 0);
      const out: number[] = [];
      for (let i = 0; i < images.length; i++) if (keep(cursor.at(i), i)) out.push(i);
      return out;
    },
    hash,
    summary: {
      images: images.length,
      delete: del,
      keep,
      blocked: block,
      inUse: store.uses.size,
      deleteSizeBytes,
      reclaimableBytes,
      monthlyUsd: monthlyCostUsd(reclaimableBytes, priceFor(context.prices, repository.region)),
      reclaimableUnknown,
    },
  };
}

/** The hash of what the configuration contributes to decisions (not the execution settings). */
export const configHash = (config: CleanupConfig): string =>
  sha256(canonicalJson({ rules: config.rules, defaultRule: config.defaultRule, inUse: config.inUse }));

/** Assembles a plan from repository plans: the id covers exactly these repositories. */
export function assemblePlan(
  repositories: readonly RepositoryPlan[],
  meta: { readonly generatedAt: number; readonly snapshotVersion: number; readonly configHash: string; readonly notices?: readonly string[] },
): CleanupPlan {
  const sorted = [...repositories].sort((a, b) => (a.repository.id < b.repository.id ? -1 : a.repository.id > b.repository.id ? 1 : 0));
  const hash = createHash('sha256').update(`ecr-lens cleanup plan v1\n${meta.configHash}\n`);
  let summary = EMPTY_SUMMARY;
  for (const r of sorted) {
    hash.update(`${r.repository.id} ${r.hash}\n`);
    summary = addSummaries(summary, r.summary);
  }
  return { id: hash.digest('hex'), ...meta, notices: meta.notices ?? [], repositories: sorted, summary };
}

/** The same plan restricted to some repositories, with its own id. */
export function scopePlan(plan: CleanupPlan, keep: (repository: Repository) => boolean): CleanupPlan {
  return assemblePlan(
    plan.repositories.filter((r) => keep(r.repository)),
    { generatedAt: plan.generatedAt, snapshotVersion: plan.snapshotVersion, configHash: plan.configHash, notices: plan.notices },
  );
}

/** Plans every repository of the snapshot. */
export function planCleanup(snapshot: Snapshot, config: CleanupConfig, now: number, options: PlanOptions = {}): CleanupPlan {
  return runNow(planCleanupSteps(snapshot, config, now, options));
}

/** planCleanup, giving the event loop a turn every `sliceMs` (between repositories, and within large ones). */
export function planCleanupCooperatively(snapshot: Snapshot, config: CleanupConfig, now: number, options: PlanOptions = {}, sliceMs?: number): Promise<CleanupPlan> {
  return runCooperatively(planCleanupSteps(snapshot, config, now, options), sliceMs);
}

function* planCleanupSteps(snapshot: Snapshot, config: CleanupConfig, now: number, options: PlanOptions): Steps<CleanupPlan> {
  const match = ruleMatcher(config);
  const layers = layerIndex(snapshot);
  const context: PlanContext = {
    config,
    inUse: createInUseResolver(snapshot, config.inUse, now, config.defaultRule?.keepIfUsedWithinDays ?? 0),
    now,
    useFailures: snapshot.incomplete.filter((e) => USE_SCOPES.has(e.scope)),
    prices: options.prices ?? DEFAULT_PRICES,
    layers,
    stamps: new Stamps(),
  };
  const hashOfConfig = configHash(config);
  // Only a whole plan is taken from, and recorded for, a later one.
  const inputs = options.only ? undefined : planInputsOf(snapshot, now, hashOfConfig, context.prices, context.useFailures);
  const earlier = inputs && reusableRepositoryPlans(options.reuse, inputs);
  const repositories: RepositoryPlan[] = [];
  for (const repository of snapshot.repositories) {
    if (options.only && !options.only.has(repository.id)) continue;
    const own: Omit<RepositoryInputs, 'unsized'> = {
      repository,
      images: snapshot.imagesByRepository.get(repository.id),
      remembered: context.inUse.rememberedOf(repository.id),
      incomplete: snapshot.incompleteByRepository.get(repository.id),
    };
    const before = earlier?.get(repository.id);
    if (before && sameRepositoryInputs(before[1], own)) {
      repositories.push(before[0]);
      continue;
    }
    const unsized = { value: false };
    const plan = yield* planRepositorySteps(snapshot, repository, match(repository.name), context, unsized);
    if (inputs) recordRepositoryInputs(plan, Object.assign({}, own, { unsized: unsized.value }));
    repositories.push(plan);
    yield;
  }
  const plan = assemblePlan(repositories, { generatedAt: now, snapshotVersion: snapshot.version, configHash: hashOfConfig, notices: blindSpotNotices(snapshot, config, now) });
  if (inputs) recordPlanInputs(plan, inputs);
  return plan;
}
