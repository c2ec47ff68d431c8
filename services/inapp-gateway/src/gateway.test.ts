import { createLogger } from '@notify/runtime';
import { ApiKeyRepository, Collections, type InboxDoc } from '@notify/stores';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createGatewayMetrics } from './gateway-metrics.js';
import { startGatewayServer } from './gateway-server.js';
import { inboxChannel } from './inbox-channel.js';
import { createInboxApp } from './inbox-app.js';
import { InboxFanout } from './inbox-fanout.js';
import { InboxRepository } from './inbox-repository.js';
import { SocketGateway } from './socket-gateway.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
const HEARTBEAT_MS = 1_000;
const mongo = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify', { serverSelectionTimeoutMS: 5_000 });
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const subscriber = new Redis(REDIS_URL);
const tenant = `t-${randomUUID().slice(0, 8)}`;
let db: Db;
let key = '';
let otherTenantKey = '';
let base = '';
let wsBase = '';
let registry: Registry;
let server: { port: number; close(): Promise<void> };
let fanout: InboxFanout;

beforeAll(async () => {
  await mongo.connect();
  db = mongo.db(`test_inapp_gateway_${randomUUID().slice(0, 8)}`);
  const keys = new ApiKeyRepository(db);
  key = (await keys.create({ tenantId: tenant })).key;
  otherTenantKey = (await keys.create({ tenantId: `${tenant}-other` })).key;
  const inbox = new InboxRepository(db);
  registry = new Registry();
  const logger = createLogger('inapp-gateway', 'silent');
  const gateway = new SocketGateway({ keys, inbox, logger, metrics: createGatewayMetrics(registry), heartbeatMs: HEARTBEAT_MS, maxBufferedBytes: 1_048_576 });
  fanout = new InboxFanout(subscriber, { onMessage: (c, p) => gateway.deliver(c, p), onResubscribed: () => gateway.resyncAll() }, logger);
  await fanout.start();
  server = await startGatewayServer(createInboxApp({ logger, registry, keys, inbox, redis }), gateway, 0);
  base = `http://127.0.0.1:${server.port}`;
  wsBase = `ws://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
  await fanout.close();
  await db.dropDatabase();
  await mongo.close();
  await redis.quit();
});

/** A client that keeps every message it receives. */
function connect(userId: string, options: { headers?: Record<string, string>; query?: string; autoPong?: boolean } = {}) {
  const ws = new WebSocket(`${wsBase}/v1/inapp/ws?userId=${encodeURIComponent(userId)}${options.query ?? ''}`, {
    headers: options.headers ?? { authorization: `Bearer ${key}` },
    autoPong: options.autoPong ?? true,
  });
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const refusedWith = new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  return { ws, messages, opened, closed, refusedWith };
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const api = (path: string, init: RequestInit = {}, apiKey = key) =>
  fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, ...(init.headers ?? {}) } });

async function storeInbox(userId: string, id: string, createdAt: Date): Promise<void> {
  const doc: InboxDoc = { _id: id, tenantId: tenant, userId, title: `t ${id}`, body: `b ${id}`, category: 'account', data: { k: 'v' }, createdAt, readAt: null };
  await db.collection<InboxDoc>(Collections.inbox).insertOne(doc);
}

describe('in-app WebSocket gateway', () => {
  it('pushes what is published on the user’s channel to each of the user’s sockets, and only theirs', async () => {
    const a1 = connect('alice');
    const a2 = connect('alice', { headers: {}, query: `&apiKey=${encodeURIComponent(key)}` });
    const bob = connect('bob');
    await Promise.all([a1.opened, a2.opened, bob.opened]);
    await until(() => [a1, a2, bob].every((c) => c.messages.length === 1), 'ready messages');
    expect(a1.messages[0]).toEqual({ type: 'ready', userId: 'alice', unread: 0 });

    const payload = { type: 'notification', notification: { id: 'n-1', title: 'Hi', body: 'There', category: 'account', data: {}, createdAt: new Date().toISOString() } };
    await redis.publish(inboxChannel(tenant, 'alice'), JSON.stringify(payload));
    await until(() => a1.messages.length === 2 && a2.messages.length === 2, 'the notification on both sockets');
    expect(a1.messages[1]).toEqual(payload);
    expect(a2.messages[1]).toEqual(payload);
    await new Promise((r) => setTimeout(r, 200));
    expect(bob.messages).toHaveLength(1);
    await redis.publish(inboxChannel(`${tenant}-other`, 'alice'), JSON.stringify(payload));
    await new Promise((r) => setTimeout(r, 200));
    expect(a1.messages).toHaveLength(2);

    a1.ws.send(JSON.stringify({ type: 'ping' }));
    await until(() => a1.messages.some((m) => m.type === 'pong'), 'pong');
    for (const c of [a1, a2, bob]) c.ws.close();
  });

  it('tells clients to resync after the Redis subscription was lost, and keeps delivering', async () => {
    const client = connect('frank');
    await client.opened;
    await until(() => client.messages.length === 1, 'ready');
    subscriber.disconnect(true);
    await until(() => client.messages.some((m) => m.type === 'resync'), 'the resync notice');
    await until(() => fanout.isSubscribed, 'the subscription back');
    await redis.publish(inboxChannel(tenant, 'frank'), JSON.stringify({ type: 'notification', notification: { id: 'n-after' } }));
    await until(() => client.messages.some((m) => m.type === 'notification'), 'a message after the reconnect');
    client.ws.close();
  });

  it('refuses a wrong path (404), a missing or unknown key (401) and a missing user (400)', async () => {
    const wrongPath = new WebSocket(`${wsBase}/v1/elsewhere?userId=u`, { headers: { authorization: `Bearer ${key}` } });
    const wrongPathStatus = new Promise<number>((resolve) => wrongPath.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)));
    wrongPath.on('error', () => {});
    expect(await wrongPathStatus).toBe(404);
    const cases: Array<[ReturnType<typeof connect>, number]> = [
      [connect('u', { headers: {} }), 401],
      [connect('u', { headers: { authorization: 'Bearer nk_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro' } }), 401],
      [connect(''), 400],
    ];
    for (const [client, status] of cases) {
      client.opened.catch(() => {});
      client.ws.on('error', () => {});
      expect(await client.refusedWith).toBe(status);
    }
  });

  it('closes a socket that stops answering pings', async () => {
    const silent = connect('carol', { autoPong: false });
    await silent.opened;
    const started = Date.now();
    expect(await silent.closed).toBe(1006);
    expect(Date.now() - started).toBeLessThan(HEARTBEAT_MS * 3 + 500);
    expect(await registry.getSingleMetricAsString('notify_inapp_sockets_closed_total')).toMatch(/reason="dead"\} 1/);
  });
});

describe('inbox REST API', () => {
  it('lists newest first with paging, counts unread, marks read, and keeps tenants apart', async () => {
    const t0 = Date.parse('2025-03-01T10:00:00.000Z');
    for (let i = 0; i < 3; i++) await storeInbox('dave', `d-${i}`, new Date(t0 + i * 60_000));
    const listener = connect('dave');
    await listener.opened;

    const page1 = (await (await api('/v1/inbox/dave?limit=2')).json()) as { items: Array<{ id: string; readAt: string | null }>; nextBefore: string | null };
    expect(page1.items.map((i) => i.id)).toEqual(['d-2', 'd-1']);
    expect(page1.items[0]).toMatchObject({ title: 't d-2', body: 'b d-2', category: 'account', data: { k: 'v' }, createdAt: '2025-03-01T10:02:00.000Z', readAt: null });
    const page2 = (await (await api(`/v1/inbox/dave?limit=2&before=${encodeURIComponent(page1.nextBefore!)}`)).json()) as typeof page1;
    expect(page2.items.map((i) => i.id)).toEqual(['d-0']);
    expect(page2.nextBefore).toBeNull();
    expect(await (await api('/v1/inbox/dave/unread-count')).json()).toEqual({ unread: 3 });

    const read = await api('/v1/inbox/dave/d-1/read', { method: 'POST' });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: 'd-1', readAt: expect.any(String) });
    await until(() => listener.messages.some((m) => m.type === 'read'), 'the read receipt on the socket');
    expect(listener.messages.find((m) => m.type === 'read')).toMatchObject({ ids: ['d-1'] });
    expect(await (await api('/v1/inbox/dave/unread-count')).json()).toEqual({ unread: 2 });
    const unread = (await (await api('/v1/inbox/dave?unread=true')).json()) as typeof page1;
    expect(unread.items.map((i) => i.id)).toEqual(['d-2', 'd-0']);

    // Another tenant's key sees nothing of this tenant's inbox.
    const foreign = await api('/v1/inbox/dave/d-2/read', { method: 'POST' }, otherTenantKey);
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect(await (await api('/v1/inbox/dave', {}, otherTenantKey)).json()).toEqual({ items: [], nextBefore: null });
    expect((await api('/v1/inbox/dave/nope/read', { method: 'POST' })).status).toBe(404);

    expect(await (await api('/v1/inbox/dave/read-all', { method: 'POST' })).json()).toEqual({ updated: 2 });
    expect(await (await api('/v1/inbox/dave/unread-count')).json()).toEqual({ unread: 0 });
    listener.ws.close();
  });

  it('answers 401 without a key and 400 naming bad parameters', async () => {
    expect((await fetch(`${base}/v1/inbox/dave`)).status).toBe(401);
    const bad = await api('/v1/inbox/dave?limit=500&unread=maybe');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: Array<{ path: string }> } }).error.fields.map((f) => f.path)).toEqual(['unread', 'limit']);
  });
});

describe('shutdown', () => {
  it('closes open sockets with 1001 going away', async () => {
    const client = connect('erin');
    await client.opened;
    await server.close();
    expect(await client.closed).toBe(1001);
  });
});
