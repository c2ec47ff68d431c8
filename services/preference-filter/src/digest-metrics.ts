import { MetricNames } from '@notify/runtime';
import { Counter, type Registry } from 'prom-client';
import type { DigestCloseReason } from './domain/digest-notification.js';

export interface DigestMetrics {
  itemDigested(): void;
  digestClosed(reason: DigestCloseReason): void;
}

export function createDigestMetrics(registry: Registry): DigestMetrics {
  const items = new Counter({ name: MetricNames.DIGEST_ITEMS, help: 'Notifications collected into a digest window', registers: [registry] });
  const closed = new Counter({
    name: MetricNames.DIGESTS_CLOSED,
    help: 'Digest windows closed, each into one digest notification, by what closed them',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return {
    itemDigested: () => items.inc(),
    digestClosed: (reason) => closed.inc({ reason }),
  };
}
