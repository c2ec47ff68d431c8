import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { RuntimeMetrics } from './metrics.js';
import { TransactionBatcher, type BatchedCommit, type SliceCommit } from './transaction-batcher.js';
import { isFenced, withTransactionRetry } from './transaction-retry.js';
import { commitTransaction } from './transactional-commit.js';

export interface MemberTransactionsOptions {
  kafka: Kafka;
  /** Unique among the live members of the group, the same for a restarted incarnation of one. */
  transactionalId: string;
  consumerGroupId: string;
  /** The broker aborts a transaction left open this long (its producer crashed or stalled). */
  timeoutMs: number;
  /** The longest a ready slice waits for the member's other slices before their transaction starts. */
  lingerMs: number;
  clock?: () => number;
  log: Logger;
  metrics: RuntimeMetrics;
  service: string;
}

const RETRY_INITIAL_MS = 20; // doubling up to kafkajs' maxRetryTime (30 s)

/**
 * The exactly-once commit path of one consumer group member: its transactional producer, and the
 * TransactionBatcher that puts the slices of its partitions ready together into one transaction, their
 * offsets committed under the group generation they were fetched in. A producer whose epoch the broker
 * bumped (its transaction timed out while the process stalled, or a newer incarnation took the id) is
 * replaced; one that could not be opened is opened again for the next transaction.
 */
export class MemberTransactions {
  private producer?: Promise<Producer>;
  private readonly batcher: TransactionBatcher<Message>;

  constructor(private readonly opts: MemberTransactionsOptions) {
    this.batcher = new TransactionBatcher((batch) => this.commit(batch), { lingerMs: opts.lingerMs, clock: opts.clock });
  }

  /** Opens the producer: initialising its id fences an earlier incarnation and aborts what that one left open. */
  async start(): Promise<void> {
    this.producer = this.open();
    await this.producer;
  }

  /** A slice is being evaluated: transactions wait for it (up to the linger). */
  begin(): void {
    this.batcher.begin();
  }

  /** A slice that began will commit nothing. */
  abandon(): void {
    this.batcher.abandon();
  }

  /** Commits a slice that began in the next shared transaction; settles with that transaction. */
  submit(slice: SliceCommit<Message>): Promise<void> {
    return this.batcher.submit(slice);
  }

  async close(): Promise<void> {
    const producer = await this.producer?.catch(() => undefined);
    await producer?.disconnect();
  }

  private async open(): Promise<Producer> {
    const { kafka, transactionalId, log } = this.opts;
    const producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.opts.timeoutMs,
      // A transaction that starts while the previous one's commit markers are still being written is
      // answered CONCURRENT_TRANSACTIONS for a few milliseconds: retry after 20 ms, not kafkajs' 300 ms.
      retry: { initialRetryTime: RETRY_INITIAL_MS, retries: Number.MAX_SAFE_INTEGER },
    });
    try {
      await producer.connect();
      // kafkajs initialises the transactional id when the first transaction begins.
      const txn = await withTransactionRetry(() => producer.transaction(), log);
      await txn.abort();
      log.debug({ transactionalId }, 'transactional producer ready');
      return producer;
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  private reopen(): void {
    this.producer = this.open();
    this.producer.catch(() => undefined);
  }

  /** One transaction for the slices the batcher merged: their records, and their offsets under their generation. */
  private async commit(batch: BatchedCommit<Message>): Promise<void> {
    const { metrics, service, log } = this.opts;
    let producer: Producer;
    try {
      producer = await this.producer!;
    } catch (err) {
      this.reopen();
      throw err;
    }
    const topics = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of batch.offsets) {
      const list = topics.get(topic);
      if (list) list.push({ partition, offset });
      else topics.set(topic, [{ partition, offset }]);
    }
    const endTimer = metrics.transactionDuration.startTimer({ service });
    try {
      await commitTransaction(
        producer,
        {
          topicMessages: batch.topicMessages,
          offsets: {
            consumerGroupId: this.opts.consumerGroupId,
            generationId: batch.membership.generationId,
            memberId: batch.membership.memberId,
            topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
          },
        },
        log,
      );
      endTimer({ outcome: 'committed' });
      metrics.transactionRecords.observe({ service }, batch.records);
    } catch (err) {
      endTimer({ outcome: 'aborted' });
      if (isFenced(err)) {
        this.reopen();
        void producer.disconnect().catch(() => undefined);
      }
      throw err;
    }
  }
}
