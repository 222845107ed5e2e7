import type { Steps } from '../../cooperative.js';
import { derivedOf, slot } from '../../snapshot/derived.js';
import type { Snapshot } from '../../snapshot/model.js';
import { IMAGE_KINDS, SCAN_STATES, SEVERITIES } from '../../snapshot/model.js';
import { DAY_MS, globMatcher } from '../filters.js';
import type { ImageIndex } from './image-index.js';
import { imageIndex, rowsWithDigest, severityCount } from './image-index.js';
import { keptRepositories } from './repository-table.js';
import type { Filters } from '../request.js';
import { effectiveUses, usesOf } from '../uses.js';
import { pageBy } from './row-order.js';
import { orderFromBase, rememberOrder } from './kept-order.js';

/**
 * Image selection over the columnar index: filters become tight passes over typed arrays that clear
 * bits of a byte mask (no per-row closures, no million-element JS arrays), and pages are picked by
 * numeric sort keys. The one image-filter semantics: queries, cleanup and lifecycle all select through it
 * (query/columnar/image-matcher.ts), checked against the plain reference in test/query/filter-oracle.test.ts.
 */
export interface ImageSelection {
  readonly snapshot: Snapshot;
  readonly index: ImageIndex;
  /** 1 for rows that match. */
  readonly mask: Uint8Array;
  readonly count: number;
}

// The filters in their fixed order, each one pass over the kept rows (see the pass functions below): a list of
// passes, best read whole.
export function selectImageRows(
  snapshot: Snapshot,
  filters: Filters,
  now: number,
  range?: { readonly from: number; readonly to: number },
): ImageSelection {
  const index = imageIndex(snapshot);
  const n = index.images.length;
  const mask = new Uint8Array(n);
  const kept = keptRepositories(snapshot, filters);
  const f = filters;
  if (f.digest) {
    const keptRepo = new Uint8Array(snapshot.repositories.length);
    for (const r of kept) keptRepo[r] = 1;
    for (const i of rowsWithDigest(index, f.digest)) if (keptRepo[index.repoOf[i]!]) mask[i] = 1;
  } else if (kept.length === snapshot.repositories.length) {
    mask.fill(1);
  } else {
    for (const r of kept) mask.fill(1, index.repoStart[r]!, index.repoStart[r + 1]!);
  }
  // Passes visit only the kept repositories' rows: [start, end) pairs, adjacent ones merged.
  const spans: number[] = [];
  if (f.digest || kept.length === snapshot.repositories.length) spans.push(0, n);
  else {
    for (const r of kept) {
      const start = index.repoStart[r]!;
      const end = index.repoStart[r + 1]!;
      if (start === end) continue;
      if (spans.length > 0 && spans[spans.length - 1] === start) spans[spans.length - 1] = end;
      else spans.push(start, end);
    }
  }
  const ranges = Int32Array.from(spans);
  const { pushedAt, pulledAt } = index;
  if (f.tag) {
    const glob = globMatcher(f.tag);
    keepTags(mask, ranges, index, Uint8Array.from(index.tagNames, (tag) => (glob(tag) ? 1 : 0)));
  }
  if (f.minSeverity) keepSeverity(mask, ranges, index.topSeverity, SEVERITIES.indexOf(f.minSeverity));
  if (f.scanState) keepCodes(mask, ranges, index.scanState, f.scanState.map((s) => SCAN_STATES.indexOf(s)));
  if (f.kind) keepCodes(mask, ranges, index.kind, f.kind.map((k) => IMAGE_KINDS.indexOf(k)));
  if (f.pushedBefore !== undefined) keepBelow(mask, ranges, pushedAt, f.pushedBefore);
  if (f.pushedAfter !== undefined) keepAtLeast(mask, ranges, pushedAt, f.pushedAfter);
  if (f.pulledBefore !== undefined) keepBelow(mask, ranges, pulledAt, f.pulledBefore);
  if (f.pulledAfter !== undefined) keepAtLeast(mask, ranges, pulledAt, f.pulledAfter);
  if (f.olderThanDays !== undefined) keepAtMost(mask, ranges, pushedAt, now - f.olderThanDays * DAY_MS);
  if (f.notPulledForDays !== undefined) keepNotPulledSince(mask, ranges, pulledAt, pushedAt, now - f.notPulledForDays * DAY_MS);
  if (f.notUsedForDays !== undefined) keepNotUsedSince(mask, ranges, index.lastUsedAt, now - f.notUsedForDays * DAY_MS);
  if (f.inUse !== undefined) keepCodes(mask, ranges, index.inUse, [f.inUse ? 1 : 0]);
  if (f.untagged !== undefined) keepCodes(mask, ranges, index.tagged, [f.untagged ? 0 : 1]);
  if (f.cluster) {
    const clusters = new Set(f.cluster);
    const uses = effectiveUses(snapshot);
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) continue;
      mask[i] = index.inUse[i] === 1 && usesOf(uses, index.images[i]!).some((u) => u.cluster !== undefined && clusters.has(u.cluster)) ? 1 : 0;
    }
  }
  if (range) {
    keepAtLeast(mask, ranges, pushedAt, range.from);
    keepAtMost(mask, ranges, pushedAt, range.to);
  }
  return { snapshot, index, mask, count: countSet(mask, ranges) };
}

// One small function per pass, so each is optimised on its own (typed arrays, no closures per row).
function countSet(mask: Uint8Array, ranges: Int32Array): number {
  let count = 0;
  for (let q = 0; q < ranges.length; q += 2) for (let i = ranges[q]!, end = ranges[q + 1]!; i < end; i++) count += mask[i]!;
  return count;
}
function keepTags(mask: Uint8Array, ranges: Int32Array, index: ImageIndex, matches: Uint8Array): void {
  const { tagStart, tagIds } = index;
  for (let q = 0; q < ranges.length; q += 2) for (let i = ranges[q]!, end = ranges[q + 1]!; i < end; i++) {
    if (mask[i] === 0) continue;
    let hit = 0;
    for (let t = tagStart[i]!, end = tagStart[i + 1]!; t < end && hit === 0; t++) hit = matches[tagIds[t]!]!;
    mask[i] = hit;
  }
}
/** Keeps rows whose most severe finding ranks at or above `min` (topSeverity 0..min; -1 unknown and 6 clean fail). */
function keepSeverity(mask: Uint8Array, ranges: Int32Array, top: Int8Array, min: number): void {
  const ok = new Uint8Array(256);
  for (let rank = 0; rank <= min; rank++) ok[rank] = 1;
  for (let q = 0; q < ranges.length; q += 2) for (let i = ranges[q]!, end = ranges[q + 1]!; i < end; i++) mask[i]! &= ok[top[i]! & 255]!;
}
/** Last pull, else push, at or before t. */
function keepNotPulledSince(mask: Uint8Array, ranges: Int32Array, pulledAt: Float64Array, pushedAt: Float64Array, t: number): void {
  for (let q = 0; q < ranges.length; q += 2) for (let i = ranges[q]!, end = ranges[q + 1]!; i < end; i++) {
    const pulled = pulledAt[i]!;
    mask[i]! &= +((pulled === pulled ? pulled : pushedAt[i]!) <= t);
  }
}
/** Last use at or before t, or never used (NaN: the comparison is false). */
function keepNotUsedSince(mask: Uint8Array, ranges: Int32Array, lastUsedAt: Float64Array, t: number): void {
  for (let q = 0; q < ranges.length; q += 2) for (let i = ranges[q]!, end = ranges[q + 1]!; i < end; i++) mask[i]! &= +!(lastUsedAt[i]! > t);
}

// Branch-free passes (mask &= test): the data is random, so branches would mostly mispredict.
function keepCodes(mask: Uint8Array, ranges: Int32Array, codes: Uint8Array, allowed: readonly number[]): void {
  const ok = new Uint8Array(256);
  for (const code of allowed) ok[code] = 1;
  for (let q = 0; q < ranges.length; q += 2) for (let i = ranges[q]!, end = ranges[q + 1]!; i < end; i++) mask[i]! &= ok[codes[i]!]!;
}
// NaN (never pulled) fails every comparison: a never-pulled image is neither pulled before nor after a time.
function keepBelow(mask: Uint8Array, ranges: Int32Array, values: Float64Array, t: number): void {
  for (let q = 0; q < ranges.length; q += 2) for (let i = ranges[q]!, end = ranges[q + 1]!; i < end; i++) mask[i]! &= +(values[i]! < t);
}
function keepAtLeast(mask: Uint8Array, ranges: Int32Array, values: Float64Array, t: number): void {
  for (let q = 0; q < ranges.length; q += 2) for (let i = ranges[q]!, end = ranges[q + 1]!; i < end; i++) mask[i]! &= +(values[i]! >= t);
}
function keepAtMost(mask: Uint8Array, ranges: Int32Array, values: Float64Array, t: number): void {
  for (let q = 0; q < ranges.length; q += 2) for (let i = ranges[q]!, end = ranges[q + 1]!; i < end; i++) mask[i]! &= +(values[i]! <= t);
}

/**
 * A numeric sort key per image row; NaN is null (sorted last in both orders). `stable` keys do not
 * depend on the clock, so their ascending order can be kept once per snapshot.
 */
export interface RowKey {
  readonly value: (row: number) => number;
  /** The key is `derive(values[row])` (identity when absent), monotone in a per-snapshot column whose order can be kept. */
  readonly stable?: {
    readonly name: string;
    readonly values: Float64Array;
    readonly derive?: (value: number) => number;
    /** True when derive decreases as the value grows. */
    readonly decreasing?: boolean;
  };
  /** The key is a per-repository rank (rows of a repository are contiguous, so pages walk repositories). */
  readonly repositoryRank?: Float64Array;
}

/** Rank of each code's name in code-point order, so sorting by the code sorts by the name. */
const nameRanks = (names: readonly string[]): Float64Array => {
  const sorted = [...names].sort();
  return Float64Array.from(names, (name) => sorted.indexOf(name));
};
const KIND_RANK = nameRanks(IMAGE_KINDS);
const SCAN_STATE_RANK = nameRanks(SCAN_STATES);

type RepositoryProperty = 'accountId' | 'region' | 'name';
const REPOSITORY_RANKS = slot<Float64Array, RepositoryProperty>('repository ranks');
/** Rank of each repository by a string property (ties share a rank), once per snapshot. */
function repositoryRanks(snapshot: Snapshot, property: RepositoryProperty): Float64Array {
  return derivedOf(snapshot).get(REPOSITORY_RANKS, property, () => {
    const distinct = [...new Set(snapshot.repositories.map((r) => r[property]))].sort();
    const rankOf = new Map(distinct.map((v, k) => [v, k]));
    return Float64Array.from(snapshot.repositories, (r) => rankOf.get(r[property])!);
  });
}

/** Numeric keys of the image columns that have one; other columns sort through their cell values. */
export function imageRowKeys(snapshot: Snapshot, now: number): Readonly<Record<string, RowKey>> {
  const index = imageIndex(snapshot);
  const { pushedAt, pulledAt, sizeBytes, repoOf, lastUsedAt } = index;
  const byRepository = (property: 'accountId' | 'region' | 'name'): RowKey => {
    const ranks = repositoryRanks(snapshot, property);
    return { value: (i) => ranks[repoOf[i]!]!, repositoryRank: ranks };
  };
  const keys: Record<string, RowKey> = {
    account: byRepository('accountId'),
    region: byRepository('region'),
    repository: byRepository('name'),
    pushedAt: { value: (i) => pushedAt[i]!, stable: { name: 'pushedAt', values: pushedAt } },
    sizeBytes: { value: (i) => sizeBytes[i]!, stable: { name: 'sizeBytes', values: sizeBytes } },
    lastPulledAt: { value: (i) => pulledAt[i]!, stable: { name: 'lastPulledAt', values: pulledAt } },
    daysSinceLastPull: {
      value: (i) => (Number.isNaN(pulledAt[i]!) ? NaN : Math.max(0, Math.floor((now - pulledAt[i]!) / DAY_MS))),
      stable: { name: 'lastPulledAt', values: pulledAt, derive: (v) => Math.max(0, Math.floor((now - v) / DAY_MS)), decreasing: true },
    },
    kind: { value: (i) => KIND_RANK[index.kind[i]!]! },
    scanState: { value: (i) => SCAN_STATE_RANK[index.scanState[i]!]! },
    inUse: { value: (i) => index.inUse[i]! },
    lastUsedAt: { value: (i) => lastUsedAt[i]!, stable: { name: 'lastUsedAt', values: lastUsedAt } },
  };
  SEVERITIES.forEach((s, k) => {
    keys[s.toLowerCase()] = {
      value: (i) => {
        const count = severityCount(index, i, k);
        return count < 0 ? NaN : count;
      },
    };
  });
  return keys;
}

/** The image rows in the ascending order of a column, by the column's name. */
export const ASCENDING_ORDER = slot<Int32Array, string>('ascending order');

/** All rows by `values` (the image index's column `name`) ascending, ties by row, NaN last: kept once per snapshot and name. */
export function ascendingOrder(snapshot: Snapshot, name: string, values: Float64Array): Int32Array {
  return derivedOf(snapshot).getSteps(ASCENDING_ORDER, name, () => keptOrderSteps(snapshot, name, values));
}

/** As ascendingOrder, giving the event loop a turn every `sliceMs`. */
export function ascendingOrderCooperatively(snapshot: Snapshot, name: string, values: Float64Array, sliceMs?: number): Promise<Int32Array> {
  return derivedOf(snapshot).getCooperatively(ASCENDING_ORDER, name, () => keptOrderSteps(snapshot, name, values), sliceMs);
}

/** The index column each ordered name reads. */
const ORDERED_COLUMNS: Readonly<Record<string, 'pushedAt' | 'sizeBytes' | 'pulledAt' | 'lastUsedAt'>> = {
  pushedAt: 'pushedAt',
  sizeBytes: 'sizeBytes',
  lastPulledAt: 'pulledAt',
  lastUsedAt: 'lastUsedAt',
};

/** The order made from the index before's when the snapshot's index copied its rows from it (kept-order.ts), else sorted. */
function* keptOrderSteps(snapshot: Snapshot, name: string, values: Float64Array): Steps<Int32Array> {
  const field = Object.hasOwn(ORDERED_COLUMNS, name) ? ORDERED_COLUMNS[name] : undefined;
  const index = field ? imageIndex(snapshot) : undefined;
  const order = (index && field && index[field] === values ? yield* orderFromBase(index, field) : undefined) ?? (yield* ascendingOrderSteps(values));
  rememberOrder(values, order);
  return order;
}

/** Rows handled per step of the sort: a pass over them takes a few milliseconds. */
const SORT_STEP = 65_536;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * The ascending order (not memoized), by a stable radix sort of each value's bits, 16 at a time: four passes over
 * the rows, each in steps, where a comparison sort of a million rows called its comparator 20 million times
 * (about 300 ms per column). Values map to unsigned keys whose order is the numbers' order: -0 as 0, NaN last.
 * Rows start in row order, and each pass keeps the order of equal digits, so ties stay by row.
 */
export function* ascendingOrderSteps(values: Float64Array): Steps<Int32Array> {
  const n = values.length;
  const high = new Uint32Array(n);
  const low = new Uint32Array(n);
  const scratch = new Float64Array(1);
  const bits = new Uint32Array(scratch.buffer);
  const [lo, hi] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  for (let from = 0; from < n; from += SORT_STEP) {
    for (let i = from; i < Math.min(n, from + SORT_STEP); i++) {
      const x = values[i]!;
      if (x !== x) {
        high[i] = 0xffffffff;
        low[i] = 0xffffffff;
        continue;
      }
      scratch[0] = x === 0 ? 0 : x;
      const h = bits[hi]!;
      // Negative numbers: every bit flipped (larger magnitude, smaller key); others: the sign bit set.
      high[i] = h & 0x80000000 ? ~h >>> 0 : (h | 0x80000000) >>> 0;
      low[i] = h & 0x80000000 ? ~bits[lo]! >>> 0 : bits[lo]!;
    }
    yield;
  }
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let spare = new Int32Array(n);
  const counts = new Int32Array(65_536);
  for (const [keys, shift] of [[low, 0], [low, 16], [high, 0], [high, 16]] as const) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i]! >>> shift) & 0xffff]! += 1;
    yield;
    // A digit every row shares leaves the order as it is.
    if (n === 0 || counts[(keys[0]! >>> shift) & 0xffff] === n) continue;
    for (let d = 0, total = 0; d < 65_536; d++) {
      const count = counts[d]!;
      counts[d] = total;
      total += count;
    }
    for (let from = 0; from < n; from += SORT_STEP) {
      for (let k = from; k < Math.min(n, from + SORT_STEP); k++) {
        const row = order[k]!;
        spare[counts[(keys[row]! >>> shift) & 0xffff]!++] = row;
      }
      yield;
    }
    [order, spare] = [spare, order];
  }
  return order;
}

/** The matched rows, ascending. */
export function matchedRows(selection: ImageSelection): Int32Array {
  const rows = new Int32Array(selection.count);
  const { mask } = selection;
  for (let i = 0, k = 0; k < rows.length; i++) if (mask[i] === 1) rows[k++] = i;
  return rows;
}

/**
 * The rows on the requested page. Without a key: snapshot order. With a stable key and many matches:
 * walk the snapshot's kept order. Otherwise: a bounded heap (or a sort) over the matched rows.
 */
export function pageImageRows(selection: ImageSelection, key: RowKey | undefined, order: 'asc' | 'desc', offset: number, limit: number): number[] {
  const { mask, count } = selection;
  const k = Math.min(count, offset + limit);
  if (k <= offset) return [];
  const page: number[] = [];
  if (!key) {
    let seen = 0;
    for (let i = 0; i < mask.length && seen < k; i++) {
      if (mask[i] === 0) continue;
      if (seen++ >= offset) page.push(i);
    }
    return page;
  }
  if (key.repositoryRank) return walkRepositories(selection, key.repositoryRank, order, offset, k);
  if (key.stable && count * 16 >= mask.length) return walkOrder(selection, key.stable, order, offset, k);
  return pageBy(matchedRows(selection), key.value, order === 'asc' ? 1 : -1, offset, k);
}

/** Pages repository by repository in rank order (ties: snapshot order, which is row order). */
function walkRepositories(selection: ImageSelection, ranks: Float64Array, order: 'asc' | 'desc', offset: number, k: number): number[] {
  const { index, mask } = selection;
  const sign = order === 'asc' ? 1 : -1;
  const repositories = Array.from(ranks.keys()).sort((a, b) => sign * (ranks[a]! - ranks[b]!) || a - b);
  const page: number[] = [];
  let seen = 0;
  for (const r of repositories) {
    for (let i = index.repoStart[r]!, end = index.repoStart[r + 1]!; i < end; i++) {
      if (mask[i] === 0) continue;
      if (seen++ >= offset) page.push(i);
      if (seen >= k) return page;
    }
  }
  return page;
}

/**
 * Pages along the kept ascending order of a column. The key (the column, or a monotone function of
 * it) is walked in the requested direction in runs of equal keys; each run is emitted by row, as ties
 * are broken. Rows whose column is NaN (null) come last, by row.
 */
function walkOrder(selection: ImageSelection, stable: NonNullable<RowKey['stable']>, order: 'asc' | 'desc', offset: number, k: number): number[] {
  const { mask } = selection;
  const sorted = ascendingOrder(selection.snapshot, stable.name, stable.values);
  const { values, derive } = stable;
  const keyAt = derive ? (j: number) => derive(values[sorted[j]!]!) : (j: number) => values[sorted[j]!]!;
  const page: number[] = [];
  let seen = 0;
  const run: number[] = [];
  /** Emits the run's rows by row number; true when the page is full. */
  const flush = (): boolean => {
    if (run.length > 1) run.sort((a, b) => a - b);
    for (const row of run) {
      if (seen++ >= offset) page.push(row);
      if (seen >= k) return true;
    }
    run.length = 0;
    return false;
  };
  let known = sorted.length;
  while (known > 0 && Number.isNaN(values[sorted[known - 1]!]!)) known--;
  const forward = (order === 'asc') !== (stable.decreasing === true);
  let current = NaN;
  for (let step = 0; step < known; step++) {
    const j = forward ? step : known - 1 - step;
    const key = keyAt(j);
    if (key !== current) {
      if (flush()) return page;
      current = key;
    }
    const row = sorted[j]!;
    if (mask[row] === 1) run.push(row);
  }
  if (flush()) return page;
  for (let j = known; j < sorted.length; j++) {
    const row = sorted[j]!;
    if (mask[row] === 0) continue;
    if (seen++ >= offset) page.push(row);
    if (seen >= k) return page;
  }
  return page;
}
