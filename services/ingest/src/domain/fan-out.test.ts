import { describe, expect, it } from 'vitest';
import { fanOut } from './fan-out.js';
import { notificationId } from './notification-id.js';
import type { NormalizedRequest } from './request-schema.js';

const request: NormalizedRequest = {
  tenantId: 'acme',
  idempotencyKey: 'order-42',
  recipients: ['u1', 'u2', 'u3'],
  templateId: 'receipt',
  category: 'billing',
  channels: ['EMAIL'],
  priority: 'HIGH',
  data: { orderId: '42' },
  scheduledFor: null,
  expiresAt: 9_000,
  requestedAt: 1_000,
  topics: [],
  digest: null,
};

describe('fanOut', () => {
  it('makes one notification per recipient, in order, with deterministic ids', () => {
    const notifications = fanOut(request, { acceptedAt: 2_000, source: 'REST' });
    expect(notifications.map((n) => n.userId)).toEqual(['u1', 'u2', 'u3']);
    expect(notifications[1]).toEqual({
      notificationId: notificationId('acme', 'order-42', 'u2'),
      tenantId: 'acme',
      userId: 'u2',
      templateId: 'receipt',
      category: 'billing',
      channels: ['EMAIL'],
      priority: 'HIGH',
      data: { orderId: '42' },
      scheduledFor: null,
      expiresAt: 9_000,
      requestedAt: 1_000,
      acceptedAt: 2_000,
      idempotencyKey: 'order-42',
      source: 'REST',
      digest: null,
    });
  });

  it('gives a retried request the same ids', () => {
    const first = fanOut(request, { acceptedAt: 2_000, source: 'KAFKA' }).map((n) => n.notificationId);
    const retry = fanOut(request, { acceptedAt: 5_000, source: 'KAFKA' }).map((n) => n.notificationId);
    expect(retry).toEqual(first);
    expect(new Set(first).size).toBe(3);
  });

  it('does not share mutable state between notifications', () => {
    const [a, b] = fanOut(request, { acceptedAt: 2_000, source: 'REST' });
    a!.data.extra = 'x';
    a!.channels.push('SMS');
    expect(b!.data).toEqual({ orderId: '42' });
    expect(request.channels).toEqual(['EMAIL']);
  });
});
