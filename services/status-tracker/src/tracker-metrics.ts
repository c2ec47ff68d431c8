import { MetricNames } from '@notify/runtime';
import { Counter, type Registry } from 'prom-client';

export function createTrackerMetrics(registry: Registry) {
  return {
    /** New timeline entries (replays not counted). */
    statusEvents: new Counter({
      name: MetricNames.STATUS_EVENTS,
      help: 'Status events recorded into notification timelines, by status',
      labelNames: ['service', 'status'] as const,
      registers: [registry],
    }),
    callbacks: new Counter({
      name: MetricNames.PROVIDER_CALLBACKS,
      help: 'Provider delivery callbacks by provider and outcome (published, ignored, unmatched, rejected)',
      labelNames: ['provider', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type TrackerMetrics = ReturnType<typeof createTrackerMetrics>;
