import type { SchemaValueTypes, TopicSpec } from '@notify/schemas';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { startAdminServer, type AdminServer, type ReadinessCheck } from './admin-server.js';
import { AvroSerde } from './avro-serde.js';
import { loadConfig, schemaRegistryAuth, serviceEnvSchema, type RuntimeEnv, type ServiceEnv, type ServiceEnvSchema } from './config.js';
import { redisOffsetClock, systemClock } from './clock.js';
import { ConfigError, ValidationError } from './errors.js';
import { createKafka } from './kafka-client.js';
import { startLagMonitor } from './lag-monitor.js';
import { createLogger } from './logger.js';
import { createMetricsRegistry, createRuntimeMetrics, type RuntimeMetrics } from './metrics.js';
import { OutputPublisher } from './output-publisher.js';
import type { ProcessorDefinition } from './processor.js';
import { StreamProcessor } from './stream-processor.js';
import { retryStep } from './retry-step.js';
import { ensureTopics, topicConfigs } from './topic-admin.js';

export interface ServiceContext<E extends RuntimeEnv = RuntimeEnv> {
  name: string;
  /** The runtime's variables and the service's own, parsed once at start-up. */
  env: E;
  logger: Logger;
  registry: Registry;
  metrics: RuntimeMetrics;
  kafka: Kafka;
  serde: AvroSerde;
  /** The service's clock: the system clock, or a test-controlled one (CLOCK_OFFSET_REDIS_URL). */
  now(): number;
  /** Adds a consume-process-produce loop; started after setup returns. */
  addProcessor<S extends keyof SchemaValueTypes>(def: ProcessorDefinition<S>): StreamProcessor<S>;
  /** A publisher for outputs produced outside a consume loop; topics are prepared at start-up. */
  publisher(outputs: TopicSpec[]): OutputPublisher;
  addReadinessCheck(name: string, check: ReadinessCheck): void;
  /** Runs on shutdown, after the processors stopped, in reverse order of registration. */
  onShutdown(close: () => Promise<void> | void): void;
  /** Runs once everything is started (e.g. to open an HTTP listener last). */
  onStarted(start: () => Promise<void> | void): void;
}

export interface RunningService<E extends RuntimeEnv = RuntimeEnv> {
  ctx: ServiceContext<E>;
  adminPort: number;
  shutdown(reason: string): Promise<void>;
}

export type ServiceSetup<E extends RuntimeEnv> = (ctx: ServiceContext<E>) => Promise<void> | void;

export interface ServiceOptions<E extends RuntimeEnv> {
  env?: NodeJS.ProcessEnv;
  exitOnShutdown?: boolean;
  /** The name the service runs under when its config decides it (the sender's provider); `name` still prefixes config errors. */
  nameFromEnv?: (env: E) => string;
}

/**
 * The composition root's only call: validated config, logger, metrics, Kafka, serde, topics, admin
 * endpoints, processors and graceful shutdown. `schema` holds the service's own variables (none when left
 * out); `setup` wires the service's domain to topics.
 */
export function runService(name: string, setup: ServiceSetup<RuntimeEnv>, options?: ServiceOptions<RuntimeEnv>): Promise<RunningService>;
export function runService<S extends ServiceEnvSchema>(
  name: string,
  schema: S,
  setup: ServiceSetup<ServiceEnv<S>>,
  options?: ServiceOptions<ServiceEnv<S>>,
): Promise<RunningService<ServiceEnv<S>>>;
export function runService(
  name: string,
  schemaOrSetup: ServiceEnvSchema | ServiceSetup<RuntimeEnv>,
  setupOrOptions?: ServiceSetup<RuntimeEnv> | ServiceOptions<RuntimeEnv>,
  options?: ServiceOptions<RuntimeEnv>,
): Promise<RunningService> {
  if (typeof schemaOrSetup === 'function') {
    return startService(name, z.object({}), schemaOrSetup, (setupOrOptions as ServiceOptions<RuntimeEnv> | undefined) ?? {});
  }
  return startService(name, schemaOrSetup, setupOrOptions as ServiceSetup<RuntimeEnv>, options ?? {});
}

async function startService<S extends ServiceEnvSchema>(
  serviceName: string,
  schema: S,
  setup: ServiceSetup<ServiceEnv<S>>,
  options: ServiceOptions<ServiceEnv<S>>,
): Promise<RunningService<ServiceEnv<S>>> {
  let env: ServiceEnv<S>;
  try {
    env = loadConfig(serviceEnvSchema(schema), options.env ?? process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${serviceName}: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const name = options.nameFromEnv?.(env) ?? serviceName;
  const exitOnShutdown = options.exitOnShutdown ?? true;
  const logger = createLogger(name, env.LOG_LEVEL);
  const registry = createMetricsRegistry(name);
  const metrics = createRuntimeMetrics(registry);
  const kafka = createKafka(env, name, logger);
  const serde = new AvroSerde({ url: env.SCHEMA_REGISTRY_URL, ...schemaRegistryAuth(env) });

  const clock = env.CLOCK_OFFSET_REDIS_URL ? await redisOffsetClock(env.CLOCK_OFFSET_REDIS_URL, logger) : systemClock;
  const processors: StreamProcessor<keyof SchemaValueTypes>[] = [];
  const publisherTopics: TopicSpec[] = [];
  const producers: Producer[] = [];
  const checks: Record<string, ReadinessCheck> = {};
  const closers: Array<() => Promise<void> | void> = [];
  const starters: Array<() => Promise<void> | void> = [];
  let shuttingDown: Promise<void> | undefined;
  const started: { admin?: AdminServer } = {};
  const kafkaAdmin: Admin = kafka.admin();
  const stopLag: Array<() => void> = [];

  const fatal = (err: Error) => {
    logger.fatal({ err }, 'fatal error; shutting down');
    void shutdown('fatal', 1);
  };

  const ctx: ServiceContext<ServiceEnv<S>> = {
    name,
    env,
    logger,
    registry,
    metrics,
    kafka,
    serde,
    now: () => clock.now(),
    addProcessor(def) {
      const p = new StreamProcessor(def, {
        service: name,
        kafka,
        serde,
        logger,
        metrics,
        retryDelaysMs: env.RETRY_DELAYS_MS,
        maxRecordsPerTransaction: env.TRANSACTION_MAX_RECORDS,
        // The pid tells apart replicas sharing a host name; a container restarted in its pod keeps both.
        instanceId: `${env.INSTANCE_ID}-${process.pid}`,
        transactionTimeoutMs: env.TRANSACTION_TIMEOUT_MS,
        transactionLingerMs: env.TRANSACTION_LINGER_MS,
        partitionsConcurrency: env.PARTITIONS_CONCURRENCY,
        fetch: { minBytes: env.FETCH_MIN_BYTES, maxWaitTimeInMs: env.FETCH_MAX_WAIT_MS, maxBytes: env.FETCH_MAX_BYTES },
        sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
        sliceStallMs: env.SLICE_STALL_MS,
        dependencyOutageRestartMs: env.DEPENDENCY_OUTAGE_RESTART_MS,
        onFatal: fatal,
        clock: () => clock.now(),
      });
      processors.push(p as unknown as StreamProcessor<keyof SchemaValueTypes>);
      return p;
    },
    publisher(outputs) {
      publisherTopics.push(...outputs);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      producers.push(producer);
      return new OutputPublisher(producer, serde);
    },
    addReadinessCheck(checkName, check) {
      checks[checkName] = check;
    },
    onShutdown(close) {
      closers.push(close);
    },
    onStarted(start) {
      starters.push(start);
    },
  };

  async function shutdown(reason: string, code = 0): Promise<void> {
    if (shuttingDown) return shuttingDown;
    shuttingDown = (async () => {
      logger.info({ reason }, 'shutting down');
      const force = setTimeout(() => {
        logger.error({ graceMs: env.SHUTDOWN_GRACE_MS }, 'shutdown exceeded its grace period');
        if (exitOnShutdown) process.exit(1);
      }, env.SHUTDOWN_GRACE_MS);
      force.unref();
      for (const stop of stopLag) stop();
      for (const p of processors) await p.stop().catch((err: unknown) => logger.warn({ err }, 'processor stop failed'));
      for (const close of [...closers].reverse()) await Promise.resolve(close()).catch((err: unknown) => logger.warn({ err }, 'close failed'));
      for (const producer of producers) await producer.disconnect().catch(() => undefined);
      await kafkaAdmin.disconnect().catch(() => undefined);
      await started.admin?.close();
      clock.stop();
      clearTimeout(force);
      logger.info('stopped');
      if (exitOnShutdown) process.exit(code);
    })();
    return shuttingDown;
  }

  if (exitOnShutdown) {
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.on('unhandledRejection', (err) => fatal(err instanceof Error ? err : new Error(String(err))));
  }

  try {
    await setup(ctx);
  } catch (err) {
    // A service that cannot wire itself (bad config, unreachable store at start-up) stops with the reason.
    const message = err instanceof ConfigError || err instanceof ValidationError ? err.message : String((err as Error)?.stack ?? err);
    console.error(`${name}: cannot start: ${message}`);
    if (exitOnShutdown) process.exit(1);
    throw err;
  }

  await kafkaAdmin.connect();
  if (env.KAFKA_CREATE_TOPICS) {
    const retryTiers = env.RETRY_DELAYS_MS.length;
    const wanted = [
      ...processors.flatMap((p) => [...topicConfigs(p.definition.input, retryTiers, true), ...p.definition.outputs.flatMap((o) => topicConfigs(o, retryTiers, false))]),
      ...publisherTopics.flatMap((o) => topicConfigs(o, retryTiers, false)),
    ];
    const created = await retryStep('create topics', () => ensureTopics(kafkaAdmin, wanted), logger);
    if (created.length) logger.info({ topics: created }, 'created topics');
  }
  const outputTopics = [...processors.flatMap((p) => p.definition.outputs), ...publisherTopics];
  await retryStep('register schemas', () => serde.prepareOutputs(outputTopics, env.SCHEMA_REGISTRY_AUTO_REGISTER), logger);

  for (const producer of producers) await producer.connect();
  checks.kafka = () => processors.every((p) => p.isReady());
  const admin = await startAdminServer(env.ADMIN_PORT, registry, checks);
  started.admin = admin;
  for (const p of processors) {
    await p.start();
    stopLag.push(startLagMonitor(kafkaAdmin, p.groupId, p.inputTopics, metrics, name, env.LAG_INTERVAL_MS, logger));
  }
  for (const start of starters) await start();
  logger.info({ adminPort: admin.port, processors: processors.map((p) => p.groupId) }, 'started');
  return { ctx, adminPort: admin.port, shutdown: (reason) => shutdown(reason) };
}
