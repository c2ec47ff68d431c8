import { MetricNames } from '@notify/runtime';
import { Gauge, Histogram, type Registry } from 'prom-client';

export function createSenderMetrics(registry: Registry) {
  return {
    providerLatency: new Histogram({
      name: MetricNames.PROVIDER_REQUEST_DURATION,
      help: 'Provider call latency by provider and outcome (ok or error code)',
      labelNames: ['provider', 'status'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    circuitState: new Gauge({
      name: MetricNames.PROVIDER_CIRCUIT_STATE,
      help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
  };
}

export type SenderMetrics = ReturnType<typeof createSenderMetrics>;
