import { ValidationError } from '@notify/core';
import { describe, expect, it } from 'vitest';
import { mapSesEvent, parseSesEvent, type SesEvent } from './ses-events.js';

const mail = {
  timestamp: '2026-01-02T03:04:05.000Z',
  messageId: '010001-ses-message-id',
  source: 'notifications@example.com',
  destination: ['ada@example.com'],
  tags: { notification_id: ['n-1'], tenant_id: ['t-1'], 'ses:configuration-set': ['notify'] },
};
const AT = Date.parse('2026-01-02T03:05:00.000Z');
const FALLBACK = 42;

const map = (event: object) => mapSesEvent(parseSesEvent(JSON.stringify(event)), FALLBACK);

describe('parseSesEvent', () => {
  it('keeps fields it does not read', () => {
    expect(parseSesEvent(JSON.stringify({ eventType: 'Send', mail, send: {}, extra: 1 }))).toMatchObject({ extra: 1, mail: { source: 'notifications@example.com' } });
  });

  it('names the bad fields under Message', () => {
    const cases: Array<[object | string, string[]]> = [
      ['not json', ['Message']],
      [{ mail }, ['Message.eventType']],
      [{ eventType: 'Bounce', mail }, ['Message.bounce']],
      [{ eventType: 'Delivery', mail: { timestamp: 'yesterday' }, delivery: {} }, ['Message.mail.messageId', 'Message.mail.timestamp']],
      [{ eventType: 'Complaint', mail, complaint: { complainedRecipients: [{}] } }, ['Message.complaint.complainedRecipients[0].emailAddress']],
    ];
    for (const [body, paths] of cases) {
      try {
        parseSesEvent(typeof body === 'string' ? body : JSON.stringify(body));
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).issues.map((i) => i.path)).toEqual(paths);
      }
    }
  });
});

describe('mapSesEvent', () => {
  it('maps Delivery to DELIVERED, by SES message id, with the sender tags', () => {
    expect(map({ eventType: 'Delivery', mail, delivery: { timestamp: '2026-01-02T03:05:00.000Z', smtpResponse: '250 ok' } })).toEqual({
      provider: 'ses',
      status: 'DELIVERED',
      occurredAt: AT,
      providerMessageId: '010001-ses-message-id',
      notificationId: 'n-1',
      tenantId: 't-1',
      reason: null,
      attributes: { providerEvent: 'Delivery' },
    });
  });

  it('maps a Permanent bounce to a hard BOUNCED that marks the bounced recipients undeliverable', () => {
    const outcome = map({
      eventType: 'Bounce',
      mail,
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        timestamp: '2026-01-02T03:05:00.000Z',
        bouncedRecipients: [{ emailAddress: 'ada@example.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      },
    });
    expect(outcome).toMatchObject({
      status: 'BOUNCED',
      occurredAt: AT,
      reason: 'smtp; 550 5.1.1 user unknown',
      attributes: { providerEvent: 'Bounce', bounceType: 'Permanent', bounceSubType: 'General', bounce: 'hard' },
      undeliverable: { reason: 'hard_bounce', addresses: ['ada@example.com'] },
    });
  });

  it('maps a Transient bounce to a soft BOUNCED that marks nothing, and an Undetermined one to neither', () => {
    const soft = map({ eventType: 'Bounce', mail, bounce: { bounceType: 'Transient', bounceSubType: 'MailboxFull', bouncedRecipients: [{ emailAddress: 'ada@example.com' }] } });
    expect(soft).toMatchObject({ status: 'BOUNCED', reason: 'Transient MailboxFull', attributes: { bounce: 'soft' }, occurredAt: Date.parse(mail.timestamp) });
    expect(soft).not.toHaveProperty('undeliverable');
    const unknown = map({ eventType: 'Bounce', mail, bounce: { bounceType: 'Undetermined', bouncedRecipients: [] } });
    expect(unknown?.attributes).not.toHaveProperty('bounce');
    expect(unknown).not.toHaveProperty('undeliverable');
  });

  it('maps Complaint to COMPLAINED, marking the complained recipients undeliverable', () => {
    expect(map({ eventType: 'Complaint', mail, complaint: { complainedRecipients: [{ emailAddress: 'ada@example.com' }], complaintFeedbackType: 'abuse' } })).toMatchObject({
      status: 'COMPLAINED',
      attributes: { providerEvent: 'Complaint', complaintFeedbackType: 'abuse' },
      undeliverable: { reason: 'complaint', addresses: ['ada@example.com'] },
    });
  });

  it('maps Open to OPENED and Click to CLICKED with the link', () => {
    expect(map({ eventType: 'Open', mail, open: { timestamp: '2026-01-02T03:05:00.000Z', userAgent: 'x' } })).toMatchObject({ status: 'OPENED', occurredAt: AT });
    expect(map({ eventType: 'Click', mail, click: { link: 'https://example.com/a?b=c', linkTags: {} } })).toMatchObject({
      status: 'CLICKED',
      attributes: { providerEvent: 'Click', url: 'https://example.com/a?b=c' },
    });
  });

  it('maps Reject and Rendering Failure to FAILED with the reason', () => {
    expect(map({ eventType: 'Reject', mail, reject: { reason: 'Bad content' } })).toMatchObject({ status: 'FAILED', reason: 'rejected: Bad content' });
    expect(map({ eventType: 'Rendering Failure', mail, failure: { errorMessage: 'missing var', templateName: 't' } })).toMatchObject({
      status: 'FAILED',
      reason: 'rendering failure: missing var',
    });
  });

  it('reads feedback notifications (notificationType) like events', () => {
    expect(map({ notificationType: 'Bounce', mail, bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'b@example.com' }] } })).toMatchObject({
      status: 'BOUNCED',
      undeliverable: { reason: 'hard_bounce', addresses: ['b@example.com'] },
    });
  });

  it('takes the notification id from the sender header before the (sanitised) tag, and the SNS time when SES gives none', () => {
    const withHeader = { ...mail, timestamp: undefined, headers: [{ name: 'X-Notify-Notification-Id', value: 'n-from-header' }] };
    expect(map({ eventType: 'Open', mail: withHeader, open: {} })).toMatchObject({ notificationId: 'n-from-header', occurredAt: FALLBACK });
    expect(map({ eventType: 'Open', mail: { messageId: 'm' }, open: {} })).toMatchObject({ notificationId: null, tenantId: null, providerMessageId: 'm' });
  });

  it('ignores events that change no status', () => {
    for (const eventType of ['Send', 'DeliveryDelay', 'Subscription', 'SomethingNew']) {
      expect(mapSesEvent({ eventType, mail } as SesEvent, FALLBACK)).toBeNull();
    }
  });
});
