import { ValidationError } from '@notify/core';
import { describe, expect, it } from 'vitest';
import { parseSnsMessage, snsStringToSign } from './sns-message.js';

const notification = {
  Type: 'Notification',
  MessageId: 'm-1',
  TopicArn: 'arn:aws:sns:eu-west-1:123456789012:ses-events',
  Message: '{"eventType":"Open"}',
  Timestamp: '2026-01-02T03:04:05.000Z',
  SignatureVersion: '2',
  Signature: 'c2ln',
  SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem',
  UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
};
const confirmation = {
  ...notification,
  Type: 'SubscriptionConfirmation',
  Message: 'You have chosen to subscribe',
  SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok',
  Token: 'tok',
};

function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => i.path);
  }
  return expect.unreachable();
}

describe('parseSnsMessage', () => {
  it('takes a notification and a subscription confirmation, keeping other fields', () => {
    expect(parseSnsMessage({ ...notification, Extra: 1 }, 'Notification')).toMatchObject({ Type: 'Notification', Extra: 1 });
    expect(parseSnsMessage(confirmation, 'SubscriptionConfirmation').Token).toBe('tok');
  });

  it('refuses an unknown or missing message type, and a body of another type than the header', () => {
    expect(issues(() => parseSnsMessage(notification, 'Gossip'))).toEqual(['x-amz-sns-message-type']);
    expect(issues(() => parseSnsMessage(notification, undefined))).toEqual(['x-amz-sns-message-type']);
    expect(issues(() => parseSnsMessage({ ...notification, Type: 'Gossip' }, 'Notification'))).toEqual(['Type']);
    expect(issues(() => parseSnsMessage(notification, 'SubscriptionConfirmation'))).toEqual(['Type']);
  });

  it('names missing and bad fields, the signature ones included', () => {
    const { Signature: _s, SigningCertURL: _c, ...unsigned } = notification;
    expect(issues(() => parseSnsMessage(unsigned, 'Notification'))).toEqual(['Signature', 'SigningCertURL']);
    expect(issues(() => parseSnsMessage({ ...notification, SignatureVersion: '3', Timestamp: 'now' }, 'Notification'))).toEqual(['Timestamp', 'SignatureVersion']);
    const { SubscribeURL: _u, ...noUrl } = confirmation;
    expect(issues(() => parseSnsMessage(noUrl, 'SubscriptionConfirmation'))).toEqual(['SubscribeURL']);
    expect(issues(() => parseSnsMessage([], 'Notification'))).toEqual(['']);
  });
});

describe('snsStringToSign', () => {
  it("is a notification's signed fields in AWS's order, Subject only when present", () => {
    const parsed = parseSnsMessage(notification, 'Notification');
    expect(snsStringToSign(parsed)).toBe(
      'Message\n{"eventType":"Open"}\nMessageId\nm-1\nTimestamp\n2026-01-02T03:04:05.000Z\nTopicArn\narn:aws:sns:eu-west-1:123456789012:ses-events\nType\nNotification\n',
    );
    expect(snsStringToSign({ ...parsed, Subject: 'Hi' })).toContain('MessageId\nm-1\nSubject\nHi\nTimestamp\n');
    expect(snsStringToSign({ ...parsed, Subject: null })).not.toContain('Subject');
  });

  it("is a subscription confirmation's, with SubscribeURL and Token", () => {
    expect(snsStringToSign(parseSnsMessage(confirmation, 'SubscriptionConfirmation'))).toBe(
      [
        'Message\nYou have chosen to subscribe',
        'MessageId\nm-1',
        'SubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok',
        'Timestamp\n2026-01-02T03:04:05.000Z',
        'Token\ntok',
        'TopicArn\narn:aws:sns:eu-west-1:123456789012:ses-events',
        'Type\nSubscriptionConfirmation\n',
      ].join('\n'),
    );
  });
});
