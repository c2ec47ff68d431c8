// Records of the run still waiting in the pipeline's input and retry topics. Offset arithmetic (end minus
// committed) cannot say: transaction markers and aborted transactions occupy offsets no consumer ever
// commits past. So a throw-away read_committed group starts at each pipeline group's committed offsets and
// counts the run's records it can still read.
import { dispatchTopic, PROVIDERS, retryTopicName, Topics } from '@notify/schemas';
import { Kafka, logLevel } from 'kafkajs';

/** Each source topic and the consumer group that reads it (the runtime names groups notify.<processor>). */
export function pipelineSources(retryTiers: number): Array<{ topic: string; groupId: string }> {
  const sources = [
    { topic: Topics.requests.name, groupId: 'notify.ingest' },
    { topic: Topics.accepted.name, groupId: 'notify.enrichment' },
    { topic: Topics.enriched.name, groupId: 'notify.preference-filter' },
    { topic: Topics.filtered.name, groupId: 'notify.channel-router' },
    { topic: Topics.status.name, groupId: 'notify.status-tracker' },
    ...PROVIDERS.map((p) => ({ topic: dispatchTopic(p).name, groupId: `notify.sender-${p}` })),
  ];
  return sources.flatMap((s) => [s, ...Array.from({ length: retryTiers }, (_, i) => ({ topic: retryTopicName(s.topic, i + 1), groupId: s.groupId }))]);
}

export interface PendingRecords {
  total: number;
  byTopic: Record<string, number>;
}

export interface LagProbeOptions {
  brokers: string[];
  retryTiers: number;
  /** Whether a record key belongs to the run (tenant-keyed topics, or notification ids on the status topic). */
  belongs: (key: string) => boolean;
  /** How long to read after joining. */
  readMs?: number;
}

export async function pendingRecords(options: LagProbeOptions): Promise<PendingRecords> {
  const kafka = new Kafka({ clientId: 'chaos-lag-probe', brokers: options.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const probeGroup = `chaos-lag-probe-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const byTopic: Record<string, number> = {};
  let total = 0;
  try {
    const existing = new Set(await admin.listTopics());
    const sources = pipelineSources(options.retryTiers).filter((s) => existing.has(s.topic));
    // Where each pipeline group will read next, per topic and partition.
    const from = new Map<string, Map<number, bigint>>();
    for (const { topic, groupId } of sources) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      from.set(
        topic,
        new Map(
          ends.map((end) => {
            const c = committed?.partitions.find((p) => p.partition === end.partition);
            return [end.partition, BigInt(c && Number(c.offset) >= 0 ? c.offset : end.low)];
          }),
        ),
      );
    }
    const consumer = kafka.consumer({ groupId: probeGroup, readUncommitted: false, maxWaitTimeInMs: 200 });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topics: sources.map((s) => s.topic), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        // Records before a seek took effect are below the group's position: not pending.
        if (BigInt(message.offset) < (from.get(topic)?.get(partition) ?? 0n)) return;
        if (!options.belongs(message.key?.toString('utf8') ?? '')) return;
        byTopic[topic] = (byTopic[topic] ?? 0) + 1;
        total += 1;
      },
    });
    for (const [topic, partitions] of from) for (const [partition, offset] of partitions) consumer.seek({ topic, partition, offset: offset.toString() });
    await Promise.race([joined, new Promise((r) => setTimeout(r, 30_000))]);
    await new Promise((r) => setTimeout(r, options.readMs ?? 5_000));
    await consumer.disconnect();
    await admin.deleteGroups([probeGroup]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  return { total, byTopic };
}
