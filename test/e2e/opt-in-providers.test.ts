// The opt-in providers through the whole pipeline: Amazon SES as SendGrid's fallback and Amazon SNS as
// Twilio's (official AWS SDK clients against moto's server, the primaries failing with 5xx at their
// emulators), and push routed by device platform: iOS devices to APNs (HTTP/2 with a provider token, against
// the APNs emulator), the others to FCM.
import { CircuitBreaker } from '@notify/controls';
import { fakeApnsToken, fakeFcmToken } from '@notify/provider-emulators';
import { PROVIDERS } from '@notify/schemas';
import { ApiKeyRepository, TenantRepository } from '@notify/stores';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { MongoClient } from 'mongodb';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchPipeline, SES_FROM, type RunningPipeline } from '../../scripts/pipeline/launch.js';
import { waitFor } from '../support/kafka.js';
import { REPO_ROOT, stackEnv, uniqueName } from '../support/stack-env.js';
import { startFakeSns, TEST_TOPIC_ARN, type FakeSns } from '../../services/status-tracker/src/sns.fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const env = stackEnv();
const tenant = uniqueName('aws');
const mongo = new MongoClient(env.MONGODB_URI);
const redis = new Redis(env.REDIS_URL);
let pipeline: RunningPipeline;
let key = '';
/** Signs SES events as SNS does, and serves its certificate over HTTPS. */
let sns: FakeSns;
let snsCertFile = '';

const ROUTING = {
  channels: {
    EMAIL: { provider: 'sendgrid', fallbackProviders: ['ses'] },
    SMS: { provider: 'twilio', fallbackProviders: ['sns'] },
    PUSH: { provider: 'push', fallbackProviders: [] },
  },
  pushPlatformProviders: { ios: 'apns' },
  channelFallbacks: {},
};
const QUICK_CIRCUIT = { CIRCUIT_FAILURE_THRESHOLD: '3', CIRCUIT_MIN_CALLS: '1', CIRCUIT_OPEN_MS: '60000' };

async function api(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${pipeline.ingestUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Loose };
}

async function notify(userId: string, channel: 'EMAIL' | 'SMS' | 'PUSH'): Promise<string> {
  const res = await api('POST', '/v1/notifications', { templateId: 'hello', category: 'account', data: { name: 'Ada' }, recipients: [userId], channels: [channel] }, { 'idempotency-key': uniqueName('k') });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.notificationIds[0] as string;
}

async function waitForSent(id: string, provider: string): Promise<Loose[]> {
  let timeline: Loose[] = [];
  await waitFor(
    async () => {
      timeline = (await api('GET', `/v1/notifications/${id}`)).body?.timeline ?? [];
      return timeline.some((e) => e.status === 'SENT' && e.provider === provider);
    },
    120_000,
    `SENT by ${provider}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; timeline: ${JSON.stringify(timeline.map((e) => `${e.status}/${e.provider}/${e.reason}`))}`);
  });
  return timeline;
}

beforeAll(async () => {
  await mongo.connect();
  const breaker = new CircuitBreaker(redis);
  for (const provider of PROVIDERS) await breaker.reset(provider);
  const db = mongo.db();
  await new TenantRepository(db).upsert({ tenantId: tenant, name: 'AWS fallbacks', defaultLocale: 'en' });
  key = (await new ApiKeyRepository(db).create({ tenantId: tenant, rateLimitPerMinute: 10_000 })).key;

  sns = await startFakeSns();
  snsCertFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sns-ca-')), 'sns.pem');
  fs.writeFileSync(snsCertFile, sns.certPem);
  pipeline = await launchPipeline({
    stack: env,
    logDir: path.join(REPO_ROOT, 'reports', 'logs', `pipeline-aws-${Date.now()}`),
    only: ['ingest', 'enrichment', 'preference-filter', 'channel-router', 'sender-sendgrid', 'sender-twilio', 'sender-ses', 'sender-sns', 'sender-push', 'sender-apns', 'status-tracker'],
    env: { RETRY_DELAYS_MS: '500,1500,3000' },
    serviceEnv: {
      'channel-router': { ROUTING_CONFIG: JSON.stringify(ROUTING) },
      // The stand-in SNS serves its signing certificate from loopback, over TLS the tracker must trust.
      'status-tracker': { SES_SNS_TOPIC_ARNS: TEST_TOPIC_ARN, SNS_HOST_PATTERN: '^127\\.0\\.0\\.1:\\d+$', NODE_EXTRA_CA_CERTS: snsCertFile },
      'sender-sendgrid': QUICK_CIRCUIT,
      'sender-twilio': QUICK_CIRCUIT,
    },
  });
  for (const [channel, subject, body] of [
    ['EMAIL', 'Hello, {{name}}', 'Hello {{name}}, from the fallback.'],
    ['SMS', null, 'Hi {{name}}, from the fallback'],
    ['PUSH', 'Hello', 'Hi {{name}}, on your phone'],
  ] as const) {
    const res = await api('POST', '/v1/templates/hello/versions', { channel, locale: 'en', body, ...(subject ? { subject } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
}, 300_000);

afterAll(async () => {
  await pipeline?.stop();
  await sns?.close();
  if (snsCertFile) fs.rmSync(path.dirname(snsCertFile), { recursive: true, force: true });
  const breaker = new CircuitBreaker(redis);
  for (const provider of PROVIDERS) await breaker.reset(provider);
  await mongo.close();
  redis.disconnect();
}, 120_000);

describe('opt-in providers', () => {
  it('fails over from SendGrid answering 5xx to Amazon SES, which sends the email once', async () => {
    await api('PUT', '/v1/recipients/ses-user', { email: 'ses-user@example.com', locale: 'en', timezone: 'UTC' });
    pipeline.emulators.sendgrid.control.setFailureRate({ rate5xx: 1, rate429: 0 });
    try {
      const id = await notify('ses-user', 'EMAIL');
      const timeline = await waitForSent(id, 'ses');
      expect(timeline.some((e) => e.status === 'ROUTED' && e.provider === 'ses' && e.attributes?.failoverFrom === 'sendgrid')).toBe(true);
      await new Promise((r) => setTimeout(r, 2_000)); // time for a second copy, were there one
      const emails = (await pipeline.moto!.sentEmails()).filter((m) => m.to.includes('ses-user@example.com'));
      expect(emails).toHaveLength(1);
      expect(emails[0]).toMatchObject({ source: SES_FROM, subject: 'Hello, Ada' });
      expect(pipeline.emulators.sendgrid.received.filter((r: Loose) => r.body.custom_args?.notification_id === id)).toEqual([]);
      const sent = timeline.filter((e) => e.status === 'SENT');
      expect(sent).toHaveLength(1);
    } finally {
      pipeline.emulators.sendgrid.control.reset();
    }
  });

  it('fails over from Twilio answering 5xx to Amazon SNS, which sends the SMS once with its sender id', async () => {
    await api('PUT', '/v1/recipients/sns-user', { phone: '+14155550142', locale: 'en', timezone: 'UTC' });
    pipeline.emulators.twilio.control.setFailureRate({ rate5xx: 1, rate429: 0 });
    try {
      const id = await notify('sns-user', 'SMS');
      const timeline = await waitForSent(id, 'sns');
      expect(timeline.some((e) => e.status === 'ROUTED' && e.provider === 'sns' && e.attributes?.failoverFrom === 'twilio')).toBe(true);
      await new Promise((r) => setTimeout(r, 2_000));
      const sms = (await pipeline.moto!.sentSms()).filter((m) => m.phoneNumber === '+14155550142');
      expect(sms).toHaveLength(1);
      expect(sms[0]!.message).toBe('Hi Ada, from the fallback');
      const publish = (await pipeline.moto!.requests()).find((r) => new URLSearchParams(r.body).get('PhoneNumber') === '+14155550142');
      const attributes = new URLSearchParams(publish!.body);
      const named = (name: string) => [...attributes.entries()].find(([k, v]) => k.endsWith('.Name') && v === name)?.[0].replace(/\.Name$/, '');
      expect(attributes.get(`${named('AWS.SNS.SMS.SenderID')}.Value.StringValue`)).toBe('Notify');
      expect(attributes.get(`${named('AWS.SNS.SMS.SMSType')}.Value.StringValue`)).toBe('Transactional');
      expect(timeline.filter((e) => e.status === 'SENT')).toHaveLength(1);
    } finally {
      pipeline.emulators.twilio.control.reset();
    }
  });

  it('delivers push through APNs with a provider token, and fails an unregistered device token without retrying', async () => {
    const token = fakeApnsToken();
    await api('PUT', '/v1/recipients/ios-user', { devices: [{ token, platform: 'ios' }], locale: 'en', timezone: 'UTC' });
    const id = await notify('ios-user', 'PUSH');
    await waitForSent(id, 'apns');
    const received = pipeline.emulators.apns.received.filter((r) => r.deviceToken === token);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ pushType: 'alert', priority: 10, topic: pipeline.emulators.apns.credentials.topic });
    expect(received[0]!.payload.aps).toMatchObject({ alert: { title: 'Hello', body: 'Hi Ada, on your phone' } });

    const gone = fakeApnsToken();
    pipeline.emulators.apns.control.unregisterTokens(gone);
    await api('PUT', '/v1/recipients/ios-gone', { devices: [{ token: gone, platform: 'ios' }], locale: 'en', timezone: 'UTC' });
    const failed = await notify('ios-gone', 'PUSH');
    let timeline: Loose[] = [];
    await waitFor(
      async () => {
        timeline = (await api('GET', `/v1/notifications/${failed}`)).body?.timeline ?? [];
        return timeline.some((e) => e.status === 'FAILED');
      },
      60_000,
      'FAILED for an unregistered token',
    );
    expect(timeline.find((e) => e.status === 'FAILED').reason).toMatch(/Unregistered/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(pipeline.emulators.apns.calls.filter((c) => c.path.endsWith(gone))).toHaveLength(1);
  });

  it('delivers push to an Android device through FCM', async () => {
    const token = fakeFcmToken();
    await api('PUT', '/v1/recipients/android-user', { devices: [{ token, platform: 'android' }], locale: 'en', timezone: 'UTC' });
    const id = await notify('android-user', 'PUSH');
    const timeline = await waitForSent(id, 'push');
    expect(timeline.find((e) => e.status === 'ROUTED')).toMatchObject({ provider: 'push', attributes: { platform: 'android' } });
    const received = pipeline.emulators.fcm.received.filter((r) => r.message.token === token);
    expect(received).toHaveLength(1);
    expect(received[0]!.message.notification).toMatchObject({ title: 'Hello', body: 'Hi Ada, on your phone' });
  });

  it('sends one push to a recipient with an iOS and an Android device, through the provider of the first', async () => {
    const apnsToken = fakeApnsToken();
    const fcmToken = fakeFcmToken();
    const devices = [
      { token: apnsToken, platform: 'ios' },
      { token: fcmToken, platform: 'android' },
    ];
    await api('PUT', '/v1/recipients/two-devices', { devices, locale: 'en', timezone: 'UTC' });
    const id = await notify('two-devices', 'PUSH');
    const timeline = await waitForSent(id, 'apns');
    await new Promise((r) => setTimeout(r, 2_000)); // time for a second push, were there one
    expect(pipeline.emulators.apns.received.filter((r) => r.deviceToken === apnsToken)).toHaveLength(1);
    expect(pipeline.emulators.fcm.received.filter((r) => r.message.token === fcmToken)).toEqual([]);
    const final = (await api('GET', `/v1/notifications/${id}`)).body.timeline as Loose[];
    expect(final.filter((e) => e.status === 'ROUTED').map((e) => e.provider)).toEqual(['apns']);
    expect(final.filter((e) => e.status === 'SENT')).toHaveLength(1);
    expect(timeline.find((e) => e.status === 'ROUTED')?.attributes?.platform).toBe('ios');
  });

  it('turns signed SES events from SNS into the timeline, and skips an address SES bounced for good', async () => {
    const postSesEvent = async (sesMessageId: string, event: Record<string, unknown>) => {
      const message = sns.sign({
        Type: 'Notification',
        MessageId: randomUUID(),
        TopicArn: TEST_TOPIC_ARN,
        Message: JSON.stringify({ mail: { messageId: sesMessageId, timestamp: new Date().toISOString() }, ...event }),
        Timestamp: new Date().toISOString(),
      });
      const res = await fetch(`${pipeline.statusUrl}/v1/callbacks/ses`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
        body: JSON.stringify(message),
      });
      expect(res.status, await res.text()).toBe(202);
    };
    const sentBySes = async (userId: string): Promise<{ id: string; sesMessageId: string }> => {
      const id = await notify(userId, 'EMAIL');
      const sent = (await waitForSent(id, 'ses')).find((e) => e.status === 'SENT' && e.provider === 'ses');
      return { id, sesMessageId: sent.providerMessageId as string };
    };
    const eventually = async (id: string, status: string) => {
      let timeline: Loose[] = [];
      await waitFor(
        async () => {
          timeline = (await api('GET', `/v1/notifications/${id}`)).body?.timeline ?? [];
          return timeline.some((e) => e.status === status);
        },
        30_000,
        `${status} on ${id}`,
      );
      return timeline.find((e) => e.status === status);
    };

    await api('PUT', '/v1/recipients/ses-reader', { email: 'ses-reader@example.com', locale: 'en', timezone: 'UTC' });
    await api('PUT', '/v1/recipients/ses-gone', { email: 'ses-gone@example.com', locale: 'en', timezone: 'UTC' });
    pipeline.emulators.sendgrid.control.setFailureRate({ rate5xx: 1, rate429: 0 });
    try {
      const read = await sentBySes('ses-reader');
      await postSesEvent(read.sesMessageId, { eventType: 'Delivery', delivery: { timestamp: new Date().toISOString() } });
      await postSesEvent(read.sesMessageId, { eventType: 'Click', click: { timestamp: new Date().toISOString(), link: 'https://example.com/welcome' } });
      expect(await eventually(read.id, 'CLICKED')).toMatchObject({ provider: 'ses', channel: 'EMAIL', attributes: { url: 'https://example.com/welcome' } });
      expect((await api('GET', `/v1/notifications/${read.id}`)).body.status).toBe('DELIVERED');

      const bounced = await sentBySes('ses-gone');
      await postSesEvent(bounced.sesMessageId, { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: 'ses-gone@example.com' }] } });
      expect(await eventually(bounced.id, 'BOUNCED')).toMatchObject({ provider: 'ses', attributes: { bounce: 'hard' } });
      const next = await notify('ses-gone', 'EMAIL');
      expect(await eventually(next, 'SUPPRESSED')).toMatchObject({ channel: 'EMAIL', reason: 'undeliverable' });
      expect((await pipeline.moto!.sentEmails()).filter((m) => m.to.includes('ses-gone@example.com'))).toHaveLength(1);
    } finally {
      pipeline.emulators.sendgrid.control.reset();
    }
  });
});
