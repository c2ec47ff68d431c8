import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { MetricNames } from './metric-names.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The runtime's metrics, created on a registry the service owns and passed to whatever records them. */
export function createRuntimeMetrics(registry: Registry) {
  const opts = { registers: [registry] };
  return {
    registry,
    processed: new Counter({
      name: MetricNames.RECORDS_PROCESSED,
      help: 'Records handled, by outcome',
      labelNames: ['service', 'topic', 'outcome'] as const,
      ...opts,
    }),
    failed: new Counter({
      name: MetricNames.RECORDS_FAILED,
      help: 'Records whose processing failed, by error code',
      labelNames: ['service', 'topic', 'code'] as const,
      ...opts,
    }),
    retried: new Counter({
      name: MetricNames.RECORDS_RETRIED,
      help: 'Records sent to a retry tier',
      labelNames: ['service', 'topic', 'tier'] as const,
      ...opts,
    }),
    deadLettered: new Counter({
      name: MetricNames.RECORDS_DEAD_LETTERED,
      help: 'Records sent to a dead-letter topic',
      labelNames: ['service', 'topic', 'code'] as const,
      ...opts,
    }),
    batchDuration: new Histogram({
      name: MetricNames.BATCH_DURATION,
      help: 'Time to process one fetched batch',
      labelNames: ['service'] as const,
      buckets: LATENCY_BUCKETS,
      ...opts,
    }),
    transactionDuration: new Histogram({
      name: MetricNames.TRANSACTION_DURATION,
      help: 'Time from transaction begin to commit or abort',
      labelNames: ['service', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      ...opts,
    }),
    transactionRecords: new Histogram({
      name: MetricNames.TRANSACTION_RECORDS,
      help: 'Input records whose offsets one transaction (or offset commit) committed',
      labelNames: ['service'] as const,
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      ...opts,
    }),
    mongoCommands: new Counter({
      name: MetricNames.MONGODB_COMMANDS,
      help: 'Commands sent to MongoDB, by command name',
      labelNames: ['service', 'command'] as const,
      ...opts,
    }),
    consumerLag: new Gauge({
      name: MetricNames.CONSUMER_LAG,
      help: 'Records between the group committed offset and the partition end',
      labelNames: ['service', 'topic', 'partition'] as const,
      ...opts,
    }),
    e2eLatency: new Histogram({
      name: MetricNames.E2E_LATENCY,
      help: 'Seconds from the upstream request to this stage output',
      labelNames: ['service', 'stage'] as const,
      buckets: LATENCY_BUCKETS,
      ...opts,
    }),
    groupJoined: new Gauge({
      name: MetricNames.GROUP_JOINED,
      help: '1 while the consumer group is joined',
      labelNames: ['service'] as const,
      ...opts,
    }),
  };
}

export type RuntimeMetrics = ReturnType<typeof createRuntimeMetrics>;

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
