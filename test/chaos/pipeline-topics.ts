// Creates every pipeline topic (with retry tiers and dead-letter topics) before the services start. On a
// fresh broker, services starting together race to create the same topics and some exit on the
// broker's UNKNOWN_TOPIC_OR_PARTITION answer while the others' creations settle; one creator avoids that.
import { ensureTopics, retryStep, topicConfigs } from '@notify/runtime';
import { allTopics } from '@notify/schemas';
import { Kafka, logLevel } from 'kafkajs';

export async function ensurePipelineTopics(brokers: string[], retryTiers: number): Promise<string[]> {
  const admin = new Kafka({ clientId: 'chaos-topics', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const wanted = allTopics().flatMap((t) => topicConfigs(t, retryTiers, true));
    return await retryStep('create topics', () => ensureTopics(admin, wanted));
  } finally {
    await admin.disconnect();
  }
}
