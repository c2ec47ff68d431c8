import { bodySize, httpEnv, mongoEnv, redisEnv } from '@notify/runtime';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

/** ingest's own variables (the runtime validates the common ones). */
export const ingestEnvSchema = z.object({
  ...httpEnv.shape,
  ...mongoEnv.shape,
  ...redisEnv.shape,
  /** Largest accepted JSON body; larger ones are answered 413. */
  BODY_LIMIT: bodySize.default('256kb'),
  /**
   * Largest accepted body of the topic subscriber routes: a full call, 10,000 user ids of up to 128
   * characters, is about 1.3 MB. Only ids are taken there, so nothing this large reaches Kafka.
   */
  SUBSCRIBERS_BODY_LIMIT: bodySize.default('2mb'),
  /**
   * Subscribers a broadcast expands per Kafka transaction, at least: whole subscriber buckets are read
   * until the page holds this many. Each page is one record of notify.broadcasts.v1.
   */
  BROADCAST_PAGE_SIZE: positiveInt.default(2_000), // recipients
  /** How long an idempotency claim stays exclusive before another caller may take it over. */
  IDEMPOTENCY_LEASE_MS: positiveInt.default(30_000), // 30 s
  /** How long an idempotency key and its first response are remembered. */
  IDEMPOTENCY_RETENTION_MS: positiveInt.default(24 * 60 * 60 * 1000), // 24 h
  /**
   * REST requests with at most this many recipients record their ACCEPTED events in the timeline before
   * answering (read-your-writes); larger ones appear when the status tracker records them. 0 for never.
   */
  TIMELINE_SYNC_MAX_RECIPIENTS: z.coerce.number().int().min(0).default(10),
  /**
   * Lifetime of cached recipients and templates (writes through the API invalidate them at once), and how
   * long a tenant found to exist is not looked up again.
   */
  CACHE_TTL_SECONDS: positiveInt.default(300), // 5 min
  /**
   * How long a verified API key's record is reused before it is read again: a key revoked through another
   * replica stops working at the latest this long after. 0 reads it for every request.
   */
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).default(10_000), // 10 s
  /** How often expired documents are deleted where the server cannot build TTL indexes. */
  TTL_SWEEP_INTERVAL_MS: positiveInt.default(60_000), // 1 min
});

export type IngestEnv = z.infer<typeof ingestEnvSchema>;
