import { statusEvent } from '@notify/runtime';
import { Topics, type NotificationStatusEvent } from '@notify/schemas';
import { ApiKeyRepository, DeliveryRecords, inboxChannel, InboxRepository, NotificationRepository, type InboxDoc } from '@notify/stores';
import { generateKeyPairSync, sign } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { kafka, produce, testSerde, waitFor } from '../support/kafka.js';
import { freePort, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { REPO_ROOT, stackEnv, uniqueName } from '../support/stack-env.js';
import { acquirePipelineLock } from '../../scripts/pipeline/pipeline-lock.js';

const GATEWAY_ENTRY = path.join(REPO_ROOT, 'services', 'inapp-gateway', 'src', 'main.ts');
const TRACKER_ENTRY = path.join(REPO_ROOT, 'services', 'status-tracker', 'src', 'main.ts');

const dbName = uniqueName('e2e_status_inapp').replace(/-/g, '_');
const mongoUri = () => {
  const url = new URL(stackEnv().MONGODB_URI);
  url.pathname = `/${dbName}`;
  return url.toString();
};

let mongo: MongoClient;
let db: Db;
let redis: Redis;
let running: ServiceProcess[] = [];

// These services consume the pipeline's global topics: never alongside another launched pipeline.
let releaseLock = () => {};

beforeAll(async () => {
  releaseLock = await acquirePipelineLock(30 * 60_000);
  mongo = await new MongoClient(mongoUri(), { serverSelectionTimeoutMS: 5_000 }).connect();
  db = mongo.db();
  redis = new Redis(stackEnv().REDIS_URL, { maxRetriesPerRequest: 1 });
});

afterEach(async () => {
  for (const p of running) p.kill('SIGKILL');
  running = [];
});

afterAll(async () => {
  await db.dropDatabase();
  await mongo.close();
  await redis.quit();
  releaseLock();
});

async function start(name: string, entry: string, env: Record<string, string>): Promise<ServiceProcess & { httpPort: number }> {
  const httpPort = await freePort();
  const p = await startServiceProcess(name, entry, { MONGODB_URI: mongoUri(), HTTP_PORT: String(httpPort), INSTANCE_ID: uniqueName(name), SHUTDOWN_GRACE_MS: '10000', ...env });
  running.push(p);
  await p.waitReady();
  return Object.assign(p, { httpPort });
}

interface Client {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<number>;
}

async function connect(port: number, userId: string, apiKey: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/inapp/ws?userId=${encodeURIComponent(userId)}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await waitFor(() => messages.some((m) => m.type === 'ready'), 5_000, 'the ready message');
  return { ws, messages, closed };
}

describe('in-app gateway: two replicas, one user', () => {
  it('delivers a published inbox message to the user’s sockets on both replicas, and serves the inbox by tenant', async () => {
    const keys = new ApiKeyRepository(db);
    const tenantId = uniqueName('tenant');
    const key = (await keys.create({ tenantId })).key;
    const otherKey = (await keys.create({ tenantId: `${tenantId}-other` })).key;
    const [g1, g2] = await Promise.all([start('inapp-gateway-1', GATEWAY_ENTRY, {}), start('inapp-gateway-2', GATEWAY_ENTRY, {})]);
    const c1 = await connect(g1.httpPort, 'user-1', key);
    const c2 = await connect(g2.httpPort, 'user-1', key);
    const bystander = await connect(g2.httpPort, 'user-2', key);

    // What the in-app sender does: the inbox document first (the durable copy), then the publish.
    const doc: InboxDoc = { _id: uniqueName('n'), tenantId, userId: 'user-1', title: 'Welcome', body: 'Hello there', category: 'account', data: { plan: 'pro' }, createdAt: new Date(), readAt: null };
    await new InboxRepository(db).add(doc);
    const message = { type: 'notification', notification: { id: doc._id, title: doc.title, body: doc.body, category: doc.category, data: doc.data, createdAt: doc.createdAt } };
    await redis.publish(inboxChannel(tenantId, 'user-1'), JSON.stringify(message));

    const expected = JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
    await waitFor(() => [c1, c2].every((c) => c.messages.some((m) => m.type === 'notification')), 10_000, 'the message on both replicas');
    expect(c1.messages.find((m) => m.type === 'notification')).toEqual(expected);
    expect(c2.messages.find((m) => m.type === 'notification')).toEqual(expected);
    expect(bystander.messages.some((m) => m.type === 'notification')).toBe(false);

    const api = (port: number, p: string, method = 'GET', apiKey = key) =>
      fetch(`http://127.0.0.1:${port}${p}`, { method, headers: { authorization: `Bearer ${apiKey}` } });
    const list = (await (await api(g1.httpPort, '/v1/inbox/user-1')).json()) as { items: Array<{ id: string; readAt: string | null }> };
    expect(list.items).toEqual([{ id: doc._id, title: 'Welcome', body: 'Hello there', category: 'account', data: { plan: 'pro' }, createdAt: doc.createdAt.toISOString(), readAt: null }]);
    expect(await (await api(g2.httpPort, '/v1/inbox/user-1/unread-count')).json()).toEqual({ unread: 1 });

    expect((await api(g1.httpPort, `/v1/inbox/user-1/${doc._id}/read`, 'POST', otherKey)).status).toBe(404);
    const read = await api(g2.httpPort, `/v1/inbox/user-1/${doc._id}/read`, 'POST');
    expect(read.status).toBe(200);
    // The read receipt reaches the user's socket on the other replica too.
    await waitFor(() => c1.messages.some((m) => m.type === 'read'), 10_000, 'the read receipt on replica 1');
    expect(await (await api(g1.httpPort, '/v1/inbox/user-1/unread-count')).json()).toEqual({ unread: 0 });
    expect(await (await api(g1.httpPort, '/v1/inbox/user-1/unread-count', 'GET', otherKey)).json()).toEqual({ unread: 0 });

    // Graceful shutdown: sockets are told the server is going away, and the process exits cleanly.
    g1.kill('SIGTERM');
    expect(await c1.closed).toBe(1001);
    expect(await g1.exited).toEqual({ code: 0, signal: null });
    c2.ws.close();
    bystander.ws.close();
  });
});

describe('status-tracker', () => {
  it('records status events into timelines once, and turns signed provider callbacks into status events', async () => {
    const authToken = 'e2e-twilio-auth-token';
    const publicBaseUrl = 'https://notify.example.test/status';
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const tracker = await start('status-tracker', TRACKER_ENTRY, {
      TWILIO_AUTH_TOKEN: authToken,
      PUBLIC_BASE_URL: publicBaseUrl,
      SENDGRID_WEBHOOK_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    });
    const serde = await testSerde([Topics.status]);
    const sendStatus = (events: NotificationStatusEvent[]) =>
      produce(Topics.status.name, events.map((e) => ({ key: e.notificationId, value: serde.encode(Topics.status, e) })));
    const repo = new NotificationRepository(db);

    const tenantId = uniqueName('tenant');
    const sms = { notificationId: uniqueName('n-sms'), tenantId, userId: 'user-1' };
    const email = { notificationId: uniqueName('n-email'), tenantId, userId: 'user-2' };
    const sid = `SM${Buffer.from(sms.notificationId).toString('hex').padEnd(32, '0').slice(0, 32)}`;
    const t0 = Date.now() - 60_000;
    const smsEvents = [
      statusEvent(sms, 'ingest', 'ACCEPTED', t0),
      statusEvent(sms, 'channel-router', 'ROUTED', t0 + 1, { channel: 'SMS', provider: 'twilio' }),
      statusEvent(sms, 'sender', 'SENT', t0 + 2, { channel: 'SMS', provider: 'twilio', providerMessageId: sid }),
    ];
    const emailEvents = [statusEvent(email, 'ingest', 'ACCEPTED', t0), statusEvent(email, 'sender', 'SENT', t0 + 2, { channel: 'EMAIL', provider: 'sendgrid', providerMessageId: 'x-message-id' })];
    await sendStatus([...smsEvents, ...emailEvents]);
    await waitFor(async () => (await repo.get(tenantId, sms.notificationId))?.timeline.length === 3 && (await repo.get(tenantId, email.notificationId))?.timeline.length === 2, 30_000, 'the timelines');

    // A replay (a producer retry, a re-published dead letter) adds nothing.
    await sendStatus(smsEvents);
    const marker = statusEvent({ ...sms, notificationId: uniqueName('n-marker') }, 'ingest', 'ACCEPTED', t0);
    await sendStatus([marker]);
    await waitFor(async () => (await repo.get(tenantId, marker.notificationId)) !== null, 30_000, 'the marker after the replay');
    expect((await repo.get(tenantId, sms.notificationId))?.timeline.map((e) => e.status)).toEqual(['ACCEPTED', 'ROUTED', 'SENT']);

    // Twilio: the sender's ledger maps the MessageSid to the notification.
    await new DeliveryRecords(db).record({ notificationId: sms.notificationId, channel: 'SMS', provider: 'twilio', providerMessageId: sid, sentAt: new Date() });
    const callbackPath = '/v1/callbacks/twilio/status';
    const params = { MessageSid: sid, MessageStatus: 'delivered', AccountSid: 'AC0123', ApiVersion: '2010-04-01' };
    const postTwilio = (signature: string) =>
      fetch(`http://127.0.0.1:${tracker.httpPort}${callbackPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      });
    expect((await postTwilio('forged')).status).toBe(403);
    const accepted = await postTwilio(twilio.getExpectedTwilioSignature(authToken, `${publicBaseUrl}${callbackPath}`, params));
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ published: 1, ignored: 0, unmatched: 0 });

    const delivered = await findStatus(sms.notificationId, 'DELIVERED');
    expect(delivered).toMatchObject({ ...sms, status: 'DELIVERED', stage: 'status-tracker', channel: 'SMS', provider: 'twilio', providerMessageId: sid });
    await waitFor(async () => (await repo.get(tenantId, sms.notificationId))?.status === 'DELIVERED', 30_000, 'DELIVERED in the timeline');

    // SendGrid: signed Event Webhook batch, matched by the notification_id custom arg.
    const body = JSON.stringify([
      { email: 'someone@example.com', event: 'processed', timestamp: Math.floor(t0 / 1000) + 5, sg_message_id: 'x-message-id.filter-1' },
      { email: 'someone@example.com', event: 'bounce', timestamp: Math.floor(t0 / 1000) + 10, sg_message_id: 'x-message-id.filter-1', reason: '550 5.1.1 no such user', notification_id: email.notificationId, tenant_id: tenantId },
    ]);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
    const sg = await fetch(`http://127.0.0.1:${tracker.httpPort}/v1/callbacks/sendgrid/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp },
      body,
    });
    expect(sg.status).toBe(202);
    expect(await sg.json()).toEqual({ published: 1, ignored: 1, unmatched: 0 });
    await waitFor(async () => (await repo.get(tenantId, email.notificationId))?.status === 'BOUNCED', 30_000, 'BOUNCED in the timeline');
    const bounced = (await repo.get(tenantId, email.notificationId))!.timeline.at(-1);
    expect(bounced).toMatchObject({ status: 'BOUNCED', channel: 'EMAIL', provider: 'sendgrid', reason: '550 5.1.1 no such user' });

    expect(await tracker.metrics()).toMatch(/notify_status_events_total\{[^}]*status="DELIVERED"[^}]*\} 1/);
    tracker.kill('SIGTERM');
    expect(await tracker.exited).toEqual({ code: 0, signal: null });
  });
});

/** Reads notify.status.v1 (read_committed) until the notification's event with that status turns up. */
async function findStatus(notificationId: string, status: string, timeoutMs = 30_000): Promise<NotificationStatusEvent> {
  const serde = await testSerde([Topics.status]);
  const consumer = kafka.consumer({ groupId: uniqueName('e2e-status-reader'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: Topics.status.name, fromBeginning: true });
  let found: NotificationStatusEvent | undefined;
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (found || message.key?.toString() !== notificationId) return;
      const event = await serde.decode<NotificationStatusEvent>('notification-status', message.value);
      if (event.status === status) found = event;
    },
  });
  try {
    await waitFor(() => found !== undefined, timeoutMs, `${status} for ${notificationId} on ${Topics.status.name}`);
  } finally {
    await consumer.disconnect();
  }
  return found!;
}
