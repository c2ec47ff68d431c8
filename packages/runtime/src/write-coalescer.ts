interface Pending<T> {
  items: readonly T[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface WriteBudget<T> {
  /** The size of one item, in the unit of `max`. */
  weigh: (item: T) => number;
  /** Callers are added to a write while their items keep it at most this size (a larger caller writes alone). */
  max: number;
}

/**
 * Shares one write among concurrent callers: items submitted while a write is in flight go together in
 * the next one, so callers pay for a round trip each only when they come one at a time. Every caller
 * learns the outcome of the write that carried its items. With a budget, a write carries callers only up
 * to its size, so one caller too large for the server fails alone instead of failing those it rode with.
 */
export class WriteCoalescer<T> {
  private queue: Array<Pending<T>> = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly budget?: WriteBudget<T>,
  ) {}

  submit(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    if (this.writing || this.queue.length === 0) return;
    const batch = this.nextBatch();
    this.writing = true;
    let written: Promise<void>;
    try {
      written = this.write(batch.flatMap((p) => p.items));
    } catch (err) {
      written = Promise.reject(err);
    }
    written
      .then(
        () => batch.forEach((p) => p.resolve()),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.writing = false;
        this.flush();
      });
  }

  /** Callers from the front of the queue: all of them, or as many as the budget holds (one at least). */
  private nextBatch(): Array<Pending<T>> {
    if (!this.budget) {
      const all = this.queue;
      this.queue = [];
      return all;
    }
    const { weigh, max } = this.budget;
    let size = 0;
    let count = 0;
    for (const pending of this.queue) {
      const weight = pending.items.reduce((sum, item) => sum + weigh(item), 0);
      if (count > 0 && size + weight > max) break;
      size += weight;
      count += 1;
    }
    return this.queue.splice(0, count);
  }
}
