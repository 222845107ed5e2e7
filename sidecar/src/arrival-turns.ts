/**
 * What arrives by I/O handled a little per turn of the event loop: AWS responses to parse (aws/parse-turns.ts) and
 * requests to begin (http/request-turns.ts). A poll of the sockets hands over every response and request that has
 * landed since the last one; run all at once, with the collector's scavenges and marking steps their garbage brings,
 * they held the loop for hundreds of milliseconds at a million images, and more arrived meanwhile to be run the same
 * way. Here they go one at a time until a turn has lasted about ARRIVAL_TURN_MS, and the rest wait for the event loop
 * to run its timers and poll again. The server makes one for its AWS clients and its app (app/server.ts): they share
 * the one event loop.
 */

/** About how long one turn lasts before the event loop gets its own (one piece of work may go over it). */
export const ARRIVAL_TURN_MS = 8;

/** Called once the work let in is done (or has failed): lets the next one go. */
export type Done = () => void;

export class ArrivalTurns {
  readonly #waiting: ((done: Done) => void)[] = [];
  #running = false;
  /** When the current turn began; undefined once the event loop has had its turn since. */
  #turnStart: number | undefined;

  constructor(
    private readonly turnMs = ARRIVAL_TURN_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Work waiting for its turn (the tests read it). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves when this piece of work may run, with the function to call once it has. */
  enter(): Promise<Done> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#next();
    });
  }

  #next(): void {
    if (this.#running || this.#waiting.length === 0) return;
    if (this.#turnStart === undefined) {
      this.#turnStart = this.now();
      // Two immediates: a turn begun in a poll callback (where responses and requests arrive) would otherwise end
      // in the check phase of the same iteration, and the next follow it before any timer or I/O.
      setImmediate(() =>
        setImmediate(() => {
          this.#turnStart = undefined;
          this.#next();
        }),
      );
    } else if (this.now() - this.#turnStart >= this.turnMs) return; // the turn's end lets the next one go
    this.#running = true;
    let done = false;
    this.#waiting.shift()!(() => {
      if (done) return;
      done = true;
      this.#running = false;
      this.#next();
    });
  }
}
