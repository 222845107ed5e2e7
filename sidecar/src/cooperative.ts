/**
 * Long computations over a whole snapshot written as generators that yield between pieces (a repository,
 * a chunk of rows). Run at once they behave as plain functions; run cooperatively they give the event loop
 * a turn every few milliseconds, so building the next snapshot's indexes does not stall requests.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs the steps to the end, synchronously. */
export function runNow<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Resolves after the event loop has run what is pending (I/O callbacks included), unlike a resolved promise. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the steps, letting other work run after each slice of about `sliceMs`. */
export async function runCooperatively<T>(steps: Steps<T>, sliceMs = 20): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}

/** A computation memoized per key (a snapshot), run at once or cooperatively; both share the memo. */
export interface MemoizedSteps<K extends object, V> {
  get(key: K): V;
  getCooperatively(key: K, sliceMs?: number): Promise<V>;
}

export function memoizedSteps<K extends object, V>(steps: (key: K) => Steps<V>): MemoizedSteps<K, V> {
  const memo = new WeakMap<K, V>();
  return {
    get(key) {
      let value = memo.get(key);
      if (value === undefined) {
        value = runNow(steps(key));
        memo.set(key, value);
      }
      return value;
    },
    async getCooperatively(key, sliceMs) {
      const cached = memo.get(key);
      if (cached !== undefined) return cached;
      const value = await runCooperatively(steps(key), sliceMs);
      // A synchronous caller may have computed it meanwhile: keep that, so every caller sees the same object.
      const winner = memo.get(key) ?? value;
      memo.set(key, winner);
      return winner;
    },
  };
}
