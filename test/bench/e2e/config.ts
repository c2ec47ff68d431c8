import { loadConfig, runtimeEnvSchema } from '@notify/runtime';

export interface E2eConfig {
  /** Response latency of the provider emulators, ms. */
  providerLatencyMs: number;
  /** Offered loads for the latency phases, notifications/s (those above a path's saturation are skipped). */
  rates: number[];
  /** Also measure latency at each path's own saturation rate. */
  loadAtSaturation: boolean;
  /** How long each fixed-load phase sends. */
  loadSeconds: number;
  /** How long each saturation phase runs; the first `saturationWarmupSeconds` of it are not counted. */
  saturationSeconds: number;
  saturationWarmupSeconds: number;
  /** Notifications sent but not yet accepted by the provider that a saturating client keeps at most. */
  window: number;
  /** REST saturation: concurrent clients, each posting batches of this many requests. */
  restClients: number;
  restBatch: number;
  /** How long the notifications of a phase may take to arrive after it stopped sending. */
  drainTimeoutMs: number;
  /** Recipients the requests are spread over. */
  recipients: number;
  partitionsConcurrency: number;
  transactionMaxRecords: number;
  /** Launch every service of the pipeline, not only those on the measured path. */
  allServices: boolean;
  /** The reference chain: bare kafkajs relays in a row, and records pushed through it. */
  relayHops: number;
  relayRecords: number;
  relayPartitions: number;
  relayTimeoutMs: number;
  /**
   * Run the services against a database and a Redis keyspace of this run's own (same servers), so that
   * data other runs left behind, and their circuit breakers and controls, do not weigh on the figures.
   */
  ownStores: boolean;
  /** The Redis database index used when ownStores. */
  redisDb: number;
  /** How long to wait for another pipeline on the broker (same consumer groups) to stop before starting. */
  exclusiveWaitMs: number;
  /** Run the status tracker (off the measured path, but a heavy user of MongoDB). */
  statusTracker: boolean;
  /**
   * Run the services' built JavaScript with plain Node, as the container image does (built first, cached
   * by turbo); false runs their TypeScript sources through tsx.
   */
  compiled: boolean;
  /** Extra variables per service, e.g. {"sender-inapp":{"SEND_CONCURRENCY":"4"}}. */
  serviceEnv: Record<string, Record<string, string>>;
  /** Retry tiers of each input topic (the runtime's default RETRY_DELAYS_MS). */
  retryTiers: number;
  /** Which paths to measure. */
  paths: Array<'rest' | 'kafka'>;
}

/** An integer variable of at least `min`, `fallback` when unset; throws naming it when it is not. */
export function positiveInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  return n;
}

function intList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`${name} must be comma-separated positive integers (got "${raw}")`);
  return list;
}

/** The runtime's own default, so the benchmark follows it when it changes. */
function runtimeDefault<K extends 'PARTITIONS_CONCURRENCY' | 'TRANSACTION_MAX_RECORDS'>(key: K): number {
  return loadConfig(runtimeEnvSchema, {
    KAFKA_BROKERS: 'localhost:9092',
    SCHEMA_REGISTRY_URL: 'http://localhost',
  })[key];
}

/** Retry tiers of each input topic under the runtime's default RETRY_DELAYS_MS. */
export function defaultRetryTiers(): number {
  return loadConfig(runtimeEnvSchema, {
    KAFKA_BROKERS: 'localhost:9092',
    SCHEMA_REGISTRY_URL: 'http://localhost',
  }).RETRY_DELAYS_MS.length;
}

/** Reads BENCH_* variables; throws naming the first bad one. */
export function loadE2eConfig(): E2eConfig {
  const paths = (process.env.BENCH_PATHS ?? 'rest,kafka').split(',').map((s) => s.trim());
  if (paths.some((p) => p !== 'rest' && p !== 'kafka'))
    throw new Error(`BENCH_PATHS must list rest and/or kafka (got "${process.env.BENCH_PATHS}")`);
  return {
    providerLatencyMs: positiveInt('BENCH_PROVIDER_LATENCY_MS', 50, 0),
    rates: intList('BENCH_RATES', [100, 500, 1_000]),
    loadAtSaturation: process.env.BENCH_LOAD_AT_SATURATION !== 'false',
    loadSeconds: positiveInt('BENCH_LOAD_SECONDS', 12),
    saturationSeconds: positiveInt('BENCH_SATURATION_SECONDS', 30),
    saturationWarmupSeconds: positiveInt('BENCH_SATURATION_WARMUP_SECONDS', 8, 0),
    window: positiveInt('BENCH_WINDOW', 1_500),
    restClients: positiveInt('BENCH_REST_CLIENTS', 8),
    restBatch: positiveInt('BENCH_REST_BATCH', 50),
    drainTimeoutMs: positiveInt('BENCH_DRAIN_TIMEOUT_MS', 60_000), // 1 min
    recipients: positiveInt('BENCH_RECIPIENTS', 600),
    partitionsConcurrency: positiveInt(
      'BENCH_PARTITIONS_CONCURRENCY',
      runtimeDefault('PARTITIONS_CONCURRENCY'),
    ),
    transactionMaxRecords: positiveInt(
      'BENCH_TRANSACTION_MAX_RECORDS',
      runtimeDefault('TRANSACTION_MAX_RECORDS'),
    ),
    allServices: process.env.BENCH_ALL_SERVICES === 'true',
    relayHops: positiveInt('BENCH_RELAY_HOPS', 5),
    relayRecords: positiveInt('BENCH_RELAY_RECORDS', 30_000),
    relayPartitions: 12,
    relayTimeoutMs: positiveInt('BENCH_RELAY_TIMEOUT_MS', 180_000), // 3 min
    ownStores: process.env.BENCH_SHARED_STORES !== 'true',
    redisDb: positiveInt('BENCH_REDIS_DB', 9, 0),
    exclusiveWaitMs: positiveInt('BENCH_EXCLUSIVE_WAIT_MS', 600_000, 0), // 10 min
    statusTracker: process.env.BENCH_STATUS_TRACKER !== 'false',
    compiled: process.env.BENCH_COMPILED !== 'false',
    serviceEnv: serviceEnvFrom(process.env.BENCH_SERVICE_ENV),
    retryTiers: defaultRetryTiers(),
    paths: paths as Array<'rest' | 'kafka'>,
  };
}

function serviceEnvFrom(raw: string | undefined): Record<string, Record<string, string>> {
  if (raw === undefined || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`BENCH_SERVICE_ENV must be JSON (got "${raw}")`);
  }
  const ok =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.values(parsed).every(
      (v) => typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'string'),
    );
  if (!ok) throw new Error('BENCH_SERVICE_ENV must map service names to objects of string variables');
  return parsed as Record<string, Record<string, string>>;
}
