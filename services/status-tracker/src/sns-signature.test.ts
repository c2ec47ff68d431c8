import { DependencyUnavailableError } from '@notify/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnsMessage } from './domain/sns-message.js';
import { CERT_PATH, LOCAL_HOST_PATTERN, startFakeSns, TEST_TOPIC_ARN, type FakeSns } from './sns.fixture.js';
import { AWS_SNS_HOST_PATTERN, httpsGetter, SnsSignatureVerifier } from './sns-signature.js';

let sns: FakeSns;
let verifier: SnsSignatureVerifier;

const fields = {
  Type: 'Notification' as const,
  MessageId: 'm-1',
  TopicArn: TEST_TOPIC_ARN,
  Message: JSON.stringify({ eventType: 'Delivery', mail: { messageId: 'ses-1' }, delivery: {} }),
  Timestamp: '2026-01-02T03:04:05.000Z',
};

beforeAll(async () => {
  sns = await startFakeSns();
  verifier = new SnsSignatureVerifier({ hostPattern: LOCAL_HOST_PATTERN, get: httpsGetter({ ca: sns.certPem }) });
});
afterAll(async () => sns.close());

describe('SnsSignatureVerifier', () => {
  it('accepts SignatureVersion 1 (SHA1withRSA) and 2 (SHA256withRSA), fetching the certificate once', async () => {
    const before = sns.requests.filter((r) => r === CERT_PATH).length;
    expect(await verifier.verify(sns.sign(fields, '1'))).toBe(true);
    expect(await verifier.verify(sns.sign(fields, '2'))).toBe(true);
    expect(await verifier.verify(sns.sign({ ...fields, Subject: 'With a subject' }))).toBe(true);
    await Promise.all([1, 2, 3].map(() => verifier.verify(sns.sign(fields))));
    expect(sns.requests.filter((r) => r === CERT_PATH).length - before).toBeLessThanOrEqual(1);
  });

  it('refuses a message whose signed fields were changed', async () => {
    const signed = sns.sign(fields);
    const tampered: Array<Partial<SnsMessage>> = [
      { Message: signed.Message.replace('Delivery', 'Bounce') },
      { MessageId: 'm-2' },
      { Timestamp: '2026-01-02T03:04:06.000Z' },
      { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:other' },
      { Subject: 'added' },
      { SignatureVersion: '1' }, // a version 2 signature checked as version 1
      { Signature: 'bm90IGEgc2lnbmF0dXJl' },
      { Signature: '!!!' },
    ];
    for (const change of tampered) expect(await verifier.verify({ ...signed, ...change }), JSON.stringify(change)).toBe(false);
  });

  it('refuses a certificate that is not https, not a .pem, or not on an allowed host, without fetching it', async () => {
    const signed = sns.sign(fields);
    const port = new URL(sns.origin).port;
    const before = sns.requests.length;
    for (const url of [
      `http://127.0.0.1:${port}${CERT_PATH}`,
      `${sns.origin}/cert.txt`,
      `https://localhost:${port}${CERT_PATH}`,
      `https://user:pw@127.0.0.1:${port}${CERT_PATH}`,
      'not a url',
    ]) {
      expect(await verifier.verify({ ...signed, SigningCertURL: url }), url).toBe(false);
    }
    expect(sns.requests.length).toBe(before);
    // The default pattern: AWS's SNS hosts only.
    expect(await new SnsSignatureVerifier().verify(signed)).toBe(false);
  });

  it('throws DependencyUnavailableError when the certificate cannot be had, and tries again next time', async () => {
    const missing = sns.sign(fields);
    const at404 = { ...missing, SigningCertURL: `${sns.origin}/SimpleNotificationService-missing.pem` };
    await expect(verifier.verify(at404)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(verifier.verify(at404)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(sns.requests.filter((r) => r.endsWith('missing.pem'))).toHaveLength(2);
    // A server the TLS trust does not cover.
    const untrusted = new SnsSignatureVerifier({ hostPattern: LOCAL_HOST_PATTERN });
    await expect(untrusted.verify(missing)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('refuses a certificate outside its validity', async () => {
    const later = new SnsSignatureVerifier({ hostPattern: LOCAL_HOST_PATTERN, get: httpsGetter({ ca: sns.certPem }), now: () => Date.now() + 30 * 24 * 3_600_000 });
    expect(await later.verify(sns.sign(fields))).toBe(false);
  });

  it('confirms a subscription by GETting its SubscribeURL, on an allowed host only', async () => {
    expect(await verifier.confirmSubscription(`${sns.origin}/confirm?Action=ConfirmSubscription&Token=t1`)).toBe(true);
    expect(sns.requests).toContain('/confirm?Action=ConfirmSubscription&Token=t1');
    expect(await verifier.confirmSubscription('https://evil.example.com/confirm?Token=t1')).toBe(false);
    await expect(verifier.confirmSubscription(`${sns.origin}/nothing-here`)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});

describe('AWS_SNS_HOST_PATTERN', () => {
  it("matches SNS's regional hosts on the default port only", () => {
    for (const host of ['sns.us-east-1.amazonaws.com', 'sns.cn-north-1.amazonaws.com.cn', 'sns.eu-west-3.amazonaws.com']) expect(AWS_SNS_HOST_PATTERN.test(host), host).toBe(true);
    for (const host of ['sns.us-east-1.amazonaws.com.evil.com', 'evil.com', 'sns.amazonaws.com', 'sns.us-east-1.amazonaws.com:8443', 'xsns.us-east-1.amazonaws.com', 's3.us-east-1.amazonaws.com']) {
      expect(AWS_SNS_HOST_PATTERN.test(host), host).toBe(false);
    }
  });
});
