/**
 * Long computations over a whole snapshot written as generators that yield between pieces (a repository,
 * a chunk of rows). Run at once they behave as plain functions; run cooperatively they give the event loop
 * a turn every few milliseconds, so building the next snapshot's indexes does not stall requests.
 */
export type Steps<T> = Generator<void, T, void>;

/** Items (images, rows, keys) per step of a per-item pass: a few milliseconds of work, well within a slice. */
export const ITEMS_PER_STEP = 4096;

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
