import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { withTransactionRetry } from './transaction-retry.js';

/**
 * The transactional id of the producer that commits for one input partition of one consumer group.
 * Whoever processes that partition, on any instance, uses this id: the broker lets one producer per id
 * commit at a time, which is what fences a member that lost the partition (see PartitionProducers).
 */
export function transactionalIdFor(groupId: string, topic: string, partition: number): string {
  return `${groupId}|${topic}|${partition}`;
}

/** A producer ready to commit for one partition, and the group's committed offset read after fencing. */
export interface PartitionProducer {
  producer: Producer;
  /**
   * The group's committed offset for the partition, read after this producer fenced every earlier one:
   * records below it were committed by a member that held the partition before, and are skipped.
   */
  committedFloor: bigint;
}

interface Entry {
  ready: Promise<PartitionProducer>;
  generation: number;
}

/**
 * One transactional producer per input partition (Kafka Streams' "exactly-once alpha" scheme). kafkajs
 * commits offsets without the consumer group's generation (TxnOffsetCommit v1), so the broker cannot tell
 * a member evicted from the group (paused past its session timeout, cut off from the network) from the
 * partition's new owner. The transactional id can: the new owner's first use of the partition initialises
 * the partition's id, which aborts the evicted member's open transaction and makes any later commit of
 * that member fail as fenced. Only then does the new owner read the committed offset, so nothing the
 * evicted member committed before is processed twice, and nothing it had open is lost.
 *
 * Producers are (re)initialised on their first use in each group generation: after a rebalance the
 * partition may have been someone else's in between.
 */
/** The partition's transactional id was taken over by another member; it is not this member's until the next rebalance. */
export class PartitionLostError extends Error {
  constructor(topic: string, partition: number) {
    super(`partition ${topic}:${partition} belongs to another member until the next rebalance`);
    this.name = 'PartitionLostError';
  }
}

export class PartitionProducers {
  private readonly entries = new Map<string, Entry>();
  /** Partitions fenced in a generation, by the generation: initialising them again would fence their new owner back. */
  private readonly lost = new Map<string, number>();
  private generation = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly log: Logger,
  ) {}

  /** A new group generation began (the member joined or rejoined the group). */
  newGeneration(): void {
    this.generation++;
    this.lost.clear();
  }

  /** The partition's producer, fenced and with the committed offset read, in this generation. */
  async forPartition(topic: string, partition: number): Promise<PartitionProducer> {
    const key = `${topic}:${partition}`;
    if (this.lost.get(key) === this.generation) throw new PartitionLostError(topic, partition);
    const current = this.entries.get(key);
    if (current && current.generation === this.generation) return current.ready;
    if (current) void this.close(current);
    const ready = this.open(topic, partition);
    const entry = { ready, generation: this.generation };
    this.entries.set(key, entry);
    ready.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return ready;
  }

  /**
   * Gives up a partition whose producer was fenced: another member initialised its transactional id, so
   * the group has moved it on and this member will rejoin. Until then it is not used again.
   */
  fenced(topic: string, partition: number): void {
    this.lost.set(`${topic}:${partition}`, this.generation);
    this.discard(topic, partition);
  }

  /** Drops a partition's producer (after it failed), so the next use starts afresh. */
  discard(topic: string, partition: number): void {
    const key = `${topic}:${partition}`;
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    void this.close(entry);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => this.close(e)));
  }

  private async open(topic: string, partition: number): Promise<PartitionProducer> {
    const transactionalId = transactionalIdFor(this.groupId, topic, partition);
    const producer = this.kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    try {
      await producer.connect();
      // kafkajs initialises the transactional id (fencing every earlier producer of it and letting the
      // coordinator abort their open transaction) when the first transaction begins.
      const txn = await withTransactionRetry(() => producer.transaction(), this.log);
      await txn.abort();
      const committedFloor = await this.committedOffset(topic, partition);
      this.log.debug({ topic, partition, transactionalId, committedFloor: String(committedFloor) }, 'partition producer ready');
      return { producer, committedFloor };
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  private async committedOffset(topic: string, partition: number): Promise<bigint> {
    const [entry] = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
    const offset = entry?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
    return BigInt(offset);
  }

  private async close(entry: Entry): Promise<void> {
    const ready = await entry.ready.catch(() => undefined);
    await ready?.producer.disconnect().catch((err: unknown) => this.log.debug({ err }, 'partition producer disconnect failed'));
  }
}
