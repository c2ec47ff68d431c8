/** What a stalled partition was doing when the watchdog gave up on it. */
export interface Stall {
  partition: string;
  /** Since the slice began or a record of it last finished. */
  idleMs: number;
  /** Offsets whose handler had not returned. */
  inFlight: string[];
}

/**
 * Notices a slice that stopped making progress: no record of it finished for `stallMs`. A handler
 * awaiting a promise that never settles (a client that lost its connection and never fails the
 * request) would otherwise hold its partition for good while heartbeats keep the member in the group.
 * The owner decides what a stall means (the runtime restarts the service: the slice was not committed,
 * so its records are processed again by the next owner of the partition).
 */
export class StallWatchdog {
  private readonly active = new Map<string, { lastProgress: number; inFlight: Set<string> }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stallMs: number,
    private readonly onStall: (stall: Stall) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(checkEveryMs = Math.max(1_000, Math.floor(this.stallMs / 4))): void {
    this.timer = setInterval(() => this.check(), checkEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.active.clear();
  }

  sliceStarted(partition: string): void {
    this.active.set(partition, { lastProgress: this.now(), inFlight: new Set() });
  }

  sliceEnded(partition: string): void {
    this.active.delete(partition);
  }

  recordStarted(partition: string, offset: string): void {
    this.active.get(partition)?.inFlight.add(offset);
  }

  recordFinished(partition: string, offset: string): void {
    const slice = this.active.get(partition);
    if (!slice) return;
    slice.inFlight.delete(offset);
    slice.lastProgress = this.now();
  }

  /** Reports each stalled partition once. */
  check(): void {
    const now = this.now();
    for (const [partition, slice] of this.active) {
      const idleMs = now - slice.lastProgress;
      if (idleMs < this.stallMs) continue;
      this.active.delete(partition);
      this.onStall({ partition, idleMs, inFlight: [...slice.inFlight] });
    }
  }
}
