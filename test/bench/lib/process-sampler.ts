import fs from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Resident set size of a process in MiB, from /proc/<pid>/status; undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** User + system CPU time a process has used so far, in milliseconds, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface RssSampler {
  /** Highest VmRSS seen so far, in MiB. */
  peakMb(): number;
  stop(): void;
}

/** Samples a process's VmRSS every `intervalMs` and keeps the peak. */
export function sampleRss(pid: number, intervalMs = 200): RssSampler {
  let peak = 0;
  const sample = () => {
    const mb = rssMb(pid);
    if (mb !== undefined && mb > peak) peak = mb;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    peakMb: () => peak,
    stop: () => {
      sample();
      clearInterval(timer);
    },
  };
}
