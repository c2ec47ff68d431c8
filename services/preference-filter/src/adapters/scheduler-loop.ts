import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ScheduledDoc, ScheduledRepository } from '@notify/stores';

export interface SchedulerLoopOptions {
  store: Pick<ScheduledRepository, 'claimDue' | 'markEmitted'>;
  /**
   * Re-publishes the documents (payload, key and headers unchanged) and resolves once they are durably
   * written. Downstream is idempotent by notification id, so emitting one twice is harmless; not
   * emitting one is not.
   */
  emit: (docs: ScheduledDoc[]) => Promise<void>;
  /** Names this replica on its leases. */
  owner?: string;
  /** Epoch ms. */
  clock?: () => number;
  pollIntervalMs?: number;
  /** How long a claim is held; an emit that fails (or a replica that dies) is retried after it. */
  leaseMs?: number;
  /** Documents claimed and emitted per pass. */
  batchSize?: number;
  /** Told about every failed pass; the loop itself carries on. */
  onError?: (err: unknown) => void;
}

export interface PassResult {
  claimed: number;
  emitted: number;
}

const DEFAULTS = {
  pollIntervalMs: 1_000, // 1 s
  leaseMs: 30_000, // 30 s
  batchSize: 100,
};

export function defaultOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Polls the scheduled store, claims what is due, emits it, marks it emitted. At least once: if `emit`
 * fails the documents stay pending under this replica's lease, and the first pass (here or on another
 * replica) after the lease runs out emits them again. A full batch is followed at once by the next pass,
 * so a backlog drains without waiting for the poll interval.
 */
export class SchedulerLoop {
  private readonly options: Required<SchedulerLoopOptions>;
  private stopped = true;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;

  constructor(options: SchedulerLoopOptions) {
    this.options = {
      ...DEFAULTS,
      owner: defaultOwnerId(),
      clock: Date.now,
      onError: (err) => console.error('scheduler pass failed', err),
      ...options,
    };
  }

  get owner(): string {
    return this.options.owner;
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopDone = this.loop();
  }

  /** Stops polling; resolves once the pass in flight, if any, has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loopDone;
  }

  /** One pass: claim, emit, mark. Rejects with the store's or emit's error. */
  async runOnce(): Promise<PassResult> {
    const { store, emit, owner, clock, leaseMs, batchSize } = this.options;
    const docs = await store.claimDue(new Date(clock()), owner, leaseMs, batchSize);
    if (docs.length === 0) return { claimed: 0, emitted: 0 };
    await emit(docs);
    await store.markEmitted(
      docs.map((d) => d._id),
      owner,
    );
    return { claimed: docs.length, emitted: docs.length };
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let backlog = false;
      try {
        const pass = await this.runOnce();
        backlog = pass.claimed >= this.options.batchSize;
      } catch (err) {
        this.options.onError(err);
      }
      if (!backlog && !this.stopped) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
