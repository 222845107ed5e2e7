/** Counts event-loop turns (setImmediate callbacks, one per loop iteration) until stopped. */
export function countTurns(): { now(): number; stop(): number } {
  let turns = 0;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    now: () => turns,
    stop: () => {
      stopped = true;
      return turns;
    },
  };
}
