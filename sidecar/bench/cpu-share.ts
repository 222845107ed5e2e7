/**
 * Where a machine's CPU went during a bench window: the sidecar (all its threads, and its main thread alone), the
 * emulator, the load generator (the bench's own process) and everything else, against what the cores had. On a
 * machine shared by all of them, a runnable sidecar thread waits while the others run (bench/pause-ledger.ts).
 * Linux /proc only; elsewhere the line says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** CPU seconds at a moment. */
export interface CpuReading {
  readonly sidecar: number;
  readonly sidecarMain: number;
  readonly emulator: number;
  readonly bench: number;
  /** Every process on the machine: busy and all (busy + idle) time, summed over the cores. */
  readonly machineBusy: number;
  readonly machineAll: number;
}

/** Linux's USER_HZ: the unit of /proc/<pid>/stat and /proc/stat times (100 on every Linux ABI Node runs on). */
const TICKS_PER_SECOND = 100;

/** utime + stime of /proc/<pid>/stat, in seconds: every thread of the process. The name may hold spaces and ')'. */
export function processCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields from the third (state): utime is the 14th field, stime the 15th.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The first field of /proc/<pid>/task/<tid>/schedstat: time on a CPU, in ns. */
export const threadCpuSeconds = (schedstat: string): number => Number(schedstat.split(' ')[0]) / 1e9;

/** The machine's busy and all time from /proc/stat's `cpu` line, in seconds summed over the cores. */
export function machineCpuSeconds(stat: string): { busy: number; all: number } {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  const [user, nice, system, idle, iowait, irq, softirq, steal] = (line ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / TICKS_PER_SECOND;
  return { busy, all: busy + (idle! + iowait!) / TICKS_PER_SECOND };
}

/** A reading now, or undefined where /proc cannot be read. */
export function readCpu(sidecarPid: number, emulatorPid: number): CpuReading | undefined {
  try {
    const usage = process.cpuUsage();
    const machine = machineCpuSeconds(readFileSync('/proc/stat', 'utf8'));
    return {
      sidecar: processCpuSeconds(readFileSync(`/proc/${sidecarPid}/stat`, 'utf8')),
      sidecarMain: threadCpuSeconds(readFileSync(`/proc/${sidecarPid}/task/${sidecarPid}/schedstat`, 'utf8')),
      emulator: processCpuSeconds(readFileSync(`/proc/${emulatorPid}/stat`, 'utf8')),
      bench: (usage.user + usage.system) / 1e6,
      machineBusy: machine.busy,
      machineAll: machine.all,
    };
  } catch {
    return undefined;
  }
}

/** The window's CPU, as the bench prints it. */
export function cpuShareLine(before: CpuReading | undefined, after: CpuReading | undefined): string {
  if (!before || !after) return 'unknown (no /proc)';
  const d = (key: keyof CpuReading) => Math.max(0, after[key] - before[key]);
  const s = (seconds: number) => `${Math.round(seconds)} s`;
  const ours = d('sidecar') + d('emulator') + d('bench');
  return (
    `${s(d('machineAll'))} of CPU on all cores: the sidecar ${s(d('sidecar'))} (its main thread ${s(d('sidecarMain'))}, ` +
    `the collector's and libuv's threads the rest), the emulator ${s(d('emulator'))}, the load generator ${s(d('bench'))}, ` +
    `other processes ${s(Math.max(0, d('machineBusy') - ours))}, idle ${s(Math.max(0, d('machineAll') - d('machineBusy')))}`
  );
}

/**
 * Gives every thread of a process (Linux niceness is per thread) a lower priority: the sidecar's threads then run
 * first when the cores are short, as on a machine where the load generator and AWS are elsewhere. The tasks listed
 * are those of the moment; a thread started later inherits its creator's. With `exceptMainThread`, all but the
 * process's main thread (its collector's helpers and libuv's pool, for instance). False where /proc or the call fails.
 */
export function lowerPriority(pid: number, nice: number, exceptMainThread = false): boolean {
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) if (!exceptMainThread || Number(tid) !== pid) setPriority(Number(tid), nice);
    return true;
  } catch {
    return false;
  }
}
