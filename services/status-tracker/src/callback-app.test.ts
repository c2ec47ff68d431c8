import { listen } from '@notify/http';
import { createLogger, type Output } from '@notify/runtime';
import type { NotificationStatusEvent } from '@notify/schemas';
import { DeliveryRecords, NotificationRepository, SuppressionRepository } from '@notify/stores';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { Registry } from 'prom-client';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCallbackApp, SENDGRID_EVENTS_PATH, SES_EVENTS_PATH, TWILIO_STATUS_PATH } from './callback-app.js';
import type { SnsMessage } from './domain/sns-message.js';
import { FirstSeenClock } from './first-seen-clock.js';
import { NotificationLookup } from './notification-lookup.js';
import { SendGridSignatureVerifier } from './sendgrid-signature.js';
import { LOCAL_HOST_PATTERN, startFakeSns, TEST_TOPIC_ARN, type FakeSns } from './sns.fixture.js';
import { httpsGetter, SnsSignatureVerifier } from './sns-signature.js';
import { createTrackerMetrics } from './tracker-metrics.js';

interface ErrorBody {
  error: { code: string; fields: Array<{ path: string; message: string }> };
}

const PUBLIC_BASE_URL = 'https://notify.example.com/status';
const AUTH_TOKEN = 'twilio-test-token-0123456789abcdef';
const SID = 'SM' + 'ab'.repeat(16);
const X_MESSAGE_ID = 'sgXMessageId00000000aa';
const SES_MESSAGE_ID = '0100019a-ses-message-id-000000';

const mongo = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify', { serverSelectionTimeoutMS: 5_000 });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379', { maxRetriesPerRequest: 1 });
const redisPrefix = `test:status-callbacks:${randomUUID().slice(0, 8)}:`;
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const published: NotificationStatusEvent[] = [];
let db: Db;
let sns: FakeSns;
let suppressions: SuppressionRepository;
let base = '';
let registry: Registry;
let close = async () => {};

beforeAll(async () => {
  await mongo.connect();
  db = mongo.db(`test_status_callbacks_${randomUUID().slice(0, 8)}`);
  const repo = new NotificationRepository(db);
  for (const [id, channel, provider, messageId] of [
    ['n-email', 'EMAIL', 'sendgrid', X_MESSAGE_ID],
    ['n-sms', 'SMS', 'twilio', SID],
    ['n-ses', 'EMAIL', 'ses', SES_MESSAGE_ID],
  ] as const) {
    await repo.appendStatuses([
      { notificationId: id, tenantId: 't-1', userId: 'u-1', status: 'ACCEPTED', stage: 'ingest', channel: null, provider: null, reason: null, providerMessageId: null, occurredAt: 500, attributes: {} },
      { notificationId: id, tenantId: 't-1', userId: 'u-1', status: 'SENT', stage: 'sender', channel, provider, reason: null, providerMessageId: messageId, occurredAt: 1_000, attributes: {} },
    ]);
    await new DeliveryRecords(db).record({ notificationId: id, channel, provider, providerMessageId: messageId, sentAt: new Date() });
  }
  sns = await startFakeSns();
  suppressions = new SuppressionRepository(db);
  registry = new Registry();
  const app = createCallbackApp({
    logger: createLogger('status-tracker', 'silent'),
    registry,
    metrics: createTrackerMetrics(registry),
    lookup: new NotificationLookup(db),
    publisher: {
      publish: async (outputs: Output[]) => {
        published.push(...outputs.map((o) => o.value as NotificationStatusEvent));
      },
    },
    suppressions,
    bodyLimit: '1mb',
    ses: { verifier: new SnsSignatureVerifier({ hostPattern: LOCAL_HOST_PATTERN, get: httpsGetter({ ca: sns.certPem }) }), topicArns: [TEST_TOPIC_ARN] },
    sendgrid: { verifier: new SendGridSignatureVerifier(publicKey.export({ type: 'spki', format: 'der' }).toString('base64')) },
    twilio: { authToken: AUTH_TOKEN, publicBaseUrl: PUBLIC_BASE_URL, clock: new FirstSeenClock(redis, () => {}, redisPrefix) },
  });
  const server = await listen(app, 0);
  base = `http://127.0.0.1:${server.port}`;
  close = () => server.close();
});

beforeEach(() => {
  published.length = 0;
});

afterAll(async () => {
  await close();
  await sns.close();
  await db.dropDatabase();
  await mongo.close();
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

function postSendGrid(body: string, headers: Record<string, string>) {
  return fetch(`${base}${SENDGRID_EVENTS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

function signedSendGrid(body: string, timestamp = String(Math.floor(Date.now() / 1000))) {
  const signature = sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
  return postSendGrid(body, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp });
}

function postTwilio(params: Record<string, string>, signature?: string, query = '') {
  const path = `${TWILIO_STATUS_PATH}${query}`;
  const sig = signature ?? twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_BASE_URL}${path}`, params);
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
    body: new URLSearchParams(params).toString(),
  });
}

describe('SendGrid event webhook', () => {
  const events = [
    // Whitespace and non-ASCII on purpose: the signature covers the exact bytes.
    { email: 'a@example.com', timestamp: 1_700_000_100, event: 'delivered', sg_message_id: `${X_MESSAGE_ID}.filterdrecv-1.0`, notification_id: 'n-email', tenant_id: 't-1', note: 'héllo' },
    { email: 'a@example.com', timestamp: 1_700_000_200, event: 'bounce', sg_message_id: `${X_MESSAGE_ID}.filterdrecv-1.0`, reason: '550 5.1.1 unknown user', type: 'bounce' },
    { email: 'a@example.com', timestamp: 1_700_000_300, event: 'open', sg_message_id: `${X_MESSAGE_ID}.x` },
    { email: 'b@example.com', timestamp: 1_700_000_400, event: 'delivered', sg_message_id: 'unknownmessage.x' },
    { email: 'a@example.com', timestamp: 1_700_000_500, event: 'processed', sg_message_id: `${X_MESSAGE_ID}.x` },
  ];
  const body = JSON.stringify(events, null, 2);

  it('publishes DELIVERED, BOUNCED and OPENED for a correctly signed batch, matched by custom arg or sg_message_id', async () => {
    const res = await signedSendGrid(body);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ published: 3, ignored: 1, unmatched: 1 });
    expect(published).toEqual([
      expect.objectContaining({ notificationId: 'n-email', tenantId: 't-1', userId: 'u-1', status: 'DELIVERED', channel: 'EMAIL', provider: 'sendgrid', providerMessageId: X_MESSAGE_ID, occurredAt: 1_700_000_100_000 }),
      expect.objectContaining({ notificationId: 'n-email', status: 'BOUNCED', reason: '550 5.1.1 unknown user', occurredAt: 1_700_000_200_000, attributes: expect.objectContaining({ bounce: 'hard' }) }),
      expect.objectContaining({ notificationId: 'n-email', status: 'OPENED', occurredAt: 1_700_000_300_000 }),
    ]);
  });

  it("marks a hard bounce's and a complaint's address undeliverable for the notification's tenant, and a soft bounce's not", async () => {
    const batch = [
      { email: 'Hard@Example.com', timestamp: 1_700_001_000, event: 'bounce', type: 'bounce', sg_message_id: `${X_MESSAGE_ID}.a` },
      { email: 'soft@example.com', timestamp: 1_700_001_001, event: 'bounce', type: 'blocked', sg_message_id: `${X_MESSAGE_ID}.b` },
      { email: 'spam@example.com', timestamp: 1_700_001_002, event: 'spamreport', sg_message_id: `${X_MESSAGE_ID}.c` },
      { email: 'nobody@example.com', timestamp: 1_700_001_003, event: 'bounce', type: 'bounce', sg_message_id: 'unknownmessage.x' },
      { email: 'a@example.com', timestamp: 1_700_001_004, event: 'click', url: 'https://example.com/x', sg_message_id: `${X_MESSAGE_ID}.d` },
    ];
    expect(await (await signedSendGrid(JSON.stringify(batch))).json()).toEqual({ published: 4, ignored: 0, unmatched: 1 });
    expect(published.map((e) => e.status)).toEqual(['BOUNCED', 'BOUNCED', 'COMPLAINED', 'CLICKED']);
    expect(published[3]?.attributes.url).toBe('https://example.com/x');
    const refs = ['hard@example.com', 'soft@example.com', 'spam@example.com', 'nobody@example.com'].map((address) => ({ tenantId: 't-1', channel: 'EMAIL' as const, address }));
    expect((await suppressions.suppressedAmong(refs)).map((r) => r.address)).toEqual(['hard@example.com', 'spam@example.com']);
    expect(await suppressions.find(refs[2]!)).toMatchObject({ reason: 'complaint', provider: 'sendgrid', notificationId: 'n-email' });
  });

  it('refuses a missing signature with 401 and a wrong one with 403', async () => {
    expect((await postSendGrid(body, {})).status).toBe(401);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
    const tampered = await postSendGrid(body.replace('bounce', 'delivered'), { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp });
    expect(tampered.status).toBe(403);
    const otherTime = await postSendGrid(body, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': String(Number(timestamp) + 1) });
    expect(otherTime.status).toBe(403);
    const garbage = await postSendGrid(body, { 'x-twilio-email-event-webhook-signature': 'bm90IGEgc2lnbmF0dXJl', 'x-twilio-email-event-webhook-timestamp': timestamp });
    expect(garbage.status).toBe(403);
    expect(published).toEqual([]);
  });

  it('answers 400 naming the fields for a signed but malformed body', async () => {
    const bad = await signedSendGrid(JSON.stringify([{ event: 'delivered' }]));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.fields).toEqual([{ path: '[0].timestamp', message: expect.any(String) }]);
    const notJson = await signedSendGrid('{oops');
    expect(notJson.status).toBe(400);
  });
});

describe('Twilio status callback', () => {
  it('publishes DELIVERED for a correctly signed callback, found by MessageSid in the deliveries ledger', async () => {
    const res = await postTwilio({ MessageSid: SID, MessageStatus: 'delivered', AccountSid: 'AC123', To: '+15550001111' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ published: 1, ignored: 0, unmatched: 0 });
    expect(published).toEqual([
      expect.objectContaining({ notificationId: 'n-sms', tenantId: 't-1', userId: 'u-1', status: 'DELIVERED', channel: 'SMS', provider: 'twilio', providerMessageId: SID, stage: 'status-tracker' }),
    ]);
  });

  it('gives a retried callback the same time, so it is the same status event', async () => {
    const params = { MessageSid: SID, MessageStatus: 'undelivered', ErrorCode: '30003' };
    await postTwilio(params);
    await new Promise((r) => setTimeout(r, 20));
    await postTwilio(params);
    expect(published).toHaveLength(2);
    expect(published[0]).toMatchObject({ status: 'BOUNCED', reason: 'undelivered (Twilio error 30003)', attributes: { errorCode: '30003' } });
    expect(published[1]!.occurredAt).toBe(published[0]!.occurredAt);
  });

  it('marks the To number of a hard bounce undeliverable', async () => {
    await postTwilio({ MessageSid: SID, MessageStatus: 'undelivered', ErrorCode: '30005', To: '+1 555 000 2222' });
    expect(published[0]).toMatchObject({ status: 'BOUNCED', attributes: { bounce: 'hard', errorCode: '30005' } });
    expect(await suppressions.find({ tenantId: 't-1', channel: 'SMS', address: '+15550002222' })).toMatchObject({ reason: 'hard_bounce', provider: 'twilio', notificationId: 'n-sms' });
  });

  it('verifies against the public URL including its query string', async () => {
    expect((await postTwilio({ MessageSid: SID, MessageStatus: 'failed', ErrorCode: '30008' }, undefined, '?tenant=t-1')).status).toBe(202);
    expect(published[0]).toMatchObject({ status: 'FAILED' });
  });

  it('refuses a missing signature with 401 and a wrong one with 403', async () => {
    const params = { MessageSid: SID, MessageStatus: 'delivered' };
    const res = await fetch(`${base}${TWILIO_STATUS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
    expect(res.status).toBe(401);
    expect((await postTwilio(params, twilio.getExpectedTwilioSignature('another-token', `${PUBLIC_BASE_URL}${TWILIO_STATUS_PATH}`, params))).status).toBe(403);
    expect((await postTwilio(params, twilio.getExpectedTwilioSignature(AUTH_TOKEN, `http://127.0.0.1${TWILIO_STATUS_PATH}`, params))).status).toBe(403);
    expect(published).toEqual([]);
  });

  it('answers 400 naming the fields for a signed but malformed callback', async () => {
    const res = await postTwilio({ AccountSid: 'AC123' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.fields.map((f) => f.path)).toEqual(['MessageSid', 'MessageStatus']);
  });

  it('acknowledges an unknown message with 202 and intermediate statuses without publishing', async () => {
    const unknown = await postTwilio({ MessageSid: 'SM' + 'cd'.repeat(16), MessageStatus: 'delivered' });
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toEqual({ published: 0, ignored: 0, unmatched: 1 });
    const sent = await postTwilio({ MessageSid: SID, MessageStatus: 'sent' });
    expect(await sent.json()).toEqual({ published: 0, ignored: 1, unmatched: 0 });
    expect(published).toEqual([]);
    expect(await registry.getSingleMetricAsString('notify_provider_callbacks_total')).toMatch(/provider="twilio",outcome="unmatched"\} 1/);
  });
});

describe('SES events through SNS', () => {
  const sesEvent = (event: object) => ({
    Type: 'Notification' as const,
    MessageId: randomUUID(),
    TopicArn: TEST_TOPIC_ARN,
    Message: JSON.stringify({ mail: { messageId: SES_MESSAGE_ID, timestamp: '2026-01-02T03:04:05.000Z' }, ...event }),
    Timestamp: '2026-01-02T03:05:00.000Z',
  });

  function postSns(message: object, type = (message as { Type?: string }).Type ?? 'Notification') {
    // SNS posts its JSON as text/plain.
    return fetch(`${base}${SES_EVENTS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': type },
      body: JSON.stringify(message),
    });
  }

  it('publishes the status of a signed SES event (both signature versions), found by SES message id', async () => {
    const delivery = await postSns(sns.sign(sesEvent({ eventType: 'Delivery', delivery: { timestamp: '2026-01-02T03:04:06.000Z' } }), '1'));
    expect(delivery.status).toBe(202);
    expect(await delivery.json()).toEqual({ published: 1, ignored: 0, unmatched: 0 });
    const click = await postSns(sns.sign(sesEvent({ eventType: 'Click', click: { timestamp: '2026-01-02T03:09:00.000Z', link: 'https://example.com/go' } }), '2'));
    expect(click.status).toBe(202);
    expect(published).toEqual([
      expect.objectContaining({ notificationId: 'n-ses', tenantId: 't-1', userId: 'u-1', status: 'DELIVERED', channel: 'EMAIL', provider: 'ses', providerMessageId: SES_MESSAGE_ID, occurredAt: Date.parse('2026-01-02T03:04:06.000Z') }),
      expect.objectContaining({ notificationId: 'n-ses', status: 'CLICKED', attributes: { providerEvent: 'Click', url: 'https://example.com/go' } }),
    ]);
  });

  it("marks a permanent bounce's recipients undeliverable, and a complaint's, matched by tag when the message id is unknown", async () => {
    const bounce = sesEvent({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: 'ses-hard@example.com' }] } });
    expect((await postSns(sns.sign(bounce))).status).toBe(202);
    const complaint = {
      ...sesEvent({ eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'ses-spam@example.com' }] } }),
      Message: JSON.stringify({ eventType: 'Complaint', mail: { messageId: 'unknown', tags: { notification_id: ['n-ses'], tenant_id: ['t-1'] } }, complaint: { complainedRecipients: [{ emailAddress: 'ses-spam@example.com' }] } }),
    };
    expect(await (await postSns(sns.sign(complaint))).json()).toEqual({ published: 1, ignored: 0, unmatched: 0 });
    expect(published.map((e) => [e.notificationId, e.status, e.attributes.bounce ?? null])).toEqual([
      ['n-ses', 'BOUNCED', 'hard'],
      ['n-ses', 'COMPLAINED', null],
    ]);
    const refs = ['ses-hard@example.com', 'ses-spam@example.com'].map((address) => ({ tenantId: 't-1', channel: 'EMAIL' as const, address }));
    expect(await suppressions.suppressedAmong(refs)).toEqual(refs);
  });

  it('acknowledges events that change nothing and messages no notification is known for', async () => {
    expect(await (await postSns(sns.sign(sesEvent({ eventType: 'Send', send: {} })))).json()).toEqual({ published: 0, ignored: 1, unmatched: 0 });
    const unknown = { ...sesEvent({}), Message: JSON.stringify({ eventType: 'Open', mail: { messageId: 'nobody-knows' }, open: {} }) };
    expect(await (await postSns(sns.sign(unknown))).json()).toEqual({ published: 0, ignored: 0, unmatched: 1 });
    expect(published).toEqual([]);
  });

  it('confirms a subscription to an allowed topic on an SNS host only', async () => {
    const confirmation = {
      Type: 'SubscriptionConfirmation' as const,
      MessageId: randomUUID(),
      TopicArn: TEST_TOPIC_ARN,
      Message: 'You have chosen to subscribe to the topic.',
      Timestamp: '2026-01-02T03:05:00.000Z',
      Token: 'token-1',
      SubscribeURL: `${sns.origin}/confirm?Action=ConfirmSubscription&Token=token-1`,
    };
    const res = await postSns(sns.sign(confirmation));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ confirmed: true, topicArn: TEST_TOPIC_ARN });
    expect(sns.requests).toContain('/confirm?Action=ConfirmSubscription&Token=token-1');
    const elsewhere = await postSns(sns.sign({ ...confirmation, SubscribeURL: 'https://evil.example.com/confirm?Token=token-1' }));
    expect(elsewhere.status).toBe(403);
    expect(sns.requests.some((r) => r.includes('evil'))).toBe(false);
  });

  it('refuses with 403 a tampered message, another topic, or a certificate off the SNS hosts, publishing nothing', async () => {
    const rejectedSoFar = async () => Number(/provider="ses",outcome="rejected"\} (\d+)/.exec(await registry.getSingleMetricAsString('notify_provider_callbacks_total'))?.[1] ?? 0);
    const before = await rejectedSoFar();
    const signed = sns.sign(sesEvent({ eventType: 'Delivery', delivery: {} }));
    const tampered: SnsMessage = { ...signed, Message: signed.Message.replace('Delivery', 'Bounce') };
    expect((await postSns(tampered)).status).toBe(403);
    expect((await postSns(sns.sign({ ...sesEvent({ eventType: 'Delivery', delivery: {} }), TopicArn: 'arn:aws:sns:eu-west-1:999999999999:attacker' }))).status).toBe(403);
    const offHost = { ...signed, SigningCertURL: signed.SigningCertURL.replace('127.0.0.1', 'localhost') };
    const res = await postSns(offHost);
    expect(res.status).toBe(403);
    expect(((await res.json()) as ErrorBody).error.code).toBe('FORBIDDEN');
    expect(published).toEqual([]);
    expect((await rejectedSoFar()) - before).toBe(3);
  });

  it('answers 400 naming the fields for an unsigned message, an unknown message type or a bad SES event', async () => {
    const { Signature: _s, ...unsigned } = sns.sign(sesEvent({ eventType: 'Delivery', delivery: {} }));
    const res = await postSns(unsigned);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.fields.map((f) => f.path)).toEqual(['Signature']);
    const gossip = await postSns(sns.sign(sesEvent({ eventType: 'Delivery', delivery: {} })), 'Gossip');
    expect(((await gossip.json()) as ErrorBody).error.fields.map((f) => f.path)).toEqual(['x-amz-sns-message-type']);
    for (const [event, paths] of [
      [{ eventType: 'Bounce', mail: {} }, ['Message.mail.messageId']],
      [{ eventType: 'Bounce', mail: { messageId: SES_MESSAGE_ID } }, ['Message.bounce']],
    ] as const) {
      const badEvent = await postSns(sns.sign({ ...sesEvent({}), Message: JSON.stringify(event) }));
      expect(badEvent.status).toBe(400);
      expect(((await badEvent.json()) as ErrorBody).error.fields.map((f) => f.path)).toEqual(paths);
    }
    const notJson = await fetch(`${base}${SES_EVENTS_PATH}`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-amz-sns-message-type': 'Notification' }, body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(published).toEqual([]);
  });
});
