export * from './errors.js';
export * from './headers.js';
export * from './metric-names.js';
export {
  bodySize,
  controlsEnv,
  httpEnv,
  loadConfig,
  mongoEnv,
  redisEnv,
  runtimeEnvSchema,
  schemaRegistryAuth,
  serviceEnvSchema,
  type RuntimeEnv,
  type ServiceEnv,
  type ServiceEnvSchema,
} from './config.js';
export { createLogger, type Logger } from './logger.js';
export { createMetricsRegistry, createRuntimeMetrics, type RuntimeMetrics } from './metrics.js';
export { createKafka } from './kafka-client.js';
export { AvroSerde } from './avro-serde.js';
export { output, type Output, type RecordContext, type InputRecord, type RecordHandler, type BatchHandler, type ProcessorDefinition } from './processor.js';
export { StreamProcessor, type StreamProcessorOptions } from './stream-processor.js';
export { OutputPublisher } from './output-publisher.js';
export { WriteCoalescer } from './write-coalescer.js';
export { ensureTopics, topicConfigs } from './topic-admin.js';
export { retryStep, type RetryStepOptions } from './retry-step.js';
export { nextRetryStep, type RetryStep } from './retry-policy.js';
export { childTraceparent, parseTraceparent } from './trace-context.js';
export { startAdminServer, type ReadinessCheck } from './admin-server.js';
export { runService, type ServiceContext, type RunningService, type ServiceOptions, type ServiceSetup } from './service.js';
export { statusOutput, deadLetteredStatus } from './status-output.js';
export { statusEvent, type StatusSubject } from '@notify/core';
export { connectMongo, connectRedis } from './store-clients.js';
export { CLOCK_OFFSET_KEY, systemClock, type Clock } from './clock.js';
export { isFenced, withTransactionRetry } from './transaction-retry.js';
export { commitTransaction, type TransactionContent } from './transactional-commit.js';
export { mapByKey } from './keyed-concurrency.js';
export { recordOrigin } from './record-origin.js';
