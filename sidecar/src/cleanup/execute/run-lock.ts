/**
 * One cleanup run at a time per process: a second real run is refused while one is deleting. Shutdown asks the
 * run in progress to stop after its current batch and waits for it, so no deletion is left without its record.
 */
export interface RunningRun {
  readonly runId: string;
  readonly startedAt: number;
}

export class RunLock {
  private running: RunningRun | undefined;
  private stopping = false;
  private released: (() => void) | undefined;
  private idle: Promise<void> = Promise.resolve();

  /** Takes the lock; returns the run that holds it when it is taken. */
  acquire(run: RunningRun): RunningRun | undefined {
    if (this.running) return this.running;
    this.running = run;
    this.idle = new Promise((resolve) => (this.released = resolve));
    return undefined;
  }

  release(runId: string): void {
    if (this.running?.runId !== runId) return;
    this.running = undefined;
    this.released?.();
  }

  current(): RunningRun | undefined {
    return this.running;
  }

  /** True once shutdown began: the run in progress stops before its next batch, and no new run starts. */
  get stopRequested(): boolean {
    return this.stopping;
  }

  /** Asks the run in progress to stop after its current batch; resolves when it has ended (at once when none runs). */
  stop(): Promise<void> {
    this.stopping = true;
    return this.idle;
  }
}
