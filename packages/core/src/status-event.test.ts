import { describe, expect, it } from 'vitest';
import { statusEvent } from './status-event.js';

const subject = { notificationId: 'n-1', tenantId: 't-1', userId: 'u-1', extra: 'ignored' };

describe('statusEvent', () => {
  it('fills what the details leave out with null, and attributes with {}', () => {
    expect(statusEvent(subject, 'ingest', 'ACCEPTED', 1_000)).toStrictEqual({
      notificationId: 'n-1',
      tenantId: 't-1',
      userId: 'u-1',
      status: 'ACCEPTED',
      stage: 'ingest',
      channel: null,
      provider: null,
      reason: null,
      providerMessageId: null,
      occurredAt: 1_000,
      attributes: {},
    });
  });

  it('carries the details given', () => {
    const attributes = { detail: 'x' };
    const event = statusEvent(subject, 'sender', 'SENT', 2_000, {
      channel: 'SMS',
      provider: 'twilio',
      reason: 'r',
      providerMessageId: 'SM1',
      attributes,
    });
    expect(event).toMatchObject({ channel: 'SMS', provider: 'twilio', reason: 'r', providerMessageId: 'SM1', occurredAt: 2_000 });
    expect(event.attributes).toBe(attributes);
  });

  it('takes null for a detail the caller has as nullable, as if left out', () => {
    const event = statusEvent(subject, 'status-tracker', 'DELIVERED', 3_000, {
      channel: 'EMAIL',
      provider: 'sendgrid',
      reason: null,
      providerMessageId: null,
    });
    expect(event).toStrictEqual({
      notificationId: 'n-1',
      tenantId: 't-1',
      userId: 'u-1',
      status: 'DELIVERED',
      stage: 'status-tracker',
      channel: 'EMAIL',
      provider: 'sendgrid',
      reason: null,
      providerMessageId: null,
      occurredAt: 3_000,
      attributes: {},
    });
  });
});
