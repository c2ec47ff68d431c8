import type { Admin, Kafka } from 'kafkajs';

export interface PartitionOffset {
  partition: number;
  offset: string;
}

export interface TopicTally {
  /** Records whose key has the prefix. */
  records: number;
  /** Distinct keys among them. */
  distinctKeys: number;
  /** The latest record timestamp among them (epoch millis; the producer's clock, this machine's). */
  lastTimestamp: number | undefined;
}

/** The end offset of each partition of a topic: where records produced from now on will start. */
export async function endOffsets(admin: Admin, topic: string): Promise<PartitionOffset[]> {
  return (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high }));
}

/**
 * Reads a topic with a read_committed consumer from `from` on, tallying the records whose key starts with
 * `keyPrefix`, until `expected` of them came and then nothing for `idleMs`, or `timeoutMs` passed. For
 * topics nothing else is producing to while it reads.
 */
export async function tallyTopic(
  kafka: Kafka,
  topic: string,
  from: readonly PartitionOffset[],
  keyPrefix: string,
  expected: number,
  { idleMs = 3_000, timeoutMs = 10 * 60_000 } = {},
): Promise<TopicTally> {
  const consumer = kafka.consumer({
    groupId: `bench-tally-${topic}-${Date.now()}`,
    readUncommitted: false,
    maxBytes: 50 * 1024 * 1024,
  });
  const keys = new Set<string>();
  let records = 0;
  let lastTimestamp: number | undefined;
  let lastArrival = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const key = message.key?.toString();
          if (!key?.startsWith(keyPrefix)) continue;
          records += 1;
          keys.add(key);
          const at = Number(message.timestamp);
          if (lastTimestamp === undefined || at > lastTimestamp) lastTimestamp = at;
        }
        lastArrival = Date.now();
      },
    });
    for (const { partition, offset } of from) consumer.seek({ topic, partition, offset });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (records < expected || Date.now() - lastArrival < idleMs)) {
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await consumer.disconnect();
  }
  return { records, distinctKeys: keys.size, lastTimestamp };
}
