interface Pending<T> {
  items: readonly T[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Shares one write among concurrent callers: items submitted while a write is in flight go together in
 * the next one, so callers pay for a round trip each only when they come one at a time. Every caller
 * learns the outcome of the write that carried its items.
 */
export class WriteCoalescer<T> {
  private queue: Array<Pending<T>> = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  submit(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
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
}
