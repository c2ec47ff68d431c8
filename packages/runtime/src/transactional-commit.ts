import type { Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { withTransactionRetry } from './transaction-retry.js';

export interface TransactionContent {
  topicMessages: Array<{ topic: string; messages: Message[] }>;
  /**
   * Consumer offsets committed with the records: the group and, per topic, the next offset per partition.
   * With the member's generation and id, the group coordinator refuses them once that generation is over.
   */
  offsets?: {
    consumerGroupId: string;
    generationId?: number;
    memberId?: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  };
}

/**
 * Produces records (and commits consumer offsets) in one Kafka transaction: all of it or none. Operations
 * the broker refuses only because the previous transaction is still completing are repeated; anything
 * else aborts the transaction and is thrown.
 */
export async function commitTransaction(producer: Producer, content: TransactionContent, log?: Logger): Promise<void> {
  const txn = await withTransactionRetry(() => producer.transaction(), log);
  try {
    if (content.topicMessages.length) await txn.sendBatch({ topicMessages: content.topicMessages, acks: -1 });
    const offsets = content.offsets;
    if (offsets) await withTransactionRetry(() => txn.sendOffsets(offsets), log);
    await withTransactionRetry(() => txn.commit(), log);
  } catch (err) {
    await txn.abort().catch((abortErr: unknown) => log?.warn({ err: abortErr }, 'abort failed'));
    throw err;
  }
}
