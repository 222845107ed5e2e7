/**
 * Everything computed from one snapshot and kept for it: the query indexes and sort orders, repository
 * rows and statistics, sizes and costs, effective and last uses. One `Derived` per snapshot holds them all,
 * so they are freed with the snapshot, `prepare` can build them ahead of the swap, and what has been built is
 * visible (`built()`). Each room declares its slots where it computes them; the slot's name says what it is.
 */
import type { Steps } from '../cooperative.js';
import { runCooperatively, runNow } from '../cooperative.js';
import type { Snapshot } from './model.js';

/** A kind of derived data: its value type `T`, and `K` when there is one per key (a price table, a column). */
export interface Slot<T, K = void> {
  readonly name: string;
  /** Phantom: ties the slot to its value and key types. */
  readonly __types?: (key: K) => T;
}

export const slot = <T, K = void>(name: string): Slot<T, K> => ({ name });

export class Derived {
  // One map per slot, from key to value; `undefined` is the key of slots without one.
  private readonly values = new Map<Slot<unknown, never>, Map<unknown, unknown>>();
  private readonly order: string[] = [];

  private of<T, K>(s: Slot<T, K>): Map<K, T> {
    let values = this.values.get(s as Slot<unknown, never>) as Map<K, T> | undefined;
    if (!values) this.values.set(s as Slot<unknown, never>, (values = new Map()) as Map<unknown, unknown>);
    return values;
  }

  /** The slot's value for `key`, computed now if it has not been. */
  get<T, K>(s: Slot<T, K>, key: K, compute: () => T): T {
    const values = this.of(s);
    if (values.has(key)) return values.get(key)!;
    const value = compute();
    this.keep(values, s, key, value);
    return value;
  }

  /** As get, with a computation in steps run giving the event loop a turn every `sliceMs`. */
  async getCooperatively<T, K>(s: Slot<T, K>, key: K, steps: () => Steps<T>, sliceMs?: number): Promise<T> {
    const values = this.of(s);
    if (values.has(key)) return values.get(key)!;
    const value = await runCooperatively(steps(), sliceMs);
    // A synchronous caller may have computed it meanwhile: keep that, so every caller sees the same object.
    if (values.has(key)) return values.get(key)!;
    this.keep(values, s, key, value);
    return value;
  }

  private keep<T, K>(values: Map<K, T>, s: Slot<T, K>, key: K, value: T): void {
    values.set(key, value);
    this.order.push(typeof key === 'string' ? `${s.name}[${key}]` : s.name);
  }

  /** As get, running the steps at once. */
  getSteps<T, K>(s: Slot<T, K>, key: K, steps: () => Steps<T>): T {
    return this.get(s, key, () => runNow(steps()));
  }

  has<T, K>(s: Slot<T, K>, key: K): boolean {
    return this.values.get(s as Slot<unknown, never>)?.has(key) ?? false;
  }

  /** What has been built, in order: each slot's name, with its key when the key is a name (`ascending order[pushedAt]`). */
  built(): string[] {
    return [...this.order];
  }
}

// The one table from a snapshot to its derived data: weak, so a snapshot no longer served takes its data with it.
const stores = new WeakMap<Snapshot, Derived>();

export function derivedOf(snapshot: Snapshot): Derived {
  let derived = stores.get(snapshot);
  if (!derived) stores.set(snapshot, (derived = new Derived()));
  return derived;
}
