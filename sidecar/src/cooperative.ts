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

/**
 * Runs the steps, letting other work run after each slice of about `sliceMs`. Alone, a computation starts at once,
 * as a plain call would. Computations in flight together share the event loop's turns: each turn runs them one
 * after another until about TURN_MS of their work is done, and the rest wait for the next turn. With a slice each
 * per turn, a refresh, a plan, the query indexes and the /metrics text made at once held the loop for several
 * slices in every turn (seconds, once the collector's work in them is counted, at a million images).
 */
export function runCooperatively<T>(steps: Steps<T>, sliceMs = 20): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const job: Job = { steps, sliceMs, resolve: resolve as (value: unknown) => void, reject };
    if (waiting.length > 0 || !advance(job)) enqueue(job);
  });
}

/** About how long a turn of the event loop gives all computations in flight together, in ms. */
export const TURN_MS = 20;

interface Job {
  readonly steps: Steps<unknown>;
  readonly sliceMs: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Computations waiting for their next slice, first come first served. */
const waiting: Job[] = [];
let turnScheduled = false;

function enqueue(job: Job): void {
  waiting.push(job);
  if (!turnScheduled) {
    turnScheduled = true;
    setImmediate(runTurn);
  }
}

/** One turn: each computation waiting at its start gets a slice, until about TURN_MS of work is done. */
function runTurn(): void {
  const turnStart = performance.now();
  for (let jobs = waiting.length; jobs > 0; jobs--) {
    const job = waiting.shift()!;
    if (!advance(job)) waiting.push(job);
    if (performance.now() - turnStart >= TURN_MS) break;
  }
  if (waiting.length > 0) setImmediate(runTurn);
  else turnScheduled = false;
}

/** Runs a slice of the job's steps; true when it has ended (its promise settled). */
function advance(job: Job): boolean {
  const sliceStart = performance.now();
  try {
    for (;;) {
      const next = job.steps.next();
      if (next.done) {
        job.resolve(next.value);
        return true;
      }
      if (performance.now() - sliceStart >= job.sliceMs) return false;
    }
  } catch (error) {
    job.reject(error);
    return true;
  }
}
