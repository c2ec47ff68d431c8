import { randomUUID } from 'node:crypto';
import { listen, verifyUserToken } from '@notify/http';
import { EMPTY_CONTROLS } from '@notify/controls';
import { createMetricsRegistry } from '@notify/runtime';
import {
  ApiKeyRepository,
  AuditLogRepository,
  Collections,
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Intake } from '../accept/intake.js';
import { templateCatalog } from '../accept/template-catalog.js';
import type { StoredAcceptance } from '../domain/idempotency.js';
import { openTestDb, openTestRedis, silentLogger } from '../test-support.js';
import { createIngestApp } from './ingest-app.js';

// Responses are read loosely: each test asserts the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const TENANT = `acme-${randomUUID().slice(0, 8)}`;
const OTHER_TENANT = `globex-${randomUUID().slice(0, 8)}`;

let db: Db;
let closeDb: () => Promise<void>;
const testRedis = openTestRedis('user_tokens');
let closeServer: () => Promise<void>;
let base = '';
let apiKeys: ApiKeyRepository;
let key = '';
let otherKey = '';
let secrets: UserTokenSecretRepository;

beforeAll(async () => {
  ({ db, close: closeDb } = await openTestDb('user_tokens'));
  const tenants = new TenantRepository(db);
  apiKeys = new ApiKeyRepository(db);
  for (const tenantId of [TENANT, OTHER_TENANT]) await tenants.upsert({ tenantId, name: tenantId, defaultLocale: 'en' });
  key = (await apiKeys.create({ tenantId: TENANT })).key;
  otherKey = (await apiKeys.create({ tenantId: OTHER_TENANT })).key;
  secrets = new UserTokenSecretRepository(db);
  const recipients = new RecipientRepository(db);
  const templates = new TemplateRepository(db);
  const notifications = new NotificationRepository(db);
  const app = createIngestApp({
    intake: new Intake({
      tenants,
      recipients,
      templates: templateCatalog(templates),
      idempotency: new IdempotencyRepository<StoredAcceptance>(db),
      publish: async () => {},
      timeline: notifications,
      logger: silentLogger,
    }),
    notifications,
    recipients,
    preferences: new PreferencesRepository(db),
    templates,
    topicSubscriptions: new TopicSubscriptionRepository(db),
    controls: { read: async () => EMPTY_CONTROLS, apply: async () => EMPTY_CONTROLS },
    audit: new AuditLogRepository(db),
    userTokenKeys: new UserTokenSecretRepository(db),
    apiKeys,
    redis: testRedis.redis,
    logger: silentLogger,
    registry: createMetricsRegistry('ingest-user-token-test'),
    bodyLimit: '256kb',
  });
  const server = await listen(app, 0);
  base = `http://127.0.0.1:${server.port}`;
  closeServer = server.close;
});

afterAll(async () => {
  await closeServer?.();
  await closeDb?.();
  await testRedis.close();
});

async function issue(userId: string, body?: unknown, apiKey: string | null = key, raw?: string) {
  const res = await fetch(`${base}/v1/users/${encodeURIComponent(userId)}/tokens`, {
    method: 'POST',
    headers: {
      ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }),
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    },
    ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, Loose>) : undefined };
}

/** What the in-app gateway would make of a token: verified against the stored keys. */
const verify = (token: string) => verifyUserToken(token, { keys: (tenantId, kid) => secrets.verificationKeys(tenantId, kid) });

describe('POST /v1/users/:userId/tokens', () => {
  it('issues a 15-minute token for the user of the caller’s tenant, 201, not to be cached', async () => {
    const before = Date.now();
    const res = await issue('ada');
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body ?? {}).sort()).toEqual(['expiresAt', 'token', 'userId']);
    expect(res.body?.userId).toBe('ada');
    const expiresAt = Date.parse(res.body?.expiresAt);
    expect(res.body?.expiresAt).toBe(new Date(expiresAt).toISOString());
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
    expect(await verify(res.body?.token)).toEqual({ tenantId: TENANT, userId: 'ada', expiresAt: new Date(expiresAt) });
    // An empty object is the same as no body.
    expect((await issue('ada', {})).status).toBe(201);
  });

  it('takes ttlSeconds from 60 to 86400 and names the bad field otherwise', async () => {
    const short = await issue('ada', { ttlSeconds: 60 });
    expect(short.status).toBe(201);
    expect(Date.parse(short.body?.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
    expect((await issue('ada', { ttlSeconds: 86_400 })).status).toBe(201);
    for (const body of [{ ttlSeconds: 59 }, { ttlSeconds: 86_401 }, { ttlSeconds: 90.5 }, { ttlSeconds: '900' }]) {
      const bad = await issue('ada', body);
      expect(bad.status).toBe(400);
      expect(bad.body?.error.code).toBe('VALIDATION');
      expect(bad.body?.error.fields.map((f: { path: string }) => f.path)).toEqual(['ttlSeconds']);
    }
    const unknown = await issue('ada', { ttlSeconds: 120, userId: 'grace' });
    expect(unknown.status).toBe(400);
    expect(unknown.body?.error.fields).toEqual([{ path: 'userId', message: 'is not a known field' }]);
    expect((await issue('ada', undefined, key, '{"ttlSeconds":')).status).toBe(400);
  });

  it('answers 401 without a valid API key; a user token is not an API key', async () => {
    const missing = await issue('ada', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.body?.error.code).toBe('UNAUTHENTICATED');
    expect((await issue('ada', undefined, 'nk_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro')).status).toBe(401);
    const { token } = (await issue('ada')).body as { token: string };
    expect((await issue('grace', undefined, token)).status).toBe(401);
    const notify = await fetch(`${base}/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipients: ['grace'], templateId: 'welcome', category: 'account' }),
    });
    expect(notify.status).toBe(401);
  });

  it('signs each tenant’s tokens with its own key, made once for concurrent first uses', async () => {
    const tenant = `initech-${randomUUID().slice(0, 8)}`;
    const fresh = (await apiKeys.create({ tenantId: tenant })).key;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => issue(`user-${i}`, undefined, fresh)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    const stored = await db.collection(Collections.userTokenSecrets).find({ _id: tenant as never }).toArray();
    expect(stored).toHaveLength(1);
    for (const [i, a] of answers.entries())
      expect(await verify(a.body?.token)).toMatchObject({ tenantId: tenant, userId: `user-${i}` });

    const other = (await issue('ada', undefined, otherKey)).body as { token: string };
    expect(await verify(other.token)).toMatchObject({ tenantId: OTHER_TENANT, userId: 'ada' });
    const mine = (await issue('ada')).body as { token: string };
    const header = (t: string) => JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()) as { kid: string };
    expect(header(mine.token).kid).not.toBe(header(other.token).kid);
  });

  it('refuses a blank or over-long user id', async () => {
    const blank = await issue(' ');
    expect(blank.status).toBe(400);
    expect(blank.body?.error.fields.map((f: { path: string }) => f.path)).toEqual(['userId']);
    expect((await issue('u'.repeat(300))).status).toBe(400);
  });
});
