import { AvroSerde, Headers, retryStep } from '@notify/runtime';
import type { Notification, TopicSpec } from '@notify/schemas';
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';
import { stackEnv } from './stack-env.js';

export const kafka = new Kafka({ clientId: 'system-tests', brokers: stackEnv().KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });

export function acceptedSpec(name: string, partitions = 3): TopicSpec<'notification-accepted'> {
  return { name, schema: 'notification-accepted', key: 'recipient', partitions, retentionMs: 86_400_000 };
}

export function sampleNotification(i: number, data: Record<string, string> = {}): Notification {
  return {
    notificationId: `n-${i}`,
    tenantId: 't1',
    userId: `u-${i % 50}`,
    templateId: 'welcome',
    category: 'account',
    channels: ['EMAIL'],
    priority: 'NORMAL',
    data,
    scheduledFor: null,
    expiresAt: null,
    requestedAt: Date.now(),
    acceptedAt: Date.now(),
    idempotencyKey: `k-${i}`,
    source: 'KAFKA',
    digest: null,
  };
}

export async function createTopics(names: string[], partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  await admin.disconnect();
}

let serde: AvroSerde | undefined;
export async function testSerde(specs: TopicSpec[]): Promise<AvroSerde> {
  serde ??= new AvroSerde({ url: stackEnv().SCHEMA_REGISTRY_URL });
  const s = serde;
  await retryStep('register schemas', () => s.prepareOutputs(specs, true));
  return serde;
}

/** Produces records (Avro values, or raw bytes for poison) in chunks. */
export async function produce(
  topic: string,
  messages: Array<{ key: string; value: Buffer; headers?: IHeaders }>,
  chunk = 500,
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < messages.length; i += chunk) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
  }
  await producer.disconnect();
}

export function requestHeaders(): IHeaders {
  return { [Headers.REQUESTED_AT]: String(Date.now()) };
}

/**
 * Reads a topic from the beginning with a read_committed consumer until `expected` records arrived and
 * nothing new came for `idleMs` (so duplicates beyond the expected count are seen too), or the timeout.
 */
export async function readTopic(topic: string, expected: number, { idleMs = 3000, timeoutMs = 90_000 } = {}): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Math.random().toString(36).slice(2)}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: KafkaMessage[] = [];
  let last = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push(message);
      last = Date.now();
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (out.length < expected || Date.now() - last < idleMs)) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await consumer.disconnect();
  return out;
}

export function headerText(message: KafkaMessage, name: string): string | undefined {
  const v = message.headers?.[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return last === undefined ? undefined : last.toString();
}

/** Polls until `check` holds; `what` may be a function, to say how far it got when time ran out. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
}
