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
    const soft = mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'undelivered', ErrorCode: '30003', To: '+15550001111' }), 1);
    expect(soft).toMatchObject({
      status: 'BOUNCED',
      reason: 'undelivered (Twilio error 30003)',
      attributes: { providerStatus: 'undelivered', errorCode: '30003', bounce: 'soft' },
    });
    expect(soft).not.toHaveProperty('undeliverable');
    expect(mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'failed', ErrorCode: '30008' }), 1)).toMatchObject({
      status: 'FAILED',
      reason: 'failed (Twilio error 30008)',
      attributes: { errorCode: '30008' },
    });
    expect(mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'failed', ErrorCode: '' }), 1)?.reason).toBe('failed');
  });

  it('tells a hard bounce by its error code and marks the To number undeliverable', () => {
    for (const code of ['30005', '30006']) {
      expect(mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'undelivered', ErrorCode: code, To: '+15550001111' }), 1)).toMatchObject({
        status: 'BOUNCED',
        attributes: { bounce: 'hard', errorCode: code },
        undeliverable: { reason: 'hard_bounce', addresses: ['+15550001111'] },
      });
    }
    const noTo = mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'undelivered', ErrorCode: '30005' }), 1);
    expect(noTo?.attributes.bounce).toBe('hard');
    expect(noTo).not.toHaveProperty('undeliverable');
    const failed = mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: 'failed', ErrorCode: '30005', To: '+15550001111' }), 1);
    expect(failed).not.toHaveProperty('undeliverable');
    expect(failed?.attributes).not.toHaveProperty('bounce');
  });

  it('ignores intermediate statuses', () => {
    for (const s of ['accepted', 'queued', 'sending', 'sent', 'read', 'scheduled', 'canceled']) {
      expect(mapTwilioStatus(parseTwilioStatus({ MessageSid: SID, MessageStatus: s }), 1)).toBeNull();
    }
  });
});
