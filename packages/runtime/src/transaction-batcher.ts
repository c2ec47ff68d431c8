/** The consumer group generation a member held its partitions in (KIP-447 group metadata). */
export interface GroupMembership {
  readonly generationId: number;
  readonly memberId: string;
}

/** The offset to resume a partition from: one past the last record a commit covers. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

export interface TopicMessages<M> {
  topic: string;
  messages: M[];
}

/** What one slice of one partition commits. */
export interface SliceCommit<M> {
  membership: GroupMembership;
  /** Input records the slice covers. */
  records: number;
  topicMessages: Array<TopicMessages<M>>;
  offsets: PartitionOffset[];
}

/** Slices of one generation merged into one transaction: records by topic, one offset per partition. */
export type BatchedCommit<M> = SliceCommit<M>;

export interface TransactionBatcherOptions {
  /** The longest a ready slice waits for slices still being evaluated before its transaction starts. */
  lingerMs: number;
  clock?: () => number;
}

interface Queued<M> {
  slice: SliceCommit<M>;
  readyAt: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Commits the slices a member holds in shared transactions, so a transaction's fixed cost is paid once
 * per round of the member's partitions instead of once per partition. A transaction starts when every
 * slice being evaluated has submitted its commit, or when the oldest waiting slice has waited `lingerMs`,
 * and never while another is in flight: slices that become ready meanwhile go in the next one. One
 * transaction carries one group generation only, so offsets are committed with the generation their
 * records were fetched in and the group coordinator can refuse those of a generation that is over.
 * Every slice learns the outcome of the transaction that carried it.
 */
export class TransactionBatcher<M> {
  private evaluating = 0;
  private queue: Array<Queued<M>> = [];
  private committing = false;
  private timer?: NodeJS.Timeout;
  private readonly clock: () => number;

  constructor(
    private readonly commit: (batch: BatchedCommit<M>) => Promise<void>,
    private readonly opts: TransactionBatcherOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
  }

  /** A slice is being evaluated: its commit follows (submit), or it fails first (abandon). */
  begin(): void {
    this.evaluating++;
  }

  /** A slice that began will commit nothing: transactions stop waiting for it. */
  abandon(): void {
    this.evaluating = Math.max(0, this.evaluating - 1);
    this.flushWhenDue();
  }

  /** Queues a slice that began for the next transaction; settles with that transaction. */
  submit(slice: SliceCommit<M>): Promise<void> {
    this.evaluating = Math.max(0, this.evaluating - 1);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ slice, readyAt: this.clock(), resolve, reject });
      this.flushWhenDue();
    });
  }

  /** Slices waiting for a transaction, and slices still being evaluated. */
  get pending(): { queued: number; evaluating: number } {
    return { queued: this.queue.length, evaluating: this.evaluating };
  }

  private flushWhenDue(): void {
    if (this.committing || this.queue.length === 0) return;
    const waitedMs = this.clock() - this.queue[0]!.readyAt;
    if (this.evaluating > 0 && waitedMs < this.opts.lingerMs) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flushWhenDue();
      }, this.opts.lingerMs - waitedMs);
      return;
    }
    this.flush();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const { generationId, memberId } = this.queue[0]!.slice.membership;
    const sameGeneration = (q: Queued<M>) => q.slice.membership.generationId === generationId && q.slice.membership.memberId === memberId;
    const batch = this.queue.filter(sameGeneration);
    this.queue = this.queue.filter((q) => !sameGeneration(q));
    this.committing = true;
    let committed: Promise<void>;
    try {
      committed = this.commit(mergeSlices(batch.map((q) => q.slice)));
    } catch (err) {
      committed = Promise.reject(err);
    }
    committed
      .then(
        () => batch.forEach((q) => q.resolve()),
        (err: unknown) => batch.forEach((q) => q.reject(err)),
      )
      .finally(() => {
        this.committing = false;
        this.flushWhenDue();
      });
  }
}

/** Merges slices of one generation: messages grouped by topic in slice order, the highest offset per partition. */
export function mergeSlices<M>(slices: ReadonlyArray<SliceCommit<M>>): BatchedCommit<M> {
  const byTopic = new Map<string, M[]>();
  const offsets = new Map<string, PartitionOffset>();
  let records = 0;
  for (const slice of slices) {
    records += slice.records;
    for (const { topic, messages } of slice.topicMessages) {
      const list = byTopic.get(topic);
      if (list) list.push(...messages);
      else byTopic.set(topic, [...messages]);
    }
    for (const o of slice.offsets) {
      const key = `${o.topic}:${o.partition}`;
      const seen = offsets.get(key);
      if (!seen || BigInt(o.offset) > BigInt(seen.offset)) offsets.set(key, o);
    }
  }
  return {
    membership: slices[0]!.membership,
    records,
    topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    offsets: [...offsets.values()],
  };
}
