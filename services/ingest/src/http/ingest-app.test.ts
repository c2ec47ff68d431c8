import { randomUUID } from 'node:crypto';
import { listen } from '@notify/http';
import { EMPTY_CONTROLS, type ControlsChange, type ControlsSnapshot } from '@notify/controls';
import { createMetricsRegistry, Headers, type HeaderMap, type Output } from '@notify/runtime';
import { Topics } from '@notify/schemas';
import {
  ApiKeyRepository,
  AuditLogRepository,
  Collections,
  createRecipientCache,
  createTemplateCache,
  IdempotencyRepository,
  NotificationRepository,
  PreferencesRepository,
  RecipientRepository,
  TemplateRepository,
  TenantRepository,
  TopicSubscriptionRepository,
  UserTokenSecretRepository,
} from '@notify/stores';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Intake } from '../accept/intake.js';
import { templateCatalog } from '../accept/template-catalog.js';
import type { StoredAcceptance } from '../domain/idempotency.js';
import { notificationId } from '../domain/notification-id.js';
import { openTestDb, openTestRedis, silentLogger } from '../test-support.js';
import { createIngestApp } from './ingest-app.js';

// Responses are read loosely: each test asserts the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const TENANT = `acme-${randomUUID().slice(0, 8)}`;
const OTHER_TENANT = `globex-${randomUUID().slice(0, 8)}`;

let db: Db;
let commandsDuring: (run: () => Promise<unknown>) => Promise<string[]>;
let closeDb: () => Promise<void>;
const testRedis = openTestRedis('app');
let closeServer: () => Promise<void>;
let base = '';
let key = '';
let adminKey = '';
let otherKey = '';
let limitedKey = '';
let published: Array<{ outputs: Output[]; common: HeaderMap }> = [];

/** Controls in memory: the real store is one Redis hash shared by the whole deployment. */
class MemoryControls {
  snapshot: ControlsSnapshot = EMPTY_CONTROLS;
  async read() {
    return this.snapshot;
  }
  async apply(change: ControlsChange) {
    const disabled = new Set(this.snapshot.disabledProviders);
    for (const [p, v] of Object.entries(change.providers ?? {}))
      if (v?.enabled === false) disabled.add(p as never);
    this.snapshot = { ...this.snapshot, disabledProviders: disabled };
    return this.snapshot;
  }
}

beforeAll(async () => {
  ({ db, commandsDuring, close: closeDb } = await openTestDb('app'));
  const tenants = new TenantRepository(db);
  const apiKeys = new ApiKeyRepository(db);
  for (const tenantId of [TENANT, OTHER_TENANT])
    await tenants.upsert({ tenantId, name: tenantId, defaultLocale: 'en' });
  key = (await apiKeys.create({ tenantId: TENANT })).key;
  adminKey = (await apiKeys.create({ tenantId: TENANT, scopes: ['admin'] })).key;
  otherKey = (await apiKeys.create({ tenantId: OTHER_TENANT })).key;
  limitedKey = (await apiKeys.create({ tenantId: TENANT, rateLimitPerMinute: 2 })).key;

  const { redis, prefix } = testRedis;
  const recipients = new RecipientRepository(db, {
    cache: createRecipientCache(redis, { prefix: `${prefix}recipient:` }),
  });
  const templates = new TemplateRepository(db, {
    cache: createTemplateCache(redis, { prefix: `${prefix}template:` }),
  });
  const notifications = new NotificationRepository(db);
  // What the notification tests name; the management tests create their own.
  for (const userId of ['alice', 'bob'])
    await recipients.upsert({ tenantId: TENANT, userId, locale: 'en', timezone: 'UTC' });
  await templates.put({
    tenantId: TENANT,
    templateId: 'welcome',
    channel: 'EMAIL',
    locale: 'en',
    body: 'Hello {{name}}',
  });
  const intake = new Intake({
    tenants,
    recipients,
    templates: templateCatalog(templates),
    idempotency: new IdempotencyRepository<StoredAcceptance>(db),
    publish: async (outputs, common) => {
      published.push({ outputs, common });
    },
    timeline: notifications,
    logger: silentLogger,
  });
  const app = createIngestApp({
    intake,
    notifications,
    recipients,
    preferences: new PreferencesRepository(db),
    templates,
    topicSubscriptions: new TopicSubscriptionRepository(db),
    controls: new MemoryControls(),
    audit: new AuditLogRepository(db),
    userTokenKeys: new UserTokenSecretRepository(db),
    apiKeys,
    redis,
    logger: silentLogger,
    registry: createMetricsRegistry('ingest-test'),
    bodyLimit: '256kb',
    subscribersBodyLimit: '2mb',
  });
  const server = await listen(app, 0);
  base = `http://127.0.0.1:${server.port}`;
  closeServer = server.close;
});

afterAll(async () => {
  await closeServer();
  await closeDb();
  await testRedis.close();
});

beforeEach(() => {
  published = [];
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  apiKey: string | null = key,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, Loose>) : undefined,
  };
}

const request = (extra: Record<string, unknown> = {}) => ({
  recipients: ['alice', 'bob'],
  templateId: 'welcome',
  category: 'account',
  data: { name: 'Ada' },
  ...extra,
});

describe('management', () => {
  it('creates, reads and updates recipients with field-level validation', async () => {
    const bad = await call('PUT', '/v1/recipients/alice', {
      email: 'nope',
      phone: '123',
      timezone: 'Mars/Base',
      extra: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body?.error.fields.map((f: { path: string }) => f.path)).toEqual([
      'email',
      'phone',
      'timezone',
      'extra',
    ]);

    const put = await call('PUT', '/v1/recipients/alice', {
      email: 'alice@example.com',
      locale: 'en-gb',
      timezone: 'Europe/London',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      userId: 'alice',
      email: 'alice@example.com',
      phone: null,
      locale: 'en-GB',
      timezone: 'Europe/London',
      deviceTokens: [],
      devices: [],
    });
    expect((await call('PUT', '/v1/recipients/bob', { phone: '+14155550100' })).body).toMatchObject({
      locale: 'en',
      timezone: 'UTC',
    });

    const added = await call('POST', '/v1/recipients/alice/device-tokens', { token: 'tok-1' });
    expect(added.body?.deviceTokens).toEqual(['tok-1']);
    expect((await call('DELETE', '/v1/recipients/alice/device-tokens/tok-1')).status).toBe(204);
    expect((await call('GET', '/v1/recipients/alice')).body?.deviceTokens).toEqual([]);

    expect((await call('GET', '/v1/recipients/alice', undefined, {}, otherKey)).status).toBe(404);
    expect((await call('POST', '/v1/recipients/nobody/device-tokens', { token: 't' })).status).toBe(404);
  });

  it('keeps push devices with their platform, and removes a token from both lists', async () => {
    const bad = await call('PUT', '/v1/recipients/dora', {
      devices: [
        { token: '', platform: 'ios' },
        { token: 'ok', platform: 'symbian' },
        { token: 'ok', platform: 'web', extra: 1 },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body?.error.fields.map((f: { path: string }) => f.path)).toEqual([
      'devices[0].token',
      'devices[1].platform',
      'devices[2].extra',
    ]);
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ token: `t-${i}`, platform: 'android' }));
    expect((await call('PUT', '/v1/recipients/dora', { devices: tooMany })).body?.error.fields[0].path).toBe(
      'devices',
    );

    const put = await call('PUT', '/v1/recipients/dora', {
      deviceTokens: ['legacy'],
      devices: [
        { token: 'apns-1', platform: 'ios' },
        { token: 'fcm-1', platform: 'android' },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      deviceTokens: ['legacy'],
      devices: [
        { token: 'apns-1', platform: 'ios' },
        { token: 'fcm-1', platform: 'android' },
      ],
    });
    expect(
      (await call('PUT', '/v1/recipients/dora', { email: 'dora@example.com' })).body?.devices,
    ).toHaveLength(2);

    const added = await call('POST', '/v1/recipients/dora/device-tokens', {
      token: 'web-1',
      platform: 'web',
    });
    expect(added.body?.devices.at(-1)).toEqual({ token: 'web-1', platform: 'web' });
    expect(
      (await call('POST', '/v1/recipients/dora/device-tokens', { token: 'x', platform: 'palm' })).body?.error
        .fields[0].path,
    ).toBe('platform');

    expect((await call('DELETE', '/v1/recipients/dora/device-tokens/apns-1')).status).toBe(204);
    expect((await call('GET', '/v1/recipients/dora')).body).toMatchObject({
      deviceTokens: ['legacy'],
      devices: [
        { token: 'fcm-1', platform: 'android' },
        { token: 'web-1', platform: 'web' },
      ],
    });
  });

  it('replaces and reads preferences of known recipients only', async () => {
    expect((await call('GET', '/v1/recipients/alice/preferences')).body).toEqual({
      userId: 'alice',
      globalUnsubscribe: false,
      categories: {},
      quietHours: null,
      updatedAt: null,
    });
    const bad = await call('PUT', '/v1/recipients/alice/preferences', {
      categories: { billing: { FAX: true } },
      quietHours: { start: '25:00', end: '07:00' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body?.error.fields.map((f: { path: string }) => f.path)).toEqual([
      'categories.billing.FAX',
      'quietHours.start',
    ]);

    const put = await call('PUT', '/v1/recipients/alice/preferences', {
      categories: { billing: { SMS: false } },
      quietHours: { start: '22:00', end: '07:00' },
    });
    expect(put.body).toMatchObject({
      globalUnsubscribe: false,
      categories: { billing: { SMS: false } },
      quietHours: { start: '22:00', end: '07:00' },
    });
    expect((await call('PUT', '/v1/recipients/nobody/preferences', {})).status).toBe(404);
  });

  it('adds template versions and reads the latest variants', async () => {
    const broken = await call('POST', '/v1/templates/receipt/versions', {
      channel: 'SMS',
      locale: 'en',
      body: 'Hi {{#if}}',
      html: '<p>x</p>',
    });
    expect(broken.status).toBe(400);
    expect(broken.body?.error.fields.map((f: { path: string }) => f.path)).toEqual(['body', 'html']);

    const v1 = await call('POST', '/v1/templates/receipt/versions', {
      channel: 'EMAIL',
      locale: 'en',
      subject: 'Hi',
      body: 'Hello {{name}}',
    });
    expect(v1.status).toBe(201);
    expect(v1.headers.get('location')).toBe('/v1/templates/receipt');
    expect(v1.body).toMatchObject({ templateId: 'receipt', channel: 'EMAIL', locale: 'en', version: 1 });
    const v2 = await call('POST', '/v1/templates/receipt/versions', {
      channel: 'EMAIL',
      locale: 'en',
      subject: 'Hi',
      body: 'Hello again {{name}}',
    });
    expect(v2.body?.version).toBe(2);

    const read = await call('GET', '/v1/templates/receipt');
    expect(read.body?.variants).toEqual([
      expect.objectContaining({ channel: 'EMAIL', version: 2, body: 'Hello again {{name}}' }),
    ]);
    expect((await call('GET', '/v1/templates/receipt', undefined, {}, otherKey)).status).toBe(404);
  });
});

describe('notifications', () => {
  it('accepts a request with 202, publishing it under the caller trace, and answers a repeat with the first answer', async () => {
    const idem = randomUUID();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const first = await call('POST', '/v1/notifications', request(), {
      'idempotency-key': idem,
      traceparent,
    });
    expect(first.status).toBe(202);
    const ids = ['alice', 'bob'].map((u) => notificationId(TENANT, idem, u));
    expect(first.body).toEqual({
      status: 'ACCEPTED',
      notificationIds: ids,
      idempotencyKey: idem,
      acceptedAt: expect.any(String),
    });
    expect(published).toHaveLength(1);
    const trace = published[0]!.common[Headers.TRACEPARENT]!;
    expect(trace.split('-')[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace).not.toBe(traceparent);
    expect(published[0]!.outputs.filter((o) => o.topic === Topics.accepted)).toHaveLength(2);

    const repeat = await call('POST', '/v1/notifications', request(), { 'idempotency-key': idem });
    expect(repeat.status).toBe(202);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(published).toHaveLength(1);

    const reused = await call('POST', '/v1/notifications', request({ category: 'other' }), {
      'idempotency-key': idem,
    });
    expect(reused.status).toBe(422);
    expect(reused.body?.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('answers 409 while the same request is in flight elsewhere', async () => {
    const idem = randomUUID();
    const claims = new IdempotencyRepository(db);
    // Claim the key the way a concurrent request would, with the same request hash.
    const { requestHash } = await import('../domain/request-hash.js');
    const { parseNotificationRequest } = await import('../domain/request-schema.js');
    await claims.claim(
      TENANT,
      idem,
      requestHash(
        parseNotificationRequest(
          { ...request(), idempotencyKey: idem },
          { now: Date.now(), tenantId: TENANT },
        ),
      ),
    );
    const res = await call('POST', '/v1/notifications', request({ idempotencyKey: idem }));
    expect(res.status).toBe(409);
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('answers 400 naming the fields, 404 naming what is missing, 401 without a key, 413 for a large body', async () => {
    const invalid = await call('POST', '/v1/notifications', {
      recipients: [],
      templateId: '',
      priority: 'ASAP',
      bogus: true,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body?.error.fields.map((f: { path: string }) => f.path)).toEqual([
      'recipients',
      'templateId',
      'category',
      'priority',
      'bogus',
    ]);

    const missing = await call(
      'POST',
      '/v1/notifications',
      request({ recipients: ['alice', 'ghost'], templateId: 'nope' }),
    );
    expect(missing.status).toBe(404);
    expect(missing.body?.error).toMatchObject({
      code: 'NOT_FOUND',
      missing: { templateId: 'nope', userIds: ['ghost'] },
    });
    expect(missing.body?.error.message).toContain('ghost');

    expect((await call('POST', '/v1/notifications', request(), {}, null)).status).toBe(401);
    const large = await call('POST', '/v1/notifications', request({ data: { blob: 'x'.repeat(300_000) } }));
    expect(large.status).toBe(413);
    expect(published).toHaveLength(0);
  });

  it('accepts a batch item by item, each with its own key', async () => {
    const idem = randomUUID();
    const res = await call('POST', '/v1/notifications/batch', {
      requests: [
        request({ idempotencyKey: idem }),
        { recipients: ['ghost'], templateId: 'welcome', category: 'x' },
        request({ idempotencyKey: idem }),
        { recipients: ['alice'], templateId: '', category: 'x' },
      ],
    });
    expect(res.status).toBe(200);
    const results = res.body?.results as Array<Record<string, Loose>>;
    expect(results.map((r) => [r.index, r.status])).toEqual([
      [0, 202],
      [1, 404],
      [2, 202],
      [3, 400],
    ]);
    expect(results[0]!.notificationIds).toEqual(['alice', 'bob'].map((u) => notificationId(TENANT, idem, u)));
    expect(results[2]!.notificationIds).toEqual(results[0]!.notificationIds);
    expect(results[1]!.error.missing.userIds).toEqual(['ghost']);
    expect(published).toHaveLength(1);

    const tooMany = await call('POST', '/v1/notifications/batch', {
      requests: Array.from({ length: 101 }, () => request()),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body?.error.fields).toEqual([
      { path: 'requests', message: 'must hold at most 100 requests' },
    ]);
    // An item that is not an object at all breaks the batch's own shape: the whole call is refused.
    const junk = await call('POST', '/v1/notifications/batch', { requests: [request(), 'junk'] });
    expect(junk.status).toBe(400);
    expect(junk.body?.error.fields).toEqual([{ path: 'requests[1]', message: 'must be a JSON object' }]);
  });

  it('answers each batch item as it would be answered alone, in as many MongoDB commands for 7 items as for 50', async () => {
    const done = randomUUID();
    await call('POST', '/v1/notifications', request(), { 'idempotency-key': done });
    const busy = randomUUID();
    const { requestHash } = await import('../domain/request-hash.js');
    const { parseNotificationRequest } = await import('../domain/request-schema.js');
    await new IdempotencyRepository(db).claim(
      TENANT,
      busy,
      requestHash(
        parseNotificationRequest(
          { ...request(), idempotencyKey: busy },
          { now: Date.now(), tenantId: TENANT },
        ),
      ),
    );
    published = [];
    const mixed = (fresh: string[]) => [
      ...fresh.map((k) => request({ idempotencyKey: k })),
      request({ idempotencyKey: done }),
      request({ idempotencyKey: busy }),
      request({ idempotencyKey: done, category: 'other' }),
      request({ idempotencyKey: fresh[0] }),
      request({ idempotencyKey: fresh[0], category: 'other' }),
      request({ recipients: ['ghost'] }),
      { recipients: [] },
    ];
    const send = async (fresh: string[]) => {
      let res: Awaited<ReturnType<typeof call>> | undefined;
      const commands = await commandsDuring(async () => {
        res = await call('POST', '/v1/notifications/batch', { requests: mixed(fresh) });
      });
      return { res: res!, commands };
    };

    const small = await send([randomUUID()]);
    const fresh = Array.from({ length: 43 }, () => randomUUID());
    const large = await send(fresh);
    expect(large.res.status).toBe(200);
    const results = large.res.body?.results as Array<Record<string, Loose>>;
    expect(results).toHaveLength(50);
    expect(results.slice(43).map((r) => [r.index, r.status, r.error?.code])).toEqual([
      [43, 202, undefined],
      [44, 409, 'IDEMPOTENCY_KEY_IN_FLIGHT'],
      [45, 422, 'IDEMPOTENCY_KEY_REUSED'],
      [46, 202, undefined],
      [47, 422, 'IDEMPOTENCY_KEY_REUSED'],
      [48, 404, 'NOT_FOUND'],
      [49, 400, 'VALIDATION'],
    ]);
    expect(results.slice(0, 43).every((r) => r.status === 202)).toBe(true);
    expect(results[43]!.notificationIds).toEqual(
      ['alice', 'bob'].map((u) => notificationId(TENANT, done, u)),
    );
    expect(results[46]).toEqual({ ...results[0], index: 46 });
    expect(results[47]!.error.fields).toEqual([
      { path: 'idempotencyKey', message: 'was already used for a different request' },
    ]);
    expect(results[48]!.error.missing).toEqual({ userIds: ['ghost'] });
    expect(results[49]!.error.fields.map((f: { path: string }) => f.path)).toEqual([
      'recipients',
      'templateId',
      'category',
    ]);
    expect(published).toHaveLength(2);

    const stores = (commands: string[]) =>
      commands.filter(
        (c) => c.endsWith(Collections.idempotency) || c.endsWith(Collections.notificationEvents),
      );
    expect(stores(large.commands)).toEqual([
      `insert ${Collections.idempotency}`,
      `find ${Collections.idempotency}`,
      `insert ${Collections.notificationEvents}`,
      `update ${Collections.idempotency}`,
    ]);
    expect(large.commands).toEqual(small.commands);
  });

  it('shows the status and timeline of its own tenant only', async () => {
    const accepted = await call('POST', '/v1/notifications', request());
    const id = accepted.body?.notificationIds[0] as string;
    const res = await call('GET', `/v1/notifications/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      notificationId: id,
      userId: 'alice',
      status: 'ACCEPTED',
      timeline: [{ status: 'ACCEPTED', stage: 'ingest', attributes: { source: 'REST' } }],
    });
    expect((await call('GET', `/v1/notifications/${id}`, undefined, {}, otherKey)).status).toBe(404);
  });

  it('rate-limits per key with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await call('GET', '/v1/recipients/alice', undefined, {}, limitedKey);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});

describe('topics', () => {
  const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

  it('subscribes and unsubscribes up to 10,000 users a call, counting what changed, within the caller tenant', async () => {
    const topic = `news-${randomUUID().slice(0, 8)}`;
    const path = `/v1/topics/${topic}/subscribers`;
    const put = await call('PUT', path, { userIds: users('u', 10_000) });
    expect(put).toMatchObject({ status: 200, body: { topicId: topic, added: 10_000 } });
    expect((await call('PUT', path, { userIds: ['u-1', 'u-2', 'new', 'new'] })).body).toEqual({ topicId: topic, added: 1 });
    expect((await call('DELETE', path, { userIds: ['u-1', 'nobody'] })).body).toEqual({ topicId: topic, removed: 1 });
    expect((await call('GET', path, undefined, {}, otherKey)).body).toEqual({ topicId: topic, subscribers: [], nextCursor: null });
  });

  it('takes a 1.3 MB subscriber call while a notification body keeps the general limit', async () => {
    const longIds = Array.from({ length: 10_000 }, (_, i) => `${i}-`.padEnd(128, 'x'));
    const put = await call('PUT', `/v1/topics/long-${randomUUID().slice(0, 8)}/subscribers`, { userIds: longIds });
    expect(put).toMatchObject({ status: 200, body: { added: 10_000 } });
    const notification = await call('POST', '/v1/notifications', { recipients: ['u-1'], templateId: 't', category: 'c', data: { blob: 'y'.repeat(300_000) } });
    expect(notification.status).toBe(413);
  });

  it('pages through every subscriber once, in a stable order', async () => {
    const topic = `paged-${randomUUID().slice(0, 8)}`;
    const path = `/v1/topics/${topic}/subscribers`;
    const all = users('p', 2_500);
    await call('PUT', path, { userIds: all });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Loose = await call('GET', `${path}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.subscribers.length).toBeLessThanOrEqual(1_000);
      seen.push(...page.body.subscribers);
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.sort()).toEqual([...all].sort());
    const first = await call('GET', path);
    expect(first.body?.subscribers).toHaveLength(100);
    expect((await call('GET', path)).body).toEqual(first.body);
  });

  it('answers 400 naming the fields, and 401 without a key', async () => {
    const path = '/v1/topics/news/subscribers';
    const invalid = async (method: string, route: string, body?: unknown) => {
      const res = await call(method, route, body);
      expect(res.status, `${method} ${route}`).toBe(400);
      return res.body?.error.fields.map((f: { path: string }) => f.path);
    };
    expect(await invalid('PUT', path, { userIds: [] })).toEqual(['userIds']);
    expect(await invalid('PUT', path, { userIds: users('x', 10_001) })).toEqual(['userIds']);
    expect(await invalid('DELETE', path, { userIds: ['ok', ' ', 'y'.repeat(129)], extra: 1 })).toEqual(['userIds[1]', 'userIds[2]', 'extra']);
    expect(await invalid('PUT', '/v1/topics/%20/subscribers', { userIds: ['a'] })).toEqual(['topicId']);
    expect(await invalid('GET', `${path}?cursor=256.0`)).toEqual(['cursor']);
    expect(await invalid('GET', `${path}?limit=0`)).toEqual(['limit']);
    expect(await invalid('GET', `${path}?limit=1001`)).toEqual(['limit']);
    expect((await call('GET', path, undefined, {}, null)).status).toBe(401);
    expect((await call('PUT', path, { userIds: ['a'] }, {}, null)).status).toBe(401);
  });

  it('accepts a request naming topics with its direct recipients and one expansion of the topics, in one publish', async () => {
    const idem = randomUUID();
    const first = await call('POST', '/v1/notifications', request({ recipients: ['alice'], topics: ['news', 'offers'] }), {
      'idempotency-key': idem,
    });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ notificationIds: [notificationId(TENANT, idem, 'alice')], topics: ['news', 'offers'] });
    expect(published).toHaveLength(1);
    const expansions = published[0]!.outputs.filter((o) => o.topic === Topics.broadcasts);
    expect(expansions).toHaveLength(1);
    expect(expansions[0]).toMatchObject({
      key: `${TENANT}:${idem}`,
      value: { tenantId: TENANT, idempotencyKey: idem, topics: ['news', 'offers'], directRecipients: ['alice'], nextBucket: 0 },
    });

    const onlyTopics = await call('POST', '/v1/notifications', request({ recipients: [], topics: ['news'] }));
    expect(onlyTopics).toMatchObject({ status: 202, body: { notificationIds: [], topics: ['news'] } });

    const repeat = await call('POST', '/v1/notifications', request({ recipients: ['alice'], topics: ['news', 'offers'] }), {
      'idempotency-key': idem,
    });
    expect(repeat.status).toBe(202);
    expect(repeat.body).toEqual(first.body);
    expect(published).toHaveLength(2);

    const batch = await call('POST', '/v1/notifications/batch', {
      requests: [request({ idempotencyKey: randomUUID(), recipients: [], topics: ['news'] })],
    });
    expect(batch.body?.results).toEqual([expect.objectContaining({ status: 202, notificationIds: [], topics: ['news'] })]);
    expect(published[2]!.outputs.map((o) => o.topic)).toEqual([Topics.broadcasts]);
  });
});

describe('admin and meta', () => {
  it('serves runtime controls to admin keys only, auditing changes', async () => {
    expect((await call('GET', '/v1/admin/controls')).status).toBe(403);
    expect(
      (await call('PATCH', '/v1/admin/controls', { providers: { twilio: { enabled: false } } })).status,
    ).toBe(403);
    const bad = await call(
      'PATCH',
      '/v1/admin/controls',
      { providers: { pigeon: { enabled: false } } },
      {},
      adminKey,
    );
    expect(bad.status).toBe(400);
    expect(bad.body?.error.fields[0].path).toBe('providers.pigeon');

    const patched = await call(
      'PATCH',
      '/v1/admin/controls',
      { providers: { twilio: { enabled: false } } },
      {},
      adminKey,
    );
    expect(patched.status).toBe(200);
    expect(patched.body?.disabledProviders).toEqual(['twilio']);
    expect(
      (await call('GET', '/v1/admin/controls', undefined, {}, adminKey)).body?.disabledProviders,
    ).toEqual(['twilio']);
    const audit = await db.collection(Collections.auditLog).find({ tenantId: TENANT }).toArray();
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'controls.update',
        details: { change: { providers: { twilio: { enabled: false } } } },
      }),
    ]);
  });

  it('serves the OpenAPI document without a key; unknown routes need a key', async () => {
    const doc = await call('GET', '/v1/openapi.json', undefined, {}, null);
    expect(doc.status).toBe(200);
    expect(doc.body?.openapi).toBe('3.1.0');
    expect((await call('GET', '/v1/nothing-here', undefined, {}, null)).status).toBe(401);
    expect((await call('GET', '/v1/nothing-here')).status).toBe(404);
  });
});
