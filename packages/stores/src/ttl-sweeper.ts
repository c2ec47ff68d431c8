import type { Db } from 'mongodb';

/** Documents of `collection` expire `expireAfterSeconds` after the Date in `field`. */
export interface TtlIndexSpec {
  collection: string;
  name: string;
  field: string;
  expireAfterSeconds: number;
}

export interface TtlSweeperOptions {
  /** Time between sweeps. */
  intervalMs?: number;
  now?: () => number;
  /** Called with a sweep's failure; the next sweep tries again. */
  onError?: (err: unknown) => void;
}

const DEFAULT_INTERVAL_MS = 60_000; // 1 min, the same cadence as MongoDB's own TTL monitor

/**
 * Enforces TTL indexes on servers that cannot build them, by deleting expired documents periodically.
 * Ingest runs one for every TTL index; its replicas' sweeps may overlap: deletes of expired documents are
 * idempotent.
 */
export class TtlSweeper {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly db: Db,
    private readonly specs: readonly TtlIndexSpec[],
    options: TtlSweeperOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
  }

  /** Deletes every expired document once; returns the count deleted per `collection.name`. */
  async sweepOnce(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const spec of this.specs) {
      const cutoff = new Date(this.now() - spec.expireAfterSeconds * 1000);
      const res = await this.db.collection(spec.collection).deleteMany({ [spec.field]: { $lte: cutoff } });
      deleted[`${spec.collection}.${spec.name}`] = res.deletedCount;
    }
    return deleted;
  }

  /** Sweeps now and then every interval, never two sweeps at once. */
  start(): this {
    if (this.timer || this.specs.length === 0) return this;
    const tick = (): void => {
      if (this.running) return;
      this.running = this.sweepOnce()
        .catch((err: unknown) => this.onError(err))
        .finally(() => {
          this.running = null;
        });
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    tick();
    return this;
  }

  /** Stops the schedule and waits for a sweep under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
