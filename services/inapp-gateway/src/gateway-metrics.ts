import { MetricNames } from '@notify/runtime';
import { Counter, Gauge, type Registry } from 'prom-client';

export function createGatewayMetrics(registry: Registry) {
  return {
    sockets: new Gauge({ name: MetricNames.INAPP_SOCKETS, help: 'Open in-app WebSockets on this replica', registers: [registry] }),
    connections: new Counter({
      name: MetricNames.INAPP_CONNECTIONS,
      help: 'WebSocket upgrade requests by outcome (accepted, or the HTTP status refused with)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    messages: new Counter({
      name: MetricNames.INAPP_MESSAGES,
      help: 'Messages handed to open sockets by outcome (sent, dropped for a slow consumer)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    closed: new Counter({
      name: MetricNames.INAPP_SOCKETS_CLOSED,
      help: 'Sockets closed by reason (client, dead: missed a heartbeat, slow: too much unsent, shutdown)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
