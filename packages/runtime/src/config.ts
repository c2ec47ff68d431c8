import os from 'node:os';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Reads configuration from environment variables through a zod schema. Every bad or missing variable is
 * reported at once, by name; values are never echoed (they may be secrets).
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    return `${name}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

const csv = z
  .string()
  .min(1)
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65_535);

/** MongoDB, for the services that keep state there. */
export const mongoEnv = z.object({
  MONGODB_URI: z.string().min(1),
});

/** Redis: caches, claims, rate limits, runtime controls and circuit states. */
export const redisEnv = z.object({
  REDIS_URL: z.string().min(1),
});

/** The services with HTTP endpoints of their own (ingest, status-tracker, inapp-gateway). */
export const httpEnv = z.object({
  /**
   * Port of the service's public endpoints (ingest's REST API, the status tracker's provider callbacks, the
   * in-app gateway's WebSocket and inbox API); health and metrics stay on ADMIN_PORT.
   */
  HTTP_PORT: port.default(8080),
});

/** The services that follow the runtime controls (kill switches, rollout) and circuit states in Redis. */
export const controlsEnv = z.object({
  /** How often the controls and circuit states are read again. */
  CONTROLS_REFRESH_MS: z.coerce.number().int().positive().default(2_000), // 2 s
});

/** A request body size limit in the units the body parser reads, e.g. 256kb or 5mb. */
export const bodySize = z.string().regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 256kb or 5mb');

/** Variables every service reads. */
export const runtimeEnvSchema = z.object({
  KAFKA_BROKERS: csv,
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SSL: bool.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  SCHEMA_REGISTRY_URL: z.url(),
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  /** Register output schemas at start-up; when false they must already exist in the registry. */
  SCHEMA_REGISTRY_AUTO_REGISTER: bool.default(true),
  /** Create topics (with retry and DLQ topics) at start-up. */
  KAFKA_CREATE_TOPICS: bool.default(true),
  /** Names this replica (the pod name) in claims it holds, e.g. the sender's delivery claims. */
  INSTANCE_ID: z.string().min(1).default(os.hostname()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ADMIN_PORT: port.default(9464),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(25_000), // 25 s, under the pod's 30 s grace
  /** Delay of each retry tier, e.g. "1000,10000,60000" for 1 s, 10 s and 1 min. */
  RETRY_DELAYS_MS: z
    .string()
    .default('1000,10000,60000')
    .transform((s, ctx) => {
      const delays = s.split(',').map((x) => Number(x.trim()));
      if (delays.some((d) => !Number.isInteger(d) || d < 0)) {
        ctx.addIssue({ code: 'custom', message: 'expected comma-separated non-negative integers (milliseconds)' });
        return z.NEVER;
      }
      return delays;
    }),
  /** Records per slice of one partition; a fetched batch larger than this is committed in parts. */
  TRANSACTION_MAX_RECORDS: z.coerce.number().int().positive().default(500),
  /** The longest a ready slice waits for the replica's other partitions' slices, to share their transaction. */
  TRANSACTION_LINGER_MS: z.coerce.number().int().min(0).max(5_000).default(10), // 10 ms
  /**
   * The broker aborts a transaction left open this long: how long a crashed replica's unfinished
   * transaction holds back read_committed readers of the partitions it wrote to.
   */
  TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(900_000).default(15_000), // 15 s
  /** A slice none of whose records finished for this long (a handler that never returns) restarts the service. */
  SLICE_STALL_MS: z.coerce.number().int().positive().default(120_000), // 2 min
  /** Slices failing for an unavailable store this long, none committed meanwhile, restart the service (a fresh client). */
  DEPENDENCY_OUTAGE_RESTART_MS: z.coerce.number().int().positive().default(60_000), // 1 min
  /**
   * A fetch waits (up to FETCH_MAX_WAIT_MS) until this many bytes of committed records are there. One byte:
   * a hop forwards what is there at once; under load a fetch still brings everything that arrived while the
   * previous round was processed, and the replica's partitions share a transaction anyway.
   */
  FETCH_MIN_BYTES: z.coerce.number().int().min(1).default(1), // 1 byte: no waiting for more
  /**
   * The most a fetch brings back: a lagging stage holds that much of decoded records at once, so it sets
   * its memory at load more than anything else.
   */
  FETCH_MAX_BYTES: z.coerce.number().int().min(65_536).default(10_485_760), // 10 MiB, kafkajs' default
  /** The longest the broker holds a fetch for FETCH_MIN_BYTES: how often an idle stage asks again, or (above one byte) the latency a quiet hop adds. */
  FETCH_MAX_WAIT_MS: z.coerce.number().int().min(0).max(5_000).default(50), // 50 ms
  /**
   * A member that sends no heartbeat for this long is evicted from its consumer group and its partitions
   * move on; whatever it still tries to commit for them is fenced.
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000), // 30 s
  /** Partitions processed concurrently per processor; the slices ready together share a transaction. */
  PARTITIONS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(12), // a topic's default partition count
  /** Tests and demos only: a Redis URL whose key notify:clock:offset-ms shifts this service's clock. */
  CLOCK_OFFSET_REDIS_URL: z.string().optional(),
  /** How often consumer lag is measured. */
  LAG_INTERVAL_MS: z.coerce.number().int().positive().default(15_000), // 15 s
}).superRefine((env, ctx) => {
  if (env.KAFKA_SASL_MECHANISM && (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD)) {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: `required when KAFKA_SASL_MECHANISM is set` });
    }
  }
  // Run even when other variables failed, so every problem is reported in one go.
}, { when: () => true });

export type RuntimeEnv = z.infer<typeof runtimeEnvSchema>;

/** A service's own variables: a zod object, composed of the fragments above where they apply. */
export type ServiceEnvSchema = z.ZodObject;

export type ServiceEnv<S extends ServiceEnvSchema> = RuntimeEnv & z.output<S>;

/**
 * The runtime's variables and a service's own in one schema, so that one parse reports every problem of
 * both. A variable has one home: a service schema may not declare one the runtime reads.
 */
export function serviceEnvSchema<S extends ServiceEnvSchema>(service: S) {
  const redeclared = Object.keys(service.shape).filter((name) => name in runtimeEnvSchema.shape);
  if (redeclared.length) throw new Error(`service config redeclares runtime variables: ${redeclared.join(', ')}`);
  return z.intersection(runtimeEnvSchema, service);
}

/** Basic auth for the schema registry, when SCHEMA_REGISTRY_USERNAME is set. */
export function schemaRegistryAuth(
  env: Pick<RuntimeEnv, 'SCHEMA_REGISTRY_USERNAME' | 'SCHEMA_REGISTRY_PASSWORD'>,
): { username: string; password: string } | undefined {
  return env.SCHEMA_REGISTRY_USERNAME ? { username: env.SCHEMA_REGISTRY_USERNAME, password: env.SCHEMA_REGISTRY_PASSWORD ?? '' } : undefined;
}
