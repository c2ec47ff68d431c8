/**
 * Paces work to a rate per second: the first acquisition goes at once, each later one waits until the
 * previous ones have had their share of time. No rate means no waiting.
 */
export class RateLimiter {
  private nextAt = 0;

  constructor(
    private readonly perSecond: number | undefined,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (perSecond !== undefined && !(perSecond > 0))
      throw new RangeError('rate must be a positive number per second');
  }

  /** Waits until `count` more units may go. */
  async acquire(count: number, signal?: AbortSignal): Promise<void> {
    if (this.perSecond === undefined || count <= 0) return;
    const now = this.clock();
    const startAt = Math.max(now, this.nextAt);
    this.nextAt = startAt + (count * 1000) / this.perSecond;
    const wait = startAt - now;
    if (wait > 0 && !signal?.aborted) await this.sleep(wait);
  }

  /** How many records one transaction should hold so that transactions stay about a second long. */
  static sliceSize(perSecond: number | undefined, max: number): number {
    return perSecond === undefined ? max : Math.max(1, Math.min(max, Math.ceil(perSecond)));
  }
}
