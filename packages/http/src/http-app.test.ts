import { createRuntimeMetrics, createLogger, ValidationError } from '@notify/runtime';
import { ApiKeyRepository } from '@notify/stores';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyAuth, caller } from './api-key-auth.js';
import { createHttpApp, listen } from './http-app.js';
import { rateLimit } from './rate-limit.js';

interface ErrorBody {
  error: { code: string; fields?: unknown };
}

const mongo = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify');
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379');
let base = '';
let key = '';
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  await mongo.connect();
  const db = mongo.db(`http_test_${Date.now()}`);
  const keys = new ApiKeyRepository(db);
  key = (await keys.create({ tenantId: 'acme', rateLimitPerMinute: 3, scopes: [] })).key;
  const registry = new Registry();
  createRuntimeMetrics(registry);
  const { app, finish } = createHttpApp({ service: 'test', logger: createLogger('test', 'silent'), registry, bodyLimit: '1kb' });
  app.post('/things', apiKeyAuth(keys), rateLimit(redis, () => undefined), (req, res) => {
    if (!req.body?.name) throw new ValidationError([{ path: 'name', message: 'required' }]);
    res.status(201).json({ tenant: caller(res).tenantId, name: req.body.name });
  });
  finish();
  const server = await listen(app, 0);
  base = `http://127.0.0.1:${server.port}`;
  close = async () => {
    await server.close();
    await db.dropDatabase();
  };
});

afterAll(async () => {
  await close();
  await mongo.close();
  redis.disconnect();
});

const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
  fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('http app', () => {
  it('rejects a missing or wrong key with 401', async () => {
    expect((await post({ name: 'x' }, {})).status).toBe(401);
    const res = await post({ name: 'x' }, { authorization: 'Bearer nk_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorBody).error.code).toBe('UNAUTHENTICATED');
  });

  it('answers validation errors with 400 naming the fields, bad JSON and oversize bodies too', async () => {
    const bad = await post({});
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.fields).toEqual([{ path: 'name', message: 'required' }]);
    expect((await post('{oops')).status).toBe(400);
    expect((await post({ name: 'x'.repeat(2000) })).status).toBe(413);
    const notUtf8 = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('"}')]);
    const refused = await fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: notUtf8 });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as ErrorBody).error.fields).toEqual([{ path: '', message: 'invalid UTF-8' }]);
  });

  it('serves the tenant of the key and rate-limits per key with Retry-After', async () => {
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await post({ name: `n${i}` }));
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(((await ok[0]!.json()) as { tenant: string }).tenant).toBe('acme');
    const limited = results.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
