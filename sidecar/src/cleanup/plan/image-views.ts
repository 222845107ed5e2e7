/**
 * Image plans as views over a repository's decision bytes, made when read: a plan over a million images keeps
 * one byte per image, and reasons are decided again on demand (a few repositories' worth are cached).
 */
import { LRUCache } from 'lru-cache';
import { monthlyCostUsd } from '../../cost/pricing.js';
import type { Image, ImageUse } from '../../snapshot/model.js';
import type { Decision, Reason } from './reasons.js';
import type { ImagePlan } from './types.js';

export const BLOCKED = 2;
export const DECISION_NAMES: readonly Decision[] = ['keep', 'delete', 'blocked'];
const NO_CLUSTERS: readonly string[] = Object.freeze([]);

/**
 * What a repository plan keeps per image: a decision byte and the reclaimable bytes. Image plans are
 * views made when read, and reasons are decided again on demand (a few repositories' worth are cached).
 */
export interface PlanStore {
  readonly images: readonly Image[];
  /** KEEP, DELETE or BLOCKED per image. */
  readonly decision: Uint8Array;
  /** Per image; NaN when unknown; absent when nothing is deleted (all 0). */
  readonly reclaimable: Float64Array | undefined;
  /** The uses that count, for the images that have any, by position. */
  readonly uses: ReadonlyMap<number, readonly ImageUse[]>;
  readonly usdPerGbMonth: number;
  readonly reasons: () => readonly (readonly Reason[])[];
}

/** The decided uses of the images that have any, by position. */
export function usedPositions(uses: readonly (readonly ImageUse[])[]): Map<number, readonly ImageUse[]> {
  const out = new Map<number, readonly ImageUse[]>();
  for (let i = 0; i < uses.length; i++) if (uses[i]!.length) out.set(i, uses[i]!);
  return out;
}

/** Reasons decided again for recently read repositories, bounded by their image count. */
const reasonCache = new LRUCache<PlanStore, readonly (readonly Reason[])[]>({
  maxSize: 200_000,
  sizeCalculation: (reasons) => Math.max(1, reasons.length),
});

/**
 * The repository read last, whatever its size: the LRU cannot hold one over its maxSize, and deciding a repository of
 * 250,000 images again for each of its images made reading them quadratic.
 */
let lastRead: { readonly store: PlanStore; readonly reasons: readonly (readonly Reason[])[] } | undefined;

function reasonsAt(store: PlanStore, i: number): readonly Reason[] {
  if (lastRead?.store === store) return lastRead.reasons[i]!;
  let all = reasonCache.get(store);
  if (!all) {
    all = store.reasons();
    reasonCache.set(store, all);
  }
  lastRead = { store, reasons: all };
  return all[i]!;
}

/** An ImagePlan over a repository's store; derived values are getters. */
export class PlannedImage implements ImagePlan {
  constructor(
    private readonly store: PlanStore,
    protected i: number,
  ) {}
  get image(): Image {
    return this.store.images[this.i]!;
  }
  get decision(): Decision {
    return DECISION_NAMES[this.store.decision[this.i]!]!;
  }
  get reasons(): readonly Reason[] {
    return reasonsAt(this.store, this.i);
  }
  get inUse(): boolean {
    return this.store.uses.has(this.i);
  }
  get clusters(): readonly string[] {
    return clustersOf(this.store.uses.get(this.i));
  }
  get reclaimableBytes(): number | null {
    const raw = this.store.reclaimable?.[this.i] ?? 0;
    return Number.isNaN(raw) ? null : raw;
  }
  get monthlyUsd(): number | null {
    const bytes = this.reclaimableBytes;
    return bytes === null ? null : bytes === 0 ? 0 : monthlyCostUsd(bytes, this.store.usdPerGbMonth);
  }
  toJSON(): Record<string, unknown> {
    const { image, decision, reasons, inUse, clusters, reclaimableBytes, monthlyUsd } = this;
    return { image, decision, reasons, inUse, clusters, reclaimableBytes, monthlyUsd };
  }
}

/** One PlannedImage moved along a repository, so that filtering a million images allocates nothing per image. */
export class PlanCursor extends PlannedImage {
  at(i: number): this {
    this.i = i;
    return this;
  }
}

function clustersOf(uses: readonly ImageUse[] | undefined): readonly string[] {
  if (!uses?.length) return NO_CLUSTERS;
  const set = new Set<string>();
  for (const u of uses) if (u.cluster) set.add(u.cluster);
  return [...set];
}
