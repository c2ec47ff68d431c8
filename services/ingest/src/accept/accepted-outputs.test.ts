import { Headers } from '@notify/runtime';
import { Topics, type Notification, type NotificationStatusEvent } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { acceptedOutputs } from './accepted-outputs.js';

const notification: Notification = {
  notificationId: 'n-1',
  tenantId: 'acme',
  userId: 'u:1',
  templateId: 'welcome',
  category: 'account',
  channels: [],
  priority: 'NORMAL',
  data: {},
  scheduledFor: null,
  expiresAt: null,
  requestedAt: 1_000,
  acceptedAt: 2_000,
  idempotencyKey: 'k',
  source: 'REST',
};
const event: NotificationStatusEvent = {
  notificationId: 'n-1',
  tenantId: 'acme',
  userId: 'u:1',
  status: 'ACCEPTED',
  stage: 'ingest',
  channel: null,
  provider: null,
  reason: null,
  providerMessageId: null,
  occurredAt: 2_000,
  attributes: { source: 'REST' },
};

describe('acceptedOutputs', () => {
  it('keys notifications by recipient and status events by notification id, stamping the request time', () => {
    const [accepted, status] = acceptedOutputs([notification], [event]);
    expect(accepted).toEqual({
      topic: Topics.accepted,
      key: 'acme:u:1',
      value: { notification },
      headers: { [Headers.REQUESTED_AT]: '1000' },
    });
    expect(status).toEqual({
      topic: Topics.status,
      key: 'n-1',
      value: event,
      headers: { [Headers.REQUESTED_AT]: '1000' },
    });
  });
});
