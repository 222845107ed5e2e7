/** One cleanup run at a time per process: a second real run is refused while one is deleting. */
export interface RunningRun {
  readonly runId: string;
  readonly startedAt: number;
}

export class RunLock {
  private running: RunningRun | undefined;

  /** Takes the lock; returns the run that holds it when it is taken. */
  acquire(run: RunningRun): RunningRun | undefined {
    if (this.running) return this.running;
    this.running = run;
    return undefined;
  }

  release(runId: string): void {
    if (this.running?.runId === runId) this.running = undefined;
  }

  current(): RunningRun | undefined {
    return this.running;
  }
}
