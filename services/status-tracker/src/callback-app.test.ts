import { listen } from '@notify/http';
import { createLogger, type Output } from '@notify/runtime';
import type { NotificationStatusEvent } from '@notify/schemas';
import { DeliveryRecords, NotificationRepository } from '@notify/stores';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { Registry } from 'prom-client';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCallbackApp, SENDGRID_EVENTS_PATH, TWILIO_STATUS_PATH } from './callback-app.js';
import { FirstSeenClock } from './first-seen-clock.js';
import { NotificationLookup } from './notification-lookup.js';
import { SendGridSignatureVerifier } from './sendgrid-signature.js';
import { createTrackerMetrics } from './tracker-metrics.js';

interface ErrorBody {
  error: { code: string; fields: Array<{ path: string; message: string }> };
}

const PUBLIC_BASE_URL = 'https://notify.example.com/status';
const AUTH_TOKEN = 'twilio-test-token-0123456789abcdef';
const SID = 'SM' + 'ab'.repeat(16);
const X_MESSAGE_ID = 'sgXMessageId00000000aa';

const mongo = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify', { serverSelectionTimeoutMS: 5_000 });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379', { maxRetriesPerRequest: 1 });
const redisPrefix = `test:status-callbacks:${randomUUID().slice(0, 8)}:`;
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const published: NotificationStatusEvent[] = [];
let db: Db;
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
  ] as const) {
    await repo.appendStatuses([
      { notificationId: id, tenantId: 't-1', userId: 'u-1', status: 'ACCEPTED', stage: 'ingest', channel: null, provider: null, reason: null, providerMessageId: null, occurredAt: 500, attributes: {} },
      { notificationId: id, tenantId: 't-1', userId: 'u-1', status: 'SENT', stage: 'sender', channel, provider, reason: null, providerMessageId: messageId, occurredAt: 1_000, attributes: {} },
    ]);
    await new DeliveryRecords(db).record({ notificationId: id, channel, provider, providerMessageId: messageId, sentAt: new Date() });
  }
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
    bodyLimit: '1mb',
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
  ];
  const body = JSON.stringify(events, null, 2);

  it('publishes DELIVERED and BOUNCED for a correctly signed batch, matched by custom arg or sg_message_id', async () => {
    const res = await signedSendGrid(body);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ published: 2, ignored: 1, unmatched: 1 });
    expect(published).toEqual([
      expect.objectContaining({ notificationId: 'n-email', tenantId: 't-1', userId: 'u-1', status: 'DELIVERED', channel: 'EMAIL', provider: 'sendgrid', providerMessageId: X_MESSAGE_ID, occurredAt: 1_700_000_100_000 }),
      expect.objectContaining({ notificationId: 'n-email', status: 'BOUNCED', reason: '550 5.1.1 unknown user', occurredAt: 1_700_000_200_000 }),
    ]);
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
