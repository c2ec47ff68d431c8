/**
 * Notices that this process stood still (SIGSTOP, a frozen VM, an event loop blocked) for longer than the
 * consumer group's session timeout. By then the group has handed this member's partitions to another,
 * which may already have finished the records this member was working on: whatever this member does for
 * them afterwards, such as calling a provider, happens a second time; and so does the work of batches it
 * goes on fetching until it learns it was left out and joins again. The monotonic clock runs on while a
 * process is stopped, so the gap shows when the process runs again, even before the ticker's next turn.
 */
export class PauseDetector {
  private lastTick: number;
  private lastPauseEnd = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limitMs: number,
    private readonly now: () => number = () => performance.now(),
    /** Told once per pause noticed, with how long the process stood still. */
    private readonly onPause: (stoodStillMs: number) => void = () => undefined,
  ) {
    this.lastTick = now();
  }

  start(tickMs = Math.min(1_000, this.limitMs / 4)): this {
    this.timer ??= setInterval(() => this.tick(), tickMs).unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A point in time to pass to pausedSince later, e.g. when a slice's work began. */
  mark(): number {
    this.tick();
    return this.now();
  }

  /** Whether the process stood still past the limit after `mark`. */
  pausedSince(mark: number): boolean {
    this.tick();
    return this.lastPauseEnd > mark;
  }

  private tick(): void {
    const t = this.now();
    const gap = t - this.lastTick;
    this.lastTick = t;
    if (gap > this.limitMs) {
      this.lastPauseEnd = t;
      this.onPause(gap);
    }
  }
}
