import { ITEMS_PER_STEP, type Steps } from '../../cooperative.js';
import { derivedOf, slot } from '../../snapshot/derived.js';
import type { Image, SeverityCounts, Snapshot } from '../../snapshot/model.js';
import { IMAGE_KINDS, SCAN_STATES, SEVERITIES, severityCountsKey } from '../../snapshot/model.js';
import { lastUses } from '../../snapshot/last-used.js';
import { effectiveUses } from '../uses.js';

/**
 * A columnar view of a snapshot's images, built once per snapshot, so filters and sorts over a million
 * images read typed arrays instead of a million differently shaped objects. Row i is `images[i]`;
 * rows are grouped by repository in snapshot order (newest push first within each).
 */
export interface ImageIndex {
  readonly images: readonly Image[];
  /** Rows of repository r (index into snapshot.repositories) are [repoStart[r], repoStart[r + 1]). */
  readonly repoStart: Int32Array;
  readonly repoOf: Int32Array;
  readonly pushedAt: Float64Array;
  /** NaN when never pulled. */
  readonly pulledAt: Float64Array;
  /** NaN when ECR did not report the size. */
  readonly sizeBytes: Float64Array;
  /** Rank (0 = CRITICAL … 5 = UNDEFINED) of the most severe finding; 6 when the counts are all zero; -1 when unknown. */
  readonly topSeverity: Int8Array;
  /**
   * Row i's finding counts are countTable[countSet[i] * 6 ..+ 6), SEVERITIES order; set 0 is unknown (all -1). Rows
   * share sets (most images have one of a few), so a row costs 4 bytes instead of 24: 20 MB less per index at a
   * million images. Read them with severityCount.
   */
  readonly countSet: Int32Array;
  readonly countTable: Int32Array;
  readonly tagged: Uint8Array;
  readonly inUse: Uint8Array;
  /** Last use (current or remembered, directly or through an index; snapshot/last-used.ts); NaN when never seen used. */
  readonly lastUsedAt: Float64Array;
  readonly kind: Uint8Array;
  readonly scanState: Uint8Array;
  /** Distinct tags; row i's tags are tagNames[tagIds[tagStart[i] .. tagStart[i + 1])]: globs run once per distinct tag. */
  readonly tagNames: readonly string[];
  readonly tagStart: Int32Array;
  readonly tagIds: Int32Array;
  /** Digest hash table: bucket heads and per-row chains (ascending rows), -1 ends a chain. */
  readonly digestHead: Int32Array;
  readonly digestNext: Int32Array;
  /** Row i's digest hash, kept so a later index copying the row need not hash its digest again. */
  readonly digestHash: Int32Array;
  /** Distinct tag names and count sets the rows refer to: names and sets carried over from a base may be unused. */
  readonly tagNamesUsed: number;
  readonly countSetsUsed: number;
}

/** Characters hashed, from a digest's end: a sha256 digest's last 24 hex digits are 96 random bits. */
const HASHED_TAIL = 24;

/**
 * FNV-1a over the string's last HASHED_TAIL characters: digests are hashes already, and synthetic ones share long
 * prefixes, not ends. Hashing all 71 characters of a million digests took about half a second per snapshot.
 */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = Math.max(0, text.length - HASHED_TAIL); i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Rows whose digest is `digest`, ascending (a digest can be in several repositories). */
export function rowsWithDigest(index: ImageIndex, digest: string): number[] {
  const rows: number[] = [];
  for (let i = index.digestHead[hashString(digest) & (index.digestHead.length - 1)]!; i >= 0; i = index.digestNext[i]!) {
    if (index.images[i]!.digest === digest) rows.push(i);
  }
  return rows;
}

/** Row `row`'s count of the `k`th severity (SEVERITIES order); -1 when unknown. */
export const severityCount = (index: ImageIndex, row: number, k: number): number => index.countTable[index.countSet[row]! * 6 + k]!;

export const IMAGE_INDEX = slot<ImageIndex>('image index');

export function imageIndex(snapshot: Snapshot): ImageIndex {
  return laidOut(snapshot, derivedOf(snapshot).getSteps(IMAGE_INDEX, undefined, () => imageIndexSteps(snapshot, baseIndexFor(snapshot))));
}

/** As imageIndex, giving the event loop a turn every `sliceMs`; both keep it in the snapshot's derived data. */
export async function imageIndexCooperatively(snapshot: Snapshot, sliceMs?: number): Promise<ImageIndex> {
  return laidOut(snapshot, await derivedOf(snapshot).getCooperatively(IMAGE_INDEX, undefined, () => imageIndexSteps(snapshot, baseIndexFor(snapshot)), sliceMs));
}

/**
 * Where each image list was last laid out in an index: a targeted refresh keeps the lists of the repositories it did
 * not read again (snapshot/build.ts ListReuse), so their rows are copied from that index instead of made again.
 * Held weakly: an index lives as long as its snapshot, not as long as a list it shares with a later one.
 */
const LIST_ROWS = new WeakMap<readonly Image[], { readonly index: WeakRef<ImageIndex>; readonly start: number }>();
const LAID_OUT = new WeakSet<ImageIndex>();

/** Lays the snapshot's lists out in its index, the one its derived data keeps (once); the newest index laid out wins. */
function laidOut(snapshot: Snapshot, index: ImageIndex): ImageIndex {
  if (LAID_OUT.has(index)) return index;
  LAID_OUT.add(index);
  const ref = new WeakRef(index);
  for (let r = 0; r < snapshot.repositories.length; r++) {
    const list = snapshot.imagesByRepository.get(snapshot.repositories[r]!.id);
    // An empty list has no rows to copy.
    if (list?.length) LIST_ROWS.set(list, { index: ref, start: index.repoStart[r]! });
  }
  return index;
}

/** Where `list`'s rows are in `base`, if it was laid out there last. */
function rowsIn(base: ImageIndex, list: readonly Image[]): number | undefined {
  const laid = LIST_ROWS.get(list);
  return laid && laid.index.deref() === base ? laid.start : undefined;
}

/**
 * The index the snapshot's kept lists were last laid out in, when there is one to copy from: the one that holds the
 * first kept list. Its tag names and count sets (some no longer used) start the new index's, so it is not used once
 * they are more than twice those its rows use (plus 4,096): a fresh build then drops the unused ones.
 */
export function baseIndexFor(snapshot: Snapshot): ImageIndex | undefined {
  for (const repository of snapshot.repositories) {
    const list = snapshot.imagesByRepository.get(repository.id);
    const base = list?.length ? LIST_ROWS.get(list)?.index.deref() : undefined;
    if (!base) continue;
    const compact = base.tagNames.length <= 2 * base.tagNamesUsed + 4096 && base.countTable.length / 6 <= 2 * base.countSetsUsed + 4096;
    return compact ? base : undefined;
  }
  return undefined;
}

/**
 * Builds the index (not memoized), yielding after each repository's rows and each chunk of rows. With `base`, the
 * rows of each list laid out in it are copied from it (their images are the same objects, so are their values).
 */
export function* imageIndexSteps(snapshot: Snapshot, base: ImageIndex | undefined): Steps<ImageIndex> {
  const uses = effectiveUses(snapshot);
  yield;
  const { images, repoStart, copyFrom, tagCount } = yield* gatherRows(snapshot, base);
  const index = yield* emptyIndex(images, repoStart, tagCount, base);
  const countTable = yield* fillRows(index, copyFrom, base);
  const filled: ImageIndex = Object.assign({}, index, { countTable }, yield* usedCounts(index, countTable.length / 6));
  yield* markUses(filled, uses, lastUses(snapshot));
  if (base) COPIED.set(filled, { base: new WeakRef(base), copyFrom });
  return filled;
}

/** Which rows an index copied from the index before it: per repository (snapshot order), its first row there or -1. */
export interface CopiedRows {
  /** Weak: an index must not keep every index before it alive. */
  readonly base: WeakRef<ImageIndex>;
  readonly copyFrom: Int32Array;
}

const COPIED = new WeakMap<ImageIndex, CopiedRows>();

/** Where the index's rows came from, when it copied some from an earlier index. */
export const copiedRows = (index: ImageIndex): CopiedRows | undefined => COPIED.get(index);

/** How many distinct tag names and count sets the rows refer to. */
function* usedCounts(index: ImageIndex, sets: number): Steps<{ tagNamesUsed: number; countSetsUsed: number }> {
  const tagNamesUsed = yield* distinctIds(index.tagIds, index.tagNames.length);
  const countSetsUsed = yield* distinctIds(index.countSet, sets);
  return { tagNamesUsed, countSetsUsed };
}

/** How many distinct values in [0, size) `ids` holds, ITEMS_PER_STEP ids a step. */
function* distinctIds(ids: Int32Array, size: number): Steps<number> {
  const seen = new Uint8Array(size);
  let distinct = 0;
  for (let from = 0; from < ids.length; from += ITEMS_PER_STEP) {
    for (let i = from, to = Math.min(ids.length, from + ITEMS_PER_STEP); i < to; i++) {
      const id = ids[i]!;
      if (seen[id] === 0) {
        seen[id] = 1;
        distinct++;
      }
    }
    yield;
  }
  return distinct;
}

/**
 * The images in row order, grouped by repository in snapshot order, where each repository starts, and where in
 * `base` its rows are (-1 when they are made here).
 */
function* gatherRows(
  snapshot: Snapshot,
  base: ImageIndex | undefined,
): Steps<{ images: Image[]; repoStart: Int32Array; copyFrom: Int32Array; tagCount: number }> {
  const images: Image[] = [];
  const repositories = snapshot.repositories.length;
  const repoStart = new Int32Array(repositories + 1);
  const copyFrom = new Int32Array(repositories).fill(-1);
  let tagCount = 0;
  for (let r = 0; r < repositories; r++) {
    repoStart[r] = images.length;
    const list = snapshot.imagesByRepository.get(snapshot.repositories[r]!.id) ?? [];
    const start = base && list.length ? rowsIn(base, list) : undefined;
    if (base && start !== undefined) {
      copyFrom[r] = start;
      tagCount += base.tagStart[start + list.length]! - base.tagStart[start]!;
    }
    // A large repository's images a chunk per step.
    for (let from = 0; from < list.length; from += ITEMS_PER_STEP) {
      for (let i = from, to = Math.min(list.length, from + ITEMS_PER_STEP); i < to; i++) {
        const image = list[i]!;
        images.push(image);
        if (copyFrom[r] === -1) tagCount += image.tags.length;
      }
      yield;
    }
    yield;
  }
  repoStart[repositories] = images.length;
  return { images, repoStart, copyFrom, tagCount };
}

const UNKNOWN_COUNTS = new Int32Array(6).fill(-1);

/** A column made in a step of its own: zeroing the columns of a million rows took 40–100 ms in one piece. */
function* column<T>(make: () => T): Steps<T> {
  const made = make();
  yield;
  return made;
}

function* emptyIndex(images: Image[], repoStart: Int32Array, tagCount: number, base: ImageIndex | undefined): Steps<ImageIndex> {
  const n = images.length;
  return {
    images,
    repoStart,
    repoOf: yield* column(() => new Int32Array(n)),
    pushedAt: yield* column(() => new Float64Array(n)),
    pulledAt: yield* column(() => new Float64Array(n)),
    sizeBytes: yield* column(() => new Float64Array(n)),
    topSeverity: yield* column(() => new Int8Array(n)),
    countSet: yield* column(() => new Int32Array(n)),
    countTable: UNKNOWN_COUNTS,
    tagged: yield* column(() => new Uint8Array(n)),
    inUse: yield* column(() => new Uint8Array(n)),
    lastUsedAt: yield* column(() => new Float64Array(n).fill(NaN)),
    kind: yield* column(() => new Uint8Array(n)),
    scanState: yield* column(() => new Uint8Array(n)),
    // The base's names keep their ids, so its rows' tag ids are copied as they are; new rows' tags are added after.
    tagNames: base ? base.tagNames.slice() : [],
    tagStart: yield* column(() => new Int32Array(n + 1)),
    tagIds: yield* column(() => new Int32Array(tagCount)),
    digestHead: yield* column(() => new Int32Array(2 ** Math.max(4, Math.ceil(Math.log2(n + 1)))).fill(-1)),
    digestNext: yield* column(() => new Int32Array(n)),
    digestHash: yield* column(() => new Int32Array(n)),
    tagNamesUsed: 0,
    countSetsUsed: 0,
  };
}

/**
 * Tags, the digest table, each row's repository and the typed columns, chunk by chunk; returns the count table.
 * Rows of a repository with copyFrom[r] >= 0 are copied from `base`'s rows starting there.
 */
function* fillRows(index: ImageIndex, copyFrom: Int32Array, base: ImageIndex | undefined): Steps<Int32Array> {
  const { repoStart } = index;
  const repositories = copyFrom.length;
  const n = index.images.length;
  const tagId = new Map<string, number>();
  let t = 0;
  for (let r = 0; r < repositories; r++) {
    for (let from = repoStart[r]!, end = repoStart[r + 1]!; from < end; from += ITEMS_PER_STEP) {
      const to = Math.min(end, from + ITEMS_PER_STEP);
      t = base && copyFrom[r]! >= 0 ? copyTags(index, base, copyFrom[r]! + (from - repoStart[r]!), from, to, t) : internTags(index, tagId, from, to, t);
      yield;
    }
  }
  index.tagStart[n] = t;
  for (let r = 0; r < repositories; r++) {
    index.repoOf.fill(r, repoStart[r]!, repoStart[r + 1]!);
    const from = repoStart[r]!;
    const to = repoStart[r + 1]!;
    if (base && copyFrom[r]! >= 0) copyColumns(index, base, copyFrom[r]!, from, to);
    else {
      for (let at = from; at < to; at += ITEMS_PER_STEP) {
        hashDigests(index, at, Math.min(to, at + ITEMS_PER_STEP));
        yield;
      }
    }
    yield;
  }
  // Last chunk first, so every chain is ascending.
  for (let to = n; to > 0; to -= ITEMS_PER_STEP) {
    chainDigests(index, Math.max(0, to - ITEMS_PER_STEP), to);
    yield;
  }
  const sets = new CountSets(base?.countTable);
  for (let r = 0; r < repositories; r++) {
    if (base && copyFrom[r]! >= 0) continue;
    for (let from = repoStart[r]!, end = repoStart[r + 1]!; from < end; from += ITEMS_PER_STEP) {
      fillColumns(index, sets, from, Math.min(end, from + ITEMS_PER_STEP));
      yield;
    }
  }
  return Int32Array.from(sets.table);
}

/**
 * The distinct count sets of an index. The refresher shares one frozen object per distinct set (scans.ts), so a
 * set is found by its object; one not seen is looked up by its counts, so equal sets held apart share an id too.
 */
class CountSets {
  readonly table: number[] = [...UNKNOWN_COUNTS];
  /** Per set, the rank of its most severe non-zero count; 6 when all are zero; -1 for the unknown set. */
  readonly top: number[] = [-1];
  private readonly byObject = new Map<SeverityCounts, number>();
  private readonly byValue = new Map<string, number>();

  /** With a base index's table, its sets keep their ids (its rows' set ids are copied as they are). */
  constructor(base?: Int32Array) {
    for (let id = 1; base && id * 6 < base.length; id++) {
      const counts = base.subarray(id * 6, id * 6 + 6);
      this.byValue.set(counts.join(','), this.add((s) => counts[s]!));
    }
  }

  idOf(counts: SeverityCounts | undefined): number {
    if (!counts) return 0;
    let id = this.byObject.get(counts);
    if (id !== undefined) return id;
    const key = severityCountsKey(counts);
    id = this.byValue.get(key);
    if (id === undefined) {
      id = this.add((s) => counts[SEVERITIES[s]!]);
      this.byValue.set(key, id);
    }
    this.byObject.set(counts, id);
    return id;
  }

  /** A new set of the counts of the six severities (SEVERITIES order); its id. */
  private add(count: (s: number) => number): number {
    let top = 6;
    for (let s = 0; s < 6; s++) {
      const value = count(s);
      this.table.push(value);
      if (value > 0 && top > s) top = s;
    }
    this.top.push(top);
    return this.top.length - 1;
  }
}

/**
 * In use and last use: resolve the (few) used images' keys through the digest table instead of building a
 * key per image, so only the used images' rows are visited.
 */
function* markUses(index: ImageIndex, uses: ReturnType<typeof effectiveUses>, last: ReturnType<typeof lastUses>): Steps<void> {
  const { images } = index;
  let keys = 0;
  for (const [key, list] of uses) {
    if (list.length === 0) continue;
    const at = key.indexOf('@');
    const repositoryId = key.slice(0, at);
    for (const row of rowsWithDigest(index, key.slice(at + 1))) if (images[row]!.repositoryId === repositoryId) index.inUse[row] = 1;
    if (++keys % 1024 === 0) yield;
  }
  for (const [repositoryId, byDigest] of last) {
    for (const [digest, use] of byDigest) {
      for (const row of rowsWithDigest(index, digest)) if (images[row]!.repositoryId === repositoryId) index.lastUsedAt[row] = use.at;
      if (++keys % 1024 === 0) yield;
    }
  }
}

// The per-row passes are plain functions over [from, to), so the hot loops stay out of the generator.

/** Interns rows [from, to)'s tags, writing from tagIds[t]; returns the next t. */
function internTags(index: ImageIndex, tagId: Map<string, number>, from: number, to: number, t: number): number {
  const tagNames = index.tagNames as string[];
  for (let i = from; i < to; i++) {
    index.tagStart[i] = t;
    for (const tag of index.images[i]!.tags) {
      let id = tagId.get(tag);
      if (id === undefined) {
        id = tagNames.length;
        tagId.set(tag, id);
        tagNames.push(tag);
      }
      index.tagIds[t++] = id;
    }
  }
  return t;
}

/** Hashes rows [from, to)'s digests. */
function hashDigests(index: ImageIndex, from: number, to: number): void {
  for (let i = from; i < to; i++) index.digestHash[i] = hashString(index.images[i]!.digest);
}

/** Pushes rows [from, to) onto their digest chains, last row first. */
function chainDigests(index: ImageIndex, from: number, to: number): void {
  const buckets = index.digestHead.length - 1;
  for (let i = to - 1; i >= from; i--) {
    const h = index.digestHash[i]! & buckets;
    index.digestNext[i] = index.digestHead[h]!;
    index.digestHead[h] = i;
  }
}

/** Copies `base`'s rows from `source` on into rows [from, to)'s tags (ids and starts); returns the next t. */
function copyTags(index: ImageIndex, base: ImageIndex, source: number, from: number, to: number, t: number): number {
  const first = base.tagStart[source]!;
  const shift = t - first;
  for (let i = from, j = source; i < to; i++, j++) index.tagStart[i] = base.tagStart[j]! + shift;
  const last = base.tagStart[source + (to - from)]!;
  index.tagIds.set(base.tagIds.subarray(first, last), t);
  return t + (last - first);
}

/** Copies `base`'s rows from `source` on into rows [from, to)'s typed columns and digest hashes. */
function copyColumns(index: ImageIndex, base: ImageIndex, source: number, from: number, to: number): void {
  const end = source + (to - from);
  index.pushedAt.set(base.pushedAt.subarray(source, end), from);
  index.pulledAt.set(base.pulledAt.subarray(source, end), from);
  index.sizeBytes.set(base.sizeBytes.subarray(source, end), from);
  index.tagged.set(base.tagged.subarray(source, end), from);
  index.kind.set(base.kind.subarray(source, end), from);
  index.scanState.set(base.scanState.subarray(source, end), from);
  index.countSet.set(base.countSet.subarray(source, end), from);
  index.topSeverity.set(base.topSeverity.subarray(source, end), from);
  index.digestHash.set(base.digestHash.subarray(source, end), from);
}

function fillColumns(index: ImageIndex, sets: CountSets, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const image = index.images[i]!;
    index.pushedAt[i] = image.pushedAt;
    index.pulledAt[i] = image.lastPulledAt ?? NaN;
    index.sizeBytes[i] = image.sizeBytes ?? NaN;
    index.tagged[i] = image.tags.length > 0 ? 1 : 0;
    index.kind[i] = IMAGE_KINDS.indexOf(image.kind);
    index.scanState[i] = SCAN_STATES.indexOf(image.scan.state);
    const set = sets.idOf(image.scan.counts);
    index.countSet[i] = set;
    index.topSeverity[i] = sets.top[set]!;
  }
}
