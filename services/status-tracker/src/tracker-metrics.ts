import { MetricNames } from '@notify/runtime';
import type { NotificationStatusEvent } from '@notify/schemas';
import { Counter, type Registry } from 'prom-client';

export function createTrackerMetrics(registry: Registry) {
  return {
    /** New timeline entries (replays not counted). */
    statusEvents: new Counter({
      name: MetricNames.STATUS_EVENTS,
      help: 'Status events recorded into notification timelines, by status, provider and channel',
      labelNames: ['service', 'status', 'provider', 'channel'] as const,
      registers: [registry],
    }),
    failovers: new Counter({
      name: MetricNames.PROVIDER_FAILOVERS,
      help: 'Dispatches re-routed from a provider that could not deliver them to its fallback',
      labelNames: ['from', 'to'] as const,
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

/** Counts a status event newly recorded, and a failover when it is a re-dispatch to a fallback provider. */
export function recordEventMetrics(metrics: TrackerMetrics, service: string, event: NotificationStatusEvent): void {
  metrics.statusEvents.inc({ service, status: event.status, provider: event.provider ?? '', channel: event.channel ?? '' });
  const from = event.attributes?.failoverFrom;
  if (event.status === 'ROUTED' && from && event.provider) metrics.failovers.inc({ from, to: event.provider });
}
