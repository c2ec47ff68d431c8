import { ValidationError } from '@notify/core';
import { describe, expect, it } from 'vitest';
import { mapSendGridEvent, parseSendGridEvents, sendGridMessageId } from './sendgrid-events.js';

const base = { email: 'a@example.com', timestamp: 1_700_000_000, sg_message_id: 'Xm1d.filterdrecv-5645d9c87f-abc.1.0', sg_event_id: 'ev-1' };

describe('parseSendGridEvents', () => {
  it('accepts an array of events and keeps custom args and unknown fields', () => {
    const [e] = parseSendGridEvents([{ ...base, event: 'delivered', notification_id: 'n-1', extra: 42 }]);
    expect(e).toMatchObject({ event: 'delivered', notification_id: 'n-1', extra: 42 });
  });

  it('names each bad field', () => {
    try {
      parseSendGridEvents([{ ...base, event: 'delivered' }, { timestamp: 'soon' }]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['[1].event', '[1].timestamp']);
    }
  });

  it('refuses a body that is not an array', () => {
    expect(() => parseSendGridEvents({ event: 'delivered' })).toThrow(ValidationError);
  });
});

describe('mapSendGridEvent', () => {
  it('maps delivered to DELIVERED with the custom args and the X-Message-Id part of sg_message_id', () => {
    const outcome = mapSendGridEvent({ ...base, event: 'delivered', notification_id: 'n-1', tenant_id: 't-1' });
    expect(outcome).toEqual({
      provider: 'sendgrid',
      status: 'DELIVERED',
      occurredAt: 1_700_000_000_000,
      providerMessageId: 'Xm1d',
      notificationId: 'n-1',
      tenantId: 't-1',
      reason: null,
      attributes: { providerEvent: 'delivered', sgEventId: 'ev-1' },
    });
  });

  it('maps a hard bounce to BOUNCED with the reason, bounce type and SMTP status, marking the address undeliverable', () => {
    const outcome = mapSendGridEvent({ ...base, event: 'bounce', reason: '550 5.1.1 user unknown', type: 'bounce', status: '5.1.1', bounce_classification: 'Invalid Address' });
    expect(outcome).toMatchObject({
      status: 'BOUNCED',
      reason: '550 5.1.1 user unknown',
      attributes: { providerEvent: 'bounce', bounceType: 'bounce', bounce: 'hard', smtpStatus: '5.1.1', bounceClassification: 'Invalid Address' },
      notificationId: null,
      undeliverable: { reason: 'hard_bounce', addresses: ['a@example.com'] },
    });
  });

  it('maps a blocked bounce to a soft BOUNCED that marks nothing', () => {
    const outcome = mapSendGridEvent({ ...base, event: 'bounce', reason: '421 try later', type: 'blocked' });
    expect(outcome).toMatchObject({ status: 'BOUNCED', reason: '421 try later', attributes: { bounceType: 'blocked', bounce: 'soft' } });
    expect(outcome).not.toHaveProperty('undeliverable');
    const untyped = mapSendGridEvent({ ...base, event: 'bounce' });
    expect(untyped?.attributes).not.toHaveProperty('bounce');
    expect(untyped).not.toHaveProperty('undeliverable');
  });

  it('marks nothing for a hard bounce without an address', () => {
    expect(mapSendGridEvent({ ...base, email: undefined, event: 'bounce', type: 'bounce' })).not.toHaveProperty('undeliverable');
  });

  it('maps dropped to BOUNCED, saying it was dropped', () => {
    expect(mapSendGridEvent({ ...base, event: 'dropped', reason: 'Bounced Address' })).toMatchObject({ status: 'BOUNCED', reason: 'dropped: Bounced Address' });
  });

  it('maps open to OPENED and click to CLICKED with the link', () => {
    expect(mapSendGridEvent({ ...base, event: 'open', sg_machine_open: true, notification_id: 'n-1' })).toEqual({
      provider: 'sendgrid',
      status: 'OPENED',
      occurredAt: 1_700_000_000_000,
      providerMessageId: 'Xm1d',
      notificationId: 'n-1',
      tenantId: null,
      reason: null,
      attributes: { providerEvent: 'open', sgEventId: 'ev-1', machineOpen: 'true' },
    });
    expect(mapSendGridEvent({ ...base, event: 'click', url: 'https://example.com/offer?x=1' })).toMatchObject({
      status: 'CLICKED',
      attributes: { providerEvent: 'click', url: 'https://example.com/offer?x=1' },
    });
    expect(mapSendGridEvent({ ...base, event: 'click', url: `https://example.com/${'x'.repeat(5_000)}` })?.attributes.url).toHaveLength(2_048);
  });

  it('maps spamreport to COMPLAINED, marking the address undeliverable', () => {
    expect(mapSendGridEvent({ ...base, event: 'spamreport' })).toMatchObject({
      status: 'COMPLAINED',
      reason: null,
      undeliverable: { reason: 'complaint', addresses: ['a@example.com'] },
    });
  });

  it('maps unsubscribe and group_unsubscribe to UNSUBSCRIBED, marking nothing', () => {
    const unsubscribe = mapSendGridEvent({ ...base, event: 'unsubscribe' });
    expect(unsubscribe).toMatchObject({ status: 'UNSUBSCRIBED', attributes: { providerEvent: 'unsubscribe' } });
    expect(unsubscribe).not.toHaveProperty('undeliverable');
    expect(mapSendGridEvent({ ...base, event: 'group_unsubscribe', asm_group_id: 42 })).toMatchObject({
      status: 'UNSUBSCRIBED',
      attributes: { providerEvent: 'group_unsubscribe', asmGroupId: '42' },
    });
  });

  it('ignores events that change no status', () => {
    for (const event of ['processed', 'deferred', 'group_resubscribe', 'something_new']) {
      expect(mapSendGridEvent({ ...base, event })).toBeNull();
    }
  });

  it('bounds long reasons', () => {
    expect(mapSendGridEvent({ ...base, event: 'bounce', reason: 'x'.repeat(2_000) })?.reason).toHaveLength(500);
  });
});

describe('sendGridMessageId', () => {
  it('strips the per-recipient suffix', () => {
    expect(sendGridMessageId('abc.def.ghi')).toBe('abc');
    expect(sendGridMessageId('abc')).toBe('abc');
    expect(sendGridMessageId(undefined)).toBeNull();
    expect(sendGridMessageId('')).toBeNull();
  });
});
