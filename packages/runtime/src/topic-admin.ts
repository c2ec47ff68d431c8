import type { Admin, ITopicConfig } from 'kafkajs';
import { dlqTopicName, retryTopicName, type TopicSpec } from '@notify/schemas';

const DLQ_RETENTION_MS = 30 * 24 * 60 * 60 * 1000; // 30 days: long enough to notice and replay

/** The topic itself plus, for a consumed topic, its retry tiers and dead-letter topic. */
export function topicConfigs(spec: TopicSpec, retryTiers: number, consumed: boolean): ITopicConfig[] {
  const base = (name: string, retentionMs: number): ITopicConfig => ({
    topic: name,
    numPartitions: spec.partitions,
    configEntries: [
      { name: 'retention.ms', value: String(retentionMs) },
      { name: 'cleanup.policy', value: 'delete' },
    ],
  });
  const topics = [base(spec.name, spec.retentionMs)];
  if (consumed) {
    for (let tier = 1; tier <= retryTiers; tier++) topics.push(base(retryTopicName(spec.name, tier), spec.retentionMs));
    topics.push(base(dlqTopicName(spec.name), DLQ_RETENTION_MS));
  }
  return topics;
}

/**
 * Creates missing topics; existing ones are left as they are (partition counts are never shrunk). Returns
 * once the broker serves metadata for every topic asked for (it may not, for a moment, for topics another
 * replica has just created), or throws the broker's answer for the caller to retry.
 */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[]): Promise<string[]> {
  const wanted = dedupe(topics);
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    try {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    } catch (err) {
      // Another replica may have created them at the same moment.
      if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
    }
  }
  await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.topic) });
  return missing.map((t) => t.topic);
}

function dedupe(topics: ITopicConfig[]): ITopicConfig[] {
  const seen = new Map<string, ITopicConfig>();
  for (const t of topics) if (!seen.has(t.topic)) seen.set(t.topic, t);
  return [...seen.values()];
}
