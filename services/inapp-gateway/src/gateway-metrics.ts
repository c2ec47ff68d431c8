import { Counter, Gauge, type Registry } from 'prom-client';

export function createGatewayMetrics(registry: Registry) {
  return {
    sockets: new Gauge({ name: 'notify_inapp_sockets', help: 'Open in-app WebSockets on this replica', registers: [registry] }),
    connections: new Counter({
      name: 'notify_inapp_connections_total',
      help: 'WebSocket upgrade requests by outcome (accepted, or the HTTP status refused with)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    messages: new Counter({
      name: 'notify_inapp_messages_total',
      help: 'Messages handed to open sockets by outcome (sent, dropped for a slow consumer)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    closed: new Counter({
      name: 'notify_inapp_sockets_closed_total',
      help: 'Sockets closed by reason (client, dead: missed a heartbeat, slow: too much unsent, shutdown)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
