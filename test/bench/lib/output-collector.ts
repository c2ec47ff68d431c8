import { Headers } from '@notify/runtime';
import type { Consumer } from 'kafkajs';
import { acceptedSpec, headerText, kafka, testSerde } from '../../support/kafka.js';

export interface CollectedRecord {
  /** The numeric part of the notification id (n-<index>). */
  index: number;
  /** The output record's timestamp (set by the relay when it produced it), epoch ms. */
  timestamp: number;
  /** The x-notify-requested-at header carried through from the input, epoch ms. */
  requestedAt: number;
  /** When this reader received the record, epoch ms. */
  receivedAt: number;
}

/**
 * Reads an output topic from the beginning with a read_committed consumer, decoding each record's
 * notification id, and keeps the first arrival of every id plus a count of duplicates.
 */
export class OutputCollector {
  readonly firstSeen = new Map<number, CollectedRecord>();
  received = 0;

  private constructor(private readonly consumer: Consumer) {}

  static async start(topic: string, partitions: number): Promise<OutputCollector> {
    const serde = await testSerde([acceptedSpec(topic, partitions)]);
    const consumer = kafka.consumer({ groupId: `bench-reader-${topic}`, readUncommitted: false, maxWaitTimeInMs: 100 });
    const collector = new OutputCollector(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const receivedAt = Date.now();
        for (const message of batch.messages) {
          const value = await serde.decode<{ notification: { notificationId: string } }>('notification-accepted', message.value);
          const index = Number(value.notification.notificationId.slice(2));
          collector.received++;
          if (collector.firstSeen.has(index)) continue;
          collector.firstSeen.set(index, {
            index,
            timestamp: Number(message.timestamp),
            requestedAt: Number(headerText(message, Headers.REQUESTED_AT) ?? NaN),
            receivedAt,
          });
        }
      },
    });
    return collector;
  }

  get distinct(): number {
    return this.firstSeen.size;
  }

  get duplicates(): number {
    return this.received - this.firstSeen.size;
  }

  /** First arrivals of ids from..to-1 (those that arrived). */
  range(from: number, to: number): CollectedRecord[] {
    const out: CollectedRecord[] = [];
    for (let i = from; i < to; i++) {
      const r = this.firstSeen.get(i);
      if (r) out.push(r);
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
