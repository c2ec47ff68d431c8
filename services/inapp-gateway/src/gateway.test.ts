import { issueUserToken } from '@notify/http';
import { createLogger } from '@notify/runtime';
import { ApiKeyRepository, inboxChannel, InboxRepository, UserTokenSecretRepository, type InboxDoc } from '@notify/stores';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createGatewayMetrics } from './gateway-metrics.js';
import { startGatewayServer } from './gateway-server.js';
import { createInboxApp } from './inbox-app.js';
import { InboxFanout } from './inbox-fanout.js';
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
let userTokenKeys: UserTokenSecretRepository;
let base = '';
let wsBase = '';
let registry: Registry;
let server: { port: number; close(): Promise<void> };
let fanout: InboxFanout;
let inbox: InboxRepository;

beforeAll(async () => {
  await mongo.connect();
  db = mongo.db(`test_inapp_gateway_${randomUUID().slice(0, 8)}`);
  const keys = new ApiKeyRepository(db);
  key = (await keys.create({ tenantId: tenant })).key;
  otherTenantKey = (await keys.create({ tenantId: `${tenant}-other` })).key;
  userTokenKeys = new UserTokenSecretRepository(db, { verifyCacheMs: 60_000 });
  inbox = new InboxRepository(db);
  registry = new Registry();
  const logger = createLogger('inapp-gateway', 'silent');
  const gateway = new SocketGateway({ keys, userTokenKeys, inbox, logger, metrics: createGatewayMetrics(registry), heartbeatMs: HEARTBEAT_MS, maxBufferedBytes: 1_048_576 });
  fanout = new InboxFanout(subscriber, { onMessage: (c, p) => gateway.deliver(c, p), onResubscribed: () => gateway.resyncAll() }, logger);
  await fanout.start();
  server = await startGatewayServer(createInboxApp({ logger, registry, keys, userTokenKeys, userRateLimitPerMinute: 1_000, inbox, redis }), gateway, 0);
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
  return connectTo(`?userId=${encodeURIComponent(userId)}${options.query ?? ''}`, options.headers ?? { authorization: `Bearer ${key}` }, options.autoPong);
}

function connectTo(query: string, headers: Record<string, string>, autoPong = true) {
  const ws = new WebSocket(`${wsBase}/v1/inapp/ws${query}`, { headers, autoPong });
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const refusal = new Promise<{ status: number; body: { error?: { code: string; message: string } } }>((resolve) =>
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as { error?: { code: string; message: string } }) : {} }));
    }),
  );
  const refusedWith = refusal.then((r) => r.status);
  return { ws, messages, opened, closed, refusedWith, refusal };
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
  await inbox.add(doc);
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

describe('end-user tokens', () => {
  const tokenFor = async (userId: string, options: { tenantId?: string; ttlSeconds?: number; now?: number } = {}) => {
    const tenantId = options.tenantId ?? tenant;
    return (await issueUserToken({ tenantId, userId, key: await userTokenKeys.signingKey(tenantId), ttlSeconds: options.ttlSeconds ?? 900, now: options.now })).token;
  };
  const refused = async (client: ReturnType<typeof connectTo>) => {
    client.ws.on('error', () => {});
    const accepted = client.opened.then(
      () => {
        client.ws.close();
        throw new Error('the socket was accepted');
      },
      () => new Promise<never>(() => {}),
    );
    return Promise.race([client.refusal, accepted]);
  };
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  it('opens the socket of the token’s user from ?token= alone, or the Authorization header, and pushes that user’s messages', async () => {
    const token = await tokenFor('gina');
    const viaQuery = connectTo(`?token=${encodeURIComponent(token)}`, {});
    const viaHeader = connectTo('', { authorization: `Bearer ${token}` });
    const sameUser = connectTo(`?userId=gina&token=${encodeURIComponent(token)}`, {});
    await Promise.all([viaQuery.opened, viaHeader.opened, sameUser.opened]);
    await until(() => [viaQuery, viaHeader, sameUser].every((c) => c.messages.length === 1), 'ready messages', 15_000);
    expect(viaQuery.messages[0]).toEqual({ type: 'ready', userId: 'gina', unread: 0 });
    const payload = { type: 'notification', notification: { id: 'n-gina' } };
    await redis.publish(inboxChannel(tenant, 'gina'), JSON.stringify(payload));
    await until(() => [viaQuery, viaHeader, sameUser].every((c) => c.messages.length === 2), 'the notification on every socket');
    expect(viaQuery.messages[1]).toEqual(payload);
    for (const c of [viaQuery, viaHeader, sameUser]) c.ws.close();
  });

  it('refuses a socket for another user (403), an expired token and a forged one (401, naming why)', async () => {
    const token = await tokenFor('gina');
    expect(await refused(connectTo(`?userId=hank&token=${encodeURIComponent(token)}`, {}))).toEqual({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: "this token is for another user: it serves only its own user's inbox" } },
    });
    const expired = await tokenFor('gina', { ttlSeconds: 60, now: Date.now() - 3_600_000 });
    expect(await refused(connectTo(`?token=${encodeURIComponent(expired)}`, {}))).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'token expired' } },
    });
    const [header, payload] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'hank' })).toString('base64url')}.${token.split('.')[2]}`;
    expect((await refused(connectTo(`?token=${encodeURIComponent(forged)}`, {}))).body.error?.message).toBe('token signature invalid');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect(await refused(connectTo('', { authorization: `Bearer ${none}` }))).toMatchObject({ status: 401, body: { error: { message: 'token algorithm not accepted: none (only HS256)' } } });
    expect((await refused(connectTo('?token=garbage', {}))).body.error?.message).toBe('token malformed: not a JSON Web Token');
  });

  it('lets a token read and mark its own user’s inbox, and nobody else’s', async () => {
    const t0 = Date.parse('2025-04-01T10:00:00.000Z');
    for (let i = 0; i < 2; i++) await storeInbox('ivy', `i-${i}`, new Date(t0 + i * 60_000));
    await storeInbox('jack', 'j-0', new Date(t0));
    const token = await tokenFor('ivy');
    const asIvy = (path: string, init: RequestInit = {}) => api(path, init, token);

    const list = (await (await asIvy('/v1/inbox/ivy')).json()) as { items: Array<{ id: string }> };
    expect(list.items.map((i) => i.id)).toEqual(['i-1', 'i-0']);
    expect(await (await asIvy('/v1/inbox/ivy/unread-count')).json()).toEqual({ unread: 2 });
    expect((await asIvy('/v1/inbox/ivy/i-0/read', { method: 'POST' })).status).toBe(200);
    expect(await (await asIvy('/v1/inbox/ivy/read-all', { method: 'POST' })).json()).toEqual({ updated: 1 });

    for (const [path, method] of [
      ['/v1/inbox/jack', 'GET'],
      ['/v1/inbox/jack/unread-count', 'GET'],
      ['/v1/inbox/jack/j-0/read', 'POST'],
      ['/v1/inbox/jack/read-all', 'POST'],
    ] as const) {
      const res = await asIvy(path, { method });
      expect(res.status).toBe(403);
      expect(await errorOf(res)).toEqual({ code: 'FORBIDDEN', message: "this token is for another user: it serves only its own user's inbox" });
    }
    // Jack's message is untouched; the API key still serves any user of the tenant.
    expect(await (await api('/v1/inbox/jack/unread-count')).json()).toEqual({ unread: 1 });

    // A token of another tenant's ivy sees that tenant's (empty) inbox, never this one.
    const foreign = await tokenFor('ivy', { tenantId: `${tenant}-other` });
    expect(await (await api('/v1/inbox/ivy', {}, foreign)).json()).toEqual({ items: [], nextBefore: null });
  });

  it('refuses an expired or otherwise bad token on the REST routes with 401 naming why', async () => {
    const expired = await tokenFor('ivy', { ttlSeconds: 60, now: Date.now() - 3_600_000 });
    const res = await api('/v1/inbox/ivy', {}, expired);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await errorOf(res)).toEqual({ code: 'UNAUTHENTICATED', message: 'token expired' });
    const unknownTenant = await issueUserToken({ tenantId: 'nobody-here', userId: 'ivy', key: { kid: '0123456789abcdef', secret: 'c2VjcmV0' } });
    expect(await errorOf(await api('/v1/inbox/ivy', {}, unknownTenant.token))).toEqual({ code: 'UNAUTHENTICATED', message: 'token tenant unknown' });
    expect(await errorOf(await api('/v1/inbox/ivy', {}, 'not.a.token'))).toEqual({ code: 'UNAUTHENTICATED', message: 'token malformed: not a JSON Web Token' });
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
