import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { PartitionRanges } from './partition-ranges.js';

/** What a batch handler did with the in-range messages it was given. */
export type BatchOutcome =
  /** All of them were handled: the partition may move past the whole fetched batch. */
  | 'handled'
  /** It stopped part-way (rebalance, shutdown): nothing more is assumed. */
  | 'partial'
  /** The run is over (limit reached, interrupted, failed). */
  | 'stop';

export interface RangeBatch {
  topic: string;
  partition: number;
  /** Data records below the captured end offset (control and aborted records are already left out). */
  messages: KafkaMessage[];
  payload: EachBatchPayload;
}

export interface RangeConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  ranges: PartitionRanges;
  handle: (batch: RangeBatch) => Promise<BatchOutcome>;
  signal?: AbortSignal;
  /** How long the group waits for a member that died before giving its partitions to a new one. */
  sessionTimeoutMs?: number;
}

const DEFAULT_SESSION_TIMEOUT_MS = 10_000; // 10 s: a restarted replay rejoins quickly after a kill

/**
 * Consumes topics (read_committed, from the group's committed offsets or the beginning) until every
 * partition reached the end offset captured at start, the handler says stop, or the signal aborts. Offsets
 * are never committed here: a handler that needs progress commits it itself.
 */
export async function consumeRanges(opts: RangeConsumerOptions): Promise<void> {
  const { kafka, ranges, handle } = opts;
  const sessionTimeout = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  if (ranges.allDone || opts.signal?.aborted) return;

  let finish!: () => void;
  let fail!: (err: Error) => void;
  let finished = false;
  const over = new Promise<void>((resolve, reject) => {
    finish = () => {
      finished = true;
      resolve();
    };
    fail = (err) => {
      finished = true;
      reject(err);
    };
  });
  over.catch(() => undefined); // awaited below; this only keeps an early crash from counting as unhandled
  void ranges.done.then(() => finish());
  const onAbort = () => finish();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const consumer = kafka.consumer({
    groupId: opts.groupId,
    readUncommitted: false,
    sessionTimeout,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
    maxWaitTimeInMs: 250,
    retry: { retries: 10 },
  });
  // A fetch holding only transaction markers or aborted records never reaches eachBatch; kafkajs reports it
  // with an empty batch event, and the partition has moved past it.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0)
      ranges.advance(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (finished || !payload.isRunning() || payload.isStale()) return;
        const messages = batch.messages.filter((m) => ranges.inRange(batch.topic, batch.partition, m.offset));
        const outcome =
          messages.length > 0
            ? await handle({ topic: batch.topic, partition: batch.partition, messages, payload })
            : 'handled';
        if (outcome === 'stop') {
          finish();
          return;
        }
        if (outcome === 'handled') {
          ranges.advance(batch.topic, batch.partition, BigInt(batch.lastOffset()) + 1n);
          payload.resolveOffset(batch.lastOffset());
        }
        await payload.heartbeat();
      },
    });
    await over;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect();
  }
}
