// Offers the planned requests through REST and Kafka at the same time, paced together, and records what
// was accepted: a REST request answered 202, a Kafka request whose transaction committed.
import { runKafkaLoad, type KafkaLoadStats } from './kafka-load.js';
import { runRestLoad, type RestLoadStats } from './rest-load.js';
import type { PlannedRequest, Workload } from './workload.js';

export interface LoadOptions {
  ingestUrl: string;
  apiKey: string;
  brokers: string[];
  registryUrl: string;
  restBatchSize: number;
  restConcurrency: number;
  kafkaChunk: number;
  /** Notifications per second; 0 for unbounded. */
  ratePerSecond: number;
  scheduleDelayMs: number;
  log: (msg: string) => void;
}

export interface LoadResult {
  startedAt: number;
  finishedAt: number;
  /** Keys of requests accepted (REST 202 or Kafka committed). */
  accepted: Set<string>;
  /** Notifications covered by accepted requests. */
  acceptedNotifications: number;
  /** REST answers whose notification ids differ from the ones computed from the request. */
  idMismatches: Array<{ key: string; answered: string[]; expected: string[] }>;
  rest: RestLoadStats;
  kafka: KafkaLoadStats;
}

/** A pacer shared by both paths: resolves when `count` more notifications fit in the rate. */
export function pacer(ratePerSecond: number): (count: number) => Promise<void> {
  if (ratePerSecond <= 0) return () => Promise.resolve();
  const started = Date.now();
  let offered = 0;
  return async (count) => {
    offered += count;
    const dueAt = started + (offered / ratePerSecond) * 1000;
    const wait = dueAt - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
}

export async function generateLoad(workload: Workload, options: LoadOptions, expectedIds: (r: PlannedRequest) => string[]): Promise<LoadResult> {
  const accepted = new Set<string>();
  const idMismatches: LoadResult['idMismatches'] = [];
  let acceptedNotifications = 0;
  let lastLog = Date.now();
  const total = workload.notifications.size;
  const progress = (r: PlannedRequest) => {
    if (accepted.has(r.key)) return;
    accepted.add(r.key);
    acceptedNotifications += r.recipients.length;
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      options.log(`load: ${acceptedNotifications}/${total} notifications accepted`);
    }
  };
  const pace = pacer(options.ratePerSecond);
  const startedAt = Date.now();
  const [rest, kafka] = await Promise.all([
    runRestLoad(
      workload.requests.filter((r) => r.via === 'REST'),
      {
        ingestUrl: options.ingestUrl,
        apiKey: options.apiKey,
        batchSize: options.restBatchSize,
        concurrency: options.restConcurrency,
        scheduleDelayMs: options.scheduleDelayMs,
        pace,
        onAccepted: (r, ids) => {
          const expected = expectedIds(r);
          if (ids.join() !== expected.join()) idMismatches.push({ key: r.key, answered: ids, expected });
          progress(r);
        },
      },
    ),
    runKafkaLoad(
      workload.requests.filter((r) => r.via === 'KAFKA'),
      {
        brokers: options.brokers,
        registryUrl: options.registryUrl,
        tenantId: workload.tenantId,
        chunk: options.kafkaChunk,
        scheduleDelayMs: options.scheduleDelayMs,
        pace,
        onProduced: progress,
      },
    ),
  ]);
  return { startedAt, finishedAt: Date.now(), accepted, acceptedNotifications, idMismatches, rest, kafka };
}
