/** The offsets of one partition a run covers: from `start` (inclusive) to `end` (exclusive). */
export interface PartitionRange {
  topic: string;
  partition: number;
  start: bigint;
  end: bigint;
}

function keyOf(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/**
 * Tracks how far each partition has got towards the end offset captured when the run started, so a run
 * ends when every partition reached it, whatever was written after. Positions only move forward.
 */
export class PartitionRanges {
  private readonly ranges = new Map<string, PartitionRange>();
  private readonly positions = new Map<string, bigint>();
  private resolveDone!: () => void;
  /** Settles once every partition reached its end. */
  readonly done: Promise<void>;

  constructor(ranges: PartitionRange[]) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    for (const r of ranges) {
      const key = keyOf(r.topic, r.partition);
      this.ranges.set(key, r);
      this.positions.set(key, r.start);
    }
    this.checkDone();
  }

  /** True when the offset lies before the partition's captured end (a partition not in the run has none). */
  inRange(topic: string, partition: number, offset: string | bigint): boolean {
    const r = this.ranges.get(keyOf(topic, partition));
    return r !== undefined && BigInt(offset) < r.end;
  }

  /** True when the offset was already covered before this run (below its start). */
  beforeStart(topic: string, partition: number, offset: string | bigint): boolean {
    const r = this.ranges.get(keyOf(topic, partition));
    return r !== undefined && BigInt(offset) < r.start;
  }

  /** Records that everything before `next` was handled. */
  advance(topic: string, partition: number, next: string | bigint): void {
    const key = keyOf(topic, partition);
    const r = this.ranges.get(key);
    if (!r) return;
    const capped = BigInt(next) > r.end ? r.end : BigInt(next);
    if (capped > (this.positions.get(key) ?? r.start)) this.positions.set(key, capped);
    this.checkDone();
  }

  /** The end offset captured for a partition, if it is part of the run. */
  endOf(topic: string, partition: number): bigint | undefined {
    return this.ranges.get(keyOf(topic, partition))?.end;
  }

  isDone(topic: string, partition: number): boolean {
    const r = this.ranges.get(keyOf(topic, partition));
    return r === undefined || (this.positions.get(keyOf(topic, partition)) ?? r.start) >= r.end;
  }

  get allDone(): boolean {
    for (const r of this.ranges.values()) if (!this.isDone(r.topic, r.partition)) return false;
    return true;
  }

  /** Offsets to cover in total and covered so far (control records and aborted records count too). */
  progress(): { done: number; total: number } {
    let done = 0n;
    let total = 0n;
    for (const [key, r] of this.ranges) {
      const span = r.end > r.start ? r.end - r.start : 0n;
      total += span;
      const pos = this.positions.get(key) ?? r.start;
      done += pos > r.start ? (pos > r.end ? span : pos - r.start) : 0n;
    }
    return { done: Number(done), total: Number(total) };
  }

  private checkDone(): void {
    if (this.allDone) this.resolveDone();
  }
}
