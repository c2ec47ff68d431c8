/**
 * Events per second between the 10th and the 90th percentile of their times (epoch ms): the sustained
 * rate, without the ramp-up at the start and the stragglers at the end. Undefined for fewer than 10 events.
 */
export function steadyRate(times: readonly number[]): number | undefined {
  if (times.length < 10) return undefined;
  const sorted = [...times].sort((a, b) => a - b);
  const lo = Math.floor(sorted.length * 0.1);
  const hi = Math.ceil(sorted.length * 0.9) - 1;
  const ms = sorted[hi]! - sorted[lo]!;
  return ms > 0 ? ((hi - lo) * 1000) / ms : undefined;
}
