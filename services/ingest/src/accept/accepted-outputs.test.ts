import { Headers } from '@notify/runtime';
import { Topics, type Notification, type NotificationStatusEvent } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { acceptedOutputs } from './accepted-outputs.js';
import { reacceptedOutputs } from './reaccepted-outputs.js';

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
  digest: null,
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

describe('acceptedOutputs of a request naming topics', () => {
  const body = { tenantId: 'acme', idempotencyKey: 'k', recipients: ['u:1'], topics: ['news'], templateId: 'welcome', category: 'account', requestedAt: 1_000 };

  it('adds the expansion from the first bucket, keyed by tenant and idempotency key, and rebuilds it alike', () => {
    const outputs = reacceptedOutputs(body, { idempotencyKey: 'k', acceptedAt: 2_000, notifications: [] }, 'KAFKA');
    expect(outputs.map((o) => o.topic)).toEqual([Topics.accepted, Topics.status, Topics.broadcasts]);
    expect(outputs[2]).toMatchObject({
      key: 'acme:k',
      value: { tenantId: 'acme', idempotencyKey: 'k', topics: ['news'], directRecipients: ['u:1'], nextBucket: 0, acceptedAt: 2_000, source: 'KAFKA' },
      headers: { [Headers.REQUESTED_AT]: '1000' },
    });
    expect(reacceptedOutputs(body, { idempotencyKey: 'k', acceptedAt: 2_000, notifications: [] }, 'KAFKA')).toEqual(outputs);
  });
});
