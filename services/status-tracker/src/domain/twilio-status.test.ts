import { ValidationError } from '@notify/core';
import { describe, expect, it } from 'vitest';
import { mapTwilioStatus, parseTwilioStatus } from './twilio-status.js';

const SID = 'SM0123456789abcdef0123456789abcdef';

describe('parseTwilioStatus', () => {
  it('names the missing fields', () => {
    try {
      parseTwilioStatus({ AccountSid: 'AC1' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['MessageSid', 'MessageStatus']);
    }
  });

  it('treats a missing body as empty', () => {
    expect(() => parseTwilioStatus(undefined)).toThrow(ValidationError);
  });
});

describe('mapTwilioStatus', () => {
  it('maps delivered to DELIVERED', () => {
    expect(mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'delivered' }), 1_000)).toEqual({
      provider: 'twilio',
      status: 'DELIVERED',
      occurredAt: 1_000,
      providerMessageId: SID,
      notificationId: null,
      tenantId: null,
      reason: null,
      attributes: { providerStatus: 'delivered' },
    });
  });

  it('maps undelivered to BOUNCED and failed to FAILED, with the error code', () => {
    expect(mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'undelivered', ErrorCode: '30003' }), 1)).toMatchObject({
      status: 'BOUNCED',
      reason: 'undelivered (Twilio error 30003)',
      attributes: { providerStatus: 'undelivered', errorCode: '30003' },
    });
    expect(mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'failed', ErrorCode: '30008' }), 1)).toMatchObject({
      status: 'FAILED',
      reason: 'failed (Twilio error 30008)',
      attributes: { errorCode: '30008' },
    });
    expect(mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'failed', ErrorCode: '' }), 1)?.reason).toBe('failed');
  });

  it('ignores intermediate statuses', () => {
    for (const s of ['accepted', 'queued', 'sending', 'sent', 'read', 'scheduled', 'canceled']) {
      expect(mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: s }), 1)).toBeNull();
    }
  });
});
