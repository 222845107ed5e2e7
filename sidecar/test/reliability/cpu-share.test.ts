import { describe, expect, it } from 'vitest';
import { cpuShareLine, machineCpuSeconds, processCpuSeconds, threadCpuSeconds } from '../../bench/cpu-share.js';

describe('where the CPU went during a bench window', () => {
  it('reads utime + stime past a process name holding spaces and parentheses', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 1200 0 3 0 12345 678 0 0 20 0 11 0 500 1000 200 18446744073709551615';
    expect(processCpuSeconds(stat)).toBeCloseTo(130.23, 6);
  });

  it('reads a thread’s time on a CPU, and the machine’s busy and idle time', () => {
    expect(threadCpuSeconds('98765432100 1234 56\n')).toBeCloseTo(98.7654321, 6);
    const stat = 'cpu  1000 50 400 8000 100 10 20 5 0 0\ncpu0 500 25 200 4000 50 5 10 2 0 0\nintr 1\n';
    expect(machineCpuSeconds(stat)).toEqual({ busy: 14.85, all: 95.85 });
  });

  it('gives each process its share, the rest of the busy time to other processes, and the idle time', () => {
    const before = { sidecar: 10, sidecarMain: 6, emulator: 3, bench: 2, machineBusy: 20, machineAll: 100 };
    const after = { sidecar: 310, sidecarMain: 186, emulator: 63, bench: 92, machineBusy: 480, machineAll: 580 };
    expect(cpuShareLine(before, after)).toBe(
      "480 s of CPU on all cores: the sidecar 300 s (its main thread 180 s, the collector's and libuv's threads the rest), " +
        'the emulator 60 s, the load generator 90 s, other processes 10 s, idle 20 s',
    );
    expect(cpuShareLine(undefined, after)).toBe('unknown (no /proc)');
  });
});
