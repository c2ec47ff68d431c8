// Produces NotificationRequest records to notify.requests.v1 in transactions of `chunk` records. A chunk
// whose transaction fails (broker restarting) is produced again: ingest deduplicates by idempotency key,
// so a chunk that did commit before the error only yields duplicates that are answered as such. Keyed by
// tenant and request key, so requests spread over the topic's partitions.
import { AvroSerde, Headers, retryStep } from '@notify/runtime';
import { Topics, type NotificationRequest } from '@notify/schemas';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { PlannedRequest } from './workload.js';

export interface KafkaLoadOptions {
  brokers: string[];
  registryUrl: string;
  tenantId: string;
  chunk: number;
  scheduleDelayMs: number;
  pace: (count: number) => Promise<void>;
  onProduced: (request: PlannedRequest) => void;
  /** Longest time one chunk keeps being retried. */
  giveUpAfterMs?: number;
}

export interface KafkaLoadStats {
  transactions: number;
  failedTransactions: number;
  produced: number;
  gaveUp: string[];
}

const RETRY_MS = 2_000; // 2 s between attempts of a failed chunk

export async function runKafkaLoad(requests: readonly PlannedRequest[], options: KafkaLoadOptions): Promise<KafkaLoadStats> {
  const stats: KafkaLoadStats = { transactions: 0, failedTransactions: 0, produced: 0, gaveUp: [] };
  if (requests.length === 0) return stats;
  const giveUpAfterMs = options.giveUpAfterMs ?? 15 * 60_000; // 15 min
  const serde = new AvroSerde({ url: options.registryUrl });
  await retryStep('register schemas', () => serde.prepareOutputs([Topics.requests], true));
  const kafka = new Kafka({
    clientId: 'chaos-load',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
  let producer: Producer | undefined;
  const connect = async (): Promise<Producer> => {
    if (producer) return producer;
    const p = kafka.producer({ transactionalId: `chaos-load-${options.tenantId}`, idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    producer = p;
    return p;
  };
  const reset = async () => {
    const p = producer;
    producer = undefined;
    await p?.disconnect().catch(() => undefined);
  };

  try {
    for (let i = 0; i < requests.length; i += options.chunk) {
      const chunk = requests.slice(i, i + options.chunk);
      for (const r of chunk) await options.pace(r.recipients.length);
      const sentAt = Date.now();
      const messages = chunk.map((r) => {
        const value: NotificationRequest = {
          tenantId: options.tenantId,
          idempotencyKey: r.key,
          recipients: r.recipients,
          templateId: r.templateId,
          category: r.category,
          channels: r.channels,
          priority: 'NORMAL',
          data: r.data,
          scheduledFor: r.scheduled ? sentAt + options.scheduleDelayMs : null,
          expiresAt: null,
          requestedAt: sentAt,
          topics: [],
          digest: r.digest,
        };
        return { key: `${options.tenantId}:${r.key}`, value: serde.encode(Topics.requests, value), headers: { [Headers.REQUESTED_AT]: String(sentAt) } };
      });
      const firstTry = Date.now();
      for (;;) {
        stats.transactions += 1;
        try {
          const p = await connect();
          const txn = await p.transaction();
          try {
            await txn.send({ topic: Topics.requests.name, acks: -1, messages });
            await txn.commit();
          } catch (err) {
            await txn.abort().catch(() => undefined);
            throw err;
          }
          stats.produced += chunk.length;
          for (const r of chunk) options.onProduced(r);
          break;
        } catch {
          stats.failedTransactions += 1;
          await reset();
          if (Date.now() - firstTry > giveUpAfterMs) {
            stats.gaveUp.push(...chunk.map((r) => r.key));
            break;
          }
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
    }
  } finally {
    await reset();
  }
  return stats;
}
