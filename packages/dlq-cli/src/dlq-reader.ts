import { NotFoundError } from '@notify/runtime';
import type { Admin, Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { isDlqTopic, toDlqEntry, type DlqEntry } from './dlq-entry.js';
import { PartitionRanges, type PartitionRange } from './partition-ranges.js';
import { consumeRanges } from './range-consumer.js';
import { usageError } from './usage-error.js';

/** Every dead-letter topic, by name; `match` keeps those whose name contains it. */
export async function listDlqTopics(admin: Admin, match?: string): Promise<string[]> {
  const topics = await admin.listTopics();
  return topics.filter((t) => isDlqTopic(t) && (!match || t.includes(match))).sort();
}

export async function assertDlqTopic(admin: Admin, topic: string): Promise<void> {
  if (!isDlqTopic(topic)) throw usageError('topic', `${topic} is not a dead-letter topic (<topic>.dlq)`);
  await assertTopicExists(admin, topic);
}

export async function assertTopicExists(admin: Admin, topic: string): Promise<void> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) throw new NotFoundError('topic', topic);
}

/**
 * Each partition's range from its earliest offset (or `start`, when given and later) to its end now. The end
 * is the last stable offset (the broker answers for read_committed), so an open transaction is not waited for.
 */
export async function captureRanges(
  admin: Admin,
  topic: string,
  start?: Map<number, bigint>,
): Promise<PartitionRange[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.map((o) => {
    const low = BigInt(o.low);
    const from = start?.get(o.partition);
    return {
      topic,
      partition: o.partition,
      start: from !== undefined && from > low ? from : low,
      end: BigInt(o.high),
    };
  });
}

/** A group's committed offsets on a topic; partitions it never committed are absent. */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, bigint>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const out = new Map<number, bigint>();
  for (const p of offsets?.partitions ?? []) {
    if (Number(p.offset) >= 0) out.set(p.partition, BigInt(p.offset));
  }
  return out;
}

export interface ReadOptions {
  /** Start per topic and partition; the earliest offset otherwise. */
  start?: Map<string, Map<number, bigint>>;
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/**
 * Reads dead letters up to the end offsets captured at start, with a throwaway consumer group that never
 * commits. `onEntry` returning false stops the read.
 */
export async function readEntries(
  kafka: Kafka,
  admin: Admin,
  topics: string[],
  onEntry: (entry: DlqEntry) => boolean | void | Promise<boolean | void>,
  options: ReadOptions = {},
): Promise<void> {
  if (topics.length === 0) return;
  const ranges = new PartitionRanges(
    (await Promise.all(topics.map((t) => captureRanges(admin, t, options.start?.get(t))))).flat(),
  );
  const groupId = `notify.dlq-cli.reader.${randomUUID()}`;
  try {
    await consumeRanges({
      kafka,
      groupId,
      topics,
      ranges,
      ...(options.signal ? { signal: options.signal } : {}),
      handle: async ({ topic, partition, messages }) => {
        for (const message of messages) {
          if (ranges.beforeStart(topic, partition, message.offset)) continue;
          if ((await onEntry(toDlqEntry(topic, partition, message))) === false) return 'stop';
        }
        options.onProgress?.(ranges.progress());
        return 'handled';
      },
    });
  } finally {
    // The group never committed anything; deleting it is tidiness, not correctness.
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  options.onProgress?.(ranges.progress());
}
