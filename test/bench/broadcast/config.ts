import { defaultRetryTiers, positiveInt } from '../e2e/config.js';

export interface BroadcastBenchConfig {
  /** Subscribers of the broadcast topic. */
  subscribers: number;
  /** User ids per PUT /v1/topics/:topicId/subscribers call (the API's maximum). */
  subscribeBatch: number;
  /** ingest's BROADCAST_PAGE_SIZE; its own default when unset. */
  pageSize: number | undefined;
  /** Run ingest's built JavaScript, as the container image does; false runs its sources through tsx. */
  compiled: boolean;
  /** The Redis database index of the run's own keyspace. */
  redisDb: number;
  /** How long the expansion may take after the POST before the run gives up. */
  expansionTimeoutMs: number;
  /** Retry tiers of each input topic (the runtime's default RETRY_DELAYS_MS). */
  retryTiers: number;
}

/** Reads SUBSCRIBERS and the BENCH_* variables; throws naming the first bad one. */
export function loadBroadcastConfig(): BroadcastBenchConfig {
  const pageSize = process.env.BROADCAST_PAGE_SIZE ? positiveInt('BROADCAST_PAGE_SIZE', 1) : undefined;
  return {
    subscribers: positiveInt('SUBSCRIBERS', 1_000_000),
    subscribeBatch: positiveInt('BENCH_SUBSCRIBE_BATCH', 10_000),
    pageSize,
    compiled: process.env.BENCH_COMPILED !== 'false',
    redisDb: positiveInt('BENCH_REDIS_DB', 9, 0),
    expansionTimeoutMs: positiveInt('BENCH_EXPANSION_TIMEOUT_MS', 30 * 60_000), // 30 min
    retryTiers: defaultRetryTiers(),
  };
}
