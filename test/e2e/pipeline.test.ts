// The whole pipeline, every service its own process, against the real stack and the provider emulators:
// requests in through REST and Kafka, out through SendGrid, Twilio, SMTP, FCM and the in-app inbox.
import { CircuitBreaker } from '@notify/controls';
import { CLOCK_OFFSET_KEY, Headers } from '@notify/runtime';
import { PROVIDERS, Topics, type NotificationRequest } from '@notify/schemas';
import { ApiKeyRepository, InboxRepository, TenantRepository } from '@notify/stores';
import { DEFAULT_TWILIO_ACCOUNT_SID, DEFAULT_TWILIO_AUTH_TOKEN, fakeFcmToken } from '@notify/provider-emulators';
import twilio from 'twilio';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchPipeline, type RunningPipeline } from '../../scripts/pipeline/launch.js';
import { produce, testSerde, waitFor } from '../support/kafka.js';
import { monitoredMetricNames } from '../support/monitoring-queries.js';
import { REPO_ROOT, stackEnv, uniqueName } from '../support/stack-env.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const env = stackEnv();
const tenant = uniqueName('e2e');
const otherTenant = uniqueName('e2e-other');
const mongo = new MongoClient(env.MONGODB_URI);
const redis = new Redis(env.REDIS_URL);
let pipeline: RunningPipeline;
let key = '';
let otherKey = '';
let adminKey = '';

async function api(method: string, route: string, body?: unknown, apiKey: string | null = key, headers: Record<string, string> = {}) {
  const res = await fetch(`${pipeline.ingestUrl}${route}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Loose };
}

async function notify(body: Record<string, unknown>, idempotencyKey = uniqueName('k')) {
  const res = await api('POST', '/v1/notifications', { templateId: 'welcome', category: 'account', data: { name: 'Ada' }, ...body }, key, { 'idempotency-key': idempotencyKey });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.notificationIds as string[];
}

async function timeline(id: string): Promise<Loose> {
  return (await api('GET', `/v1/notifications/${id}`)).body;
}

/** Waits until the notification's timeline has an event matching `match`, and returns the timeline. */
async function waitForEvent(id: string, match: Record<string, unknown>, timeoutMs = 60_000): Promise<Loose> {
  let last: Loose;
  const matches = (e: Loose) => Object.entries(match).every(([k, v]) => e[k] === v);
  await waitFor(
    async () => {
      last = await timeline(id);
      return Boolean(last?.timeline?.some(matches));
    },
    timeoutMs,
    `${JSON.stringify(match)} on ${id}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; timeline: ${JSON.stringify(last?.timeline?.map((e: Loose) => `${e.status}/${e.stage}/${e.channel}/${e.provider}/${e.reason}`))}`);
  });
  return last;
}

const sendgridFor = (id: string): Loose[] => pipeline.emulators.sendgrid.received.filter((r: Loose) => r.body.custom_args?.notification_id === id);

async function recipient(userId: string, profile: Record<string, unknown>) {
  const res = await api('PUT', `/v1/recipients/${userId}`, { locale: 'en-GB', timezone: 'UTC', ...profile });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

function hhmm(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

beforeAll(async () => {
  await mongo.connect();
  await redis.del(CLOCK_OFFSET_KEY);
  // Circuits are shared through Redis: one left open by an earlier run would steer these tests' deliveries.
  const breaker = new CircuitBreaker(redis);
  for (const provider of PROVIDERS) await breaker.reset(provider);
  const db = mongo.db();
  await new TenantRepository(db).upsert({ tenantId: tenant, name: 'E2E', defaultLocale: 'en' });
  await new TenantRepository(db).upsert({ tenantId: otherTenant, name: 'Other', defaultLocale: 'en' });
  key = (await new ApiKeyRepository(db).create({ tenantId: tenant, rateLimitPerMinute: 10_000 })).key;
  otherKey = (await new ApiKeyRepository(db).create({ tenantId: otherTenant })).key;
  adminKey = (await new ApiKeyRepository(db).create({ tenantId: tenant, scopes: ['admin'] })).key;

  const clocked = { CLOCK_OFFSET_REDIS_URL: env.REDIS_URL };
  pipeline = await launchPipeline({
    stack: env,
    logDir: path.join(REPO_ROOT, 'reports', 'logs', `pipeline-${Date.now()}`),
    env: { RETRY_DELAYS_MS: '500,1500,3000' },
    serviceEnv: {
      'preference-filter': { ...clocked, FREQUENCY_CAPS: JSON.stringify([{ category: 'promo', channel: '*', max: 1, windowMs: 3_600_000 }]) },
      scheduler: clocked,
      'sender-sendgrid': { CIRCUIT_FAILURE_THRESHOLD: '3', CIRCUIT_MIN_CALLS: '1', CIRCUIT_OPEN_MS: '60000' },
    },
  });

  for (const [channel, subject, body, html] of [
    ['EMAIL', 'Welcome, {{name}}', 'Hello {{name}}, welcome aboard.', '<p>Hello <b>{{name}}</b></p>'],
    ['SMS', null, 'Hi {{name}}, welcome!', null],
    ['PUSH', 'Welcome', 'Hi {{name}}', null],
    ['IN_APP', 'Welcome', 'Hello {{name}} (in-app)', null],
  ] as const) {
    const res = await api('POST', '/v1/templates/welcome/versions', { channel, locale: 'en', body, ...(subject ? { subject } : {}), ...(html ? { html } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
}, 300_000);

afterAll(async () => {
  await redis.del(CLOCK_OFFSET_KEY);
  await pipeline?.stop();
  await mongo.close();
  redis.disconnect();
}, 120_000);

describe('pipeline end to end', () => {
  it('delivers a REST request by email and SMS with rendered content, and the timeline shows every hop', async () => {
    await recipient('ada', { email: 'ada@example.com', phone: '+15005550101' });
    const [id] = await notify({ recipients: ['ada'], channels: ['EMAIL', 'SMS'], data: { name: '<Ada>' } });
    const t = await waitForEvent(id!, { status: 'SENT', channel: 'SMS' });
    await waitForEvent(id!, { status: 'SENT', channel: 'EMAIL' });

    const mail = sendgridFor(id!);
    expect(mail).toHaveLength(1);
    expect(mail[0].body.subject).toBe('Welcome, <Ada>');
    expect(mail[0].body.content.find((c: Loose) => c.type === 'text/html').value).toBe('<p>Hello <b>&lt;Ada&gt;</b></p>');
    const sms = pipeline.emulators.twilio.received.filter((r) => r.to === '+15005550101');
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body).toBe('Hi <Ada>, welcome!');

    const stages = new Set((await timeline(id!)).timeline.map((e: Loose) => `${e.status}:${e.stage}`));
    for (const hop of ['ACCEPTED:ingest', 'ROUTED:channel-router', 'SENT:sender']) expect(stages).toContain(hop);
    expect(t.timeline.filter((e: Loose) => e.status === 'ROUTED').map((e: Loose) => e.provider).sort()).toEqual(['sendgrid', 'twilio']);
  });

  it('accepts a Kafka request and fans it out, one notification per recipient, to push and in-app', async () => {
    const token = fakeFcmToken();
    await recipient('grace', { deviceTokens: [token] });
    await recipient('linus', {});
    const serde = await testSerde([Topics.requests]);
    const request: NotificationRequest = {
      tenantId: tenant,
      idempotencyKey: uniqueName('kafka'),
      recipients: ['grace', 'linus'],
      templateId: 'welcome',
      category: 'account',
      channels: ['PUSH', 'IN_APP'],
      priority: 'NORMAL',
      data: { name: 'Grace' },
      scheduledFor: null,
      expiresAt: null,
      requestedAt: Date.now(),
      topics: [],
      digest: null,
    };
    await produce(Topics.requests.name, [{ key: Topics.requests.keyOf(request), value: serde.encode(Topics.requests, request), headers: { [Headers.REQUESTED_AT]: String(Date.now()) } }]);

    await waitFor(() => pipeline.emulators.fcm.received.some((r) => r.message.token === token), 60_000, 'push to grace');
    const inbox = new InboxRepository(mongo.db());
    const inboxOf = (userId: string) => inbox.list(tenant, userId, { unreadOnly: false, limit: 10, before: null });
    await waitFor(async () => (await inboxOf('grace')).length + (await inboxOf('linus')).length === 2, 60_000, 'two inbox entries');
    const [linus] = await inboxOf('linus');
    expect(linus?.body).toBe('Hello Grace (in-app)');
    // linus has no device token: PUSH is unreachable for him, IN_APP still goes out.
    await waitForEvent(linus!._id, { status: 'SENT', channel: 'IN_APP' });
  });

  it('suppresses an opted-out channel with its reason', async () => {
    await recipient('opt', { email: 'opt@example.com' });
    expect((await api('PUT', '/v1/recipients/opt/preferences', { categories: { marketing: { EMAIL: false } } })).status).toBe(200);
    const [id] = await notify({ recipients: ['opt'], channels: ['EMAIL'], category: 'marketing' });
    const t = await waitForEvent(id!, { status: 'SUPPRESSED' });
    expect(t.timeline.find((e: Loose) => e.status === 'SUPPRESSED').reason).toBe('opted_out');
    expect(sendgridFor(id!)).toHaveLength(0);
  });

  it('defers during quiet hours and delivers when the window ends (test-controlled clock); expires what cannot wait', async () => {
    const now = Date.now();
    await recipient('night', { email: 'night@example.com' });
    const quiet = { start: hhmm(now - 3_600_000), end: hhmm(now + 3_600_000) };
    expect((await api('PUT', '/v1/recipients/night/preferences', { quietHours: quiet })).status).toBe(200);

    const [deferred] = await notify({ recipients: ['night'], channels: ['EMAIL'] });
    const [expiring] = await notify({ recipients: ['night'], channels: ['EMAIL'], expiresAt: new Date(now + 10 * 60_000).toISOString() });
    const d = await waitForEvent(deferred!, { status: 'DEFERRED' });
    expect(d.timeline.find((e: Loose) => e.status === 'DEFERRED').reason).toBe('quiet_hours');
    const x = await waitForEvent(expiring!, { status: 'SUPPRESSED' });
    expect(x.timeline.find((e: Loose) => e.status === 'SUPPRESSED').reason).toBe('expired');
    expect(sendgridFor(deferred!)).toHaveLength(0);

    await redis.set(CLOCK_OFFSET_KEY, String(2 * 3_600_000)); // two hours on: the window has ended
    try {
      await waitForEvent(deferred!, { status: 'SENT', channel: 'EMAIL' }, 60_000);
    } finally {
      await redis.del(CLOCK_OFFSET_KEY);
    }
    expect(sendgridFor(deferred!)).toHaveLength(1);
  });

  it('marks a number Twilio reports permanently undeliverable, skips SMS to it, and sends again once the number changes', async () => {
    const phone = '+14155550199';
    await recipient('bouncer', { phone });
    const [first] = await notify({ recipients: ['bouncer'], channels: ['SMS'] });
    const sent = (await waitForEvent(first!, { status: 'SENT', provider: 'twilio' })).timeline.find((e: Loose) => e.status === 'SENT');

    // Twilio's signed status callback: undelivered, 30005 (unknown destination handset), a hard failure.
    const callbackPath = '/v1/callbacks/twilio/status';
    const params = { MessageSid: sent.providerMessageId, MessageStatus: 'undelivered', ErrorCode: '30005', To: phone, AccountSid: DEFAULT_TWILIO_ACCOUNT_SID, ApiVersion: '2010-04-01' };
    const callback = await fetch(`${pipeline.statusUrl}${callbackPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(DEFAULT_TWILIO_AUTH_TOKEN, `${pipeline.statusUrl}${callbackPath}`, params) },
      body: new URLSearchParams(params).toString(),
    });
    expect(callback.status).toBe(202);
    await waitForEvent(first!, { status: 'BOUNCED' });

    const [second] = await notify({ recipients: ['bouncer'], channels: ['SMS'] });
    const t = await waitForEvent(second!, { status: 'SUPPRESSED' });
    expect(t.timeline.find((e: Loose) => e.status === 'SUPPRESSED')).toMatchObject({ channel: 'SMS', reason: 'undeliverable' });
    expect(pipeline.emulators.twilio.received.filter((r: Loose) => r.to === phone)).toHaveLength(1);

    await recipient('bouncer', { phone: '+14155550198' });
    const [third] = await notify({ recipients: ['bouncer'], channels: ['SMS'] });
    await waitForEvent(third!, { status: 'SENT', provider: 'twilio' });
  });

  it('applies a frequency cap', async () => {
    await recipient('capped', { email: 'capped@example.com' });
    const [first] = await notify({ recipients: ['capped'], channels: ['EMAIL'], category: 'promo' });
    await waitForEvent(first!, { status: 'SENT' });
    const [second] = await notify({ recipients: ['capped'], channels: ['EMAIL'], category: 'promo' });
    const t = await waitForEvent(second!, { status: 'SUPPRESSED' });
    expect(t.timeline.find((e: Loose) => e.status === 'SUPPRESSED').reason).toBe('frequency_cap');
  });

  it('answers a repeated idempotency key with the first answer and sends once', async () => {
    await recipient('twice', { email: 'twice@example.com' });
    const k = uniqueName('same');
    const [a] = await notify({ recipients: ['twice'], channels: ['EMAIL'] }, k);
    const [b] = await notify({ recipients: ['twice'], channels: ['EMAIL'] }, k);
    expect(b).toBe(a);
    await waitForEvent(a!, { status: 'SENT' });
    await new Promise((r) => setTimeout(r, 2000));
    expect(sendgridFor(a!)).toHaveLength(1);
  });

  it('retries a SendGrid 503 and delivers once; a 400 fails without retry', async () => {
    await recipient('flaky', { email: 'flaky@example.com' });
    pipeline.emulators.sendgrid.control.failNext(1, 503);
    const [retried] = await notify({ recipients: ['flaky'], channels: ['EMAIL'] });
    await waitForEvent(retried!, { status: 'SENT', provider: 'sendgrid' });
    expect(sendgridFor(retried!)).toHaveLength(1);

    const callsBefore = pipeline.emulators.sendgrid.calls.length;
    pipeline.emulators.sendgrid.control.failNext(1, 400);
    const [rejected] = await notify({ recipients: ['flaky'], channels: ['EMAIL'] });
    const t = await waitForEvent(rejected!, { status: 'FAILED' });
    expect(t.timeline.find((e: Loose) => e.status === 'FAILED').reason).toMatch(/PROVIDER_REJECTED/);
    await new Promise((r) => setTimeout(r, 3000));
    expect(pipeline.emulators.sendgrid.calls.length - callsBefore).toBe(1);
  });

  it('opens the circuit when SendGrid keeps failing and fails over to SMTP', async () => {
    await recipient('failover', { email: 'failover@example.com' });
    // A fresh window: the earlier tests' successful SendGrid calls would otherwise keep the failure ratio low.
    await new CircuitBreaker(redis).reset('sendgrid');
    pipeline.emulators.sendgrid.control.setFailureRate({ rate5xx: 1, rate429: 0 });
    try {
      // The first one is retried until the circuit opens, then fails over to SMTP.
      const first = await notify({ recipients: ['failover'], channels: ['EMAIL'] });
      const t = await waitForEvent(first[0]!, { status: 'SENT', provider: 'smtp' }, 90_000);
      expect(t.timeline.some((e: Loose) => e.status === 'ROUTED' && e.provider === 'smtp' && e.attributes?.failoverFrom === 'sendgrid')).toBe(true);
      // While it is open (CIRCUIT_OPEN_MS), the gauge, refreshed every CONTROLS_REFRESH_MS, says so.
      const sendgrid = pipeline.processes.get('sender-sendgrid')!;
      await waitFor(async () => /notify_provider_circuit_state\{[^}]*provider="sendgrid"[^}]*\} 2/.test(await sendgrid.metrics()), 10_000, 'the open circuit on /metrics');
      // Later ones fail over too, or are routed around the open circuit by the router.
      const ids = [first, ...(await Promise.all([2, 3, 4].map(() => notify({ recipients: ['failover'], channels: ['EMAIL'] }))))];
      for (const [id] of ids.slice(1)) {
        const later = await waitForEvent(id!, { status: 'SENT', provider: 'smtp' }, 90_000);
        const toSmtp = later.timeline.filter((e: Loose) => e.status === 'ROUTED' && e.provider === 'smtp');
        const viaFailover = toSmtp.some((e: Loose) => e.attributes?.failoverFrom === 'sendgrid');
        const aroundOpenCircuit = toSmtp.some((e: Loose) => String(e.attributes?.skippedProviders ?? '').includes('sendgrid:circuit_open'));
        expect(viaFailover || aroundOpenCircuit, JSON.stringify(later.timeline)).toBe(true);
      }
      const outbox = pipeline.emulators.smtp.received.filter((m) => m.to.some((to) => to.includes('failover@example.com')));
      expect(outbox).toHaveLength(4);
      expect(outbox[0]!.subject).toBe('Welcome, Ada');
      const tracker = pipeline.processes.get('status-tracker')!;
      await waitFor(async () => /notify_provider_failovers_total\{[^}]*from="sendgrid"[^}]*to="smtp"[^}]*\} [1-9]/.test(await tracker.metrics()), 10_000, 'the failover counted on /metrics');
    } finally {
      pipeline.emulators.sendgrid.control.reset();
      await new CircuitBreaker(redis).reset('sendgrid');
    }
  });

  it('rejects bad input, a missing key, an unknown recipient and another tenant\'s notification', async () => {
    const bad = await api('POST', '/v1/notifications', { recipients: [], templateId: '', channels: ['FAX'] });
    expect(bad.status).toBe(400);
    const fields = bad.body.error.fields.map((f: Loose) => f.path);
    expect(fields).toEqual(expect.arrayContaining(['recipients', 'templateId', 'channels[0]', 'category']));

    expect((await api('POST', '/v1/notifications', { recipients: ['ada'] }, null)).status).toBe(401);

    const unknown = await api('POST', '/v1/notifications', { recipients: ['nobody'], templateId: 'welcome', category: 'account' });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('nobody');

    const [mine] = await notify({ recipients: ['ada'], channels: ['EMAIL'] });
    expect((await api('GET', `/v1/notifications/${mine}`, undefined, otherKey)).status).toBe(404);
  });

  it('holds a switched-off provider in Kafka and delivers when it is switched on; steers by rollout percentage', async () => {
    await recipient('held', { phone: '+15005550199', email: 'held@example.com' });
    const patch = (body: unknown) => api('PATCH', '/v1/admin/controls', body, adminKey);
    expect((await api('PATCH', '/v1/admin/controls', { providers: { twilio: { enabled: false } } })).status).toBe(403);
    expect((await patch({ providers: { twilio: { enabled: false } } })).status).toBe(200);
    try {
      await new Promise((r) => setTimeout(r, 3000)); // every replica refreshes within CONTROLS_REFRESH_MS
      const [id] = await notify({ recipients: ['held'], channels: ['SMS'] });
      await waitForEvent(id!, { status: 'ROUTED', provider: 'twilio' });
      await new Promise((r) => setTimeout(r, 4000));
      expect(pipeline.emulators.twilio.received.filter((m) => m.to === '+15005550199')).toHaveLength(0);
      expect((await timeline(id!)).timeline.some((e: Loose) => e.status === 'SENT')).toBe(false);

      expect((await patch({ providers: { twilio: { enabled: true } } })).status).toBe(200);
      await waitForEvent(id!, { status: 'SENT', provider: 'twilio' }, 30_000);
      expect(pipeline.emulators.twilio.received.filter((m) => m.to === '+15005550199')).toHaveLength(1);

      // Rollout 0 % for SendGrid: every recipient goes to the next provider (SMTP).
      expect((await patch({ providers: { sendgrid: { rolloutPercent: 0 } } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 3000));
      const [steered] = await notify({ recipients: ['held'], channels: ['EMAIL'] });
      await waitForEvent(steered!, { status: 'SENT', provider: 'smtp' });
    } finally {
      await patch({ providers: { twilio: { enabled: true }, sendgrid: { rolloutPercent: 100 } } });
    }
  });

  it('exports every metric the dashboard and the alert rules use', async () => {
    const exported = new Set<string>();
    for (const p of pipeline.processes.values()) {
      for (const m of (await p.metrics()).matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
        exported.add(m[1]!);
        if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${m[1]}${suffix}`);
      }
    }
    // `up` is written by Prometheus for every scrape target, not by the services.
    const missing = [...monitoredMetricNames()].filter((name) => name !== 'up' && !exported.has(name));
    expect(missing).toEqual([]);
  });
});
