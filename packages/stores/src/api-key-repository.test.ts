import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { ensureIndexes } from './indexes.js';
import { Collections } from './documents.js';
import { ApiKeyRepository, hashApiKeySecret, parseApiKey } from './api-key-repository.js';
import { openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('apikeys'));
  await ensureIndexes(db);
});
afterAll(async () => close());

describe('ApiKeyRepository', () => {
  it('returns the key once and stores only the SHA-256 of its secret', async () => {
    const repo = new ApiKeyRepository(db);
    const { key, doc } = await repo.create({ tenantId: 't1', scopes: ['admin'] });
    expect(key).toMatch(/^nk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const { id, secret } = parseApiKey(key)!;
    expect(doc).toMatchObject({ _id: id, tenantId: 't1', scopes: ['admin'], rateLimitPerMinute: 600 });
    const stored = await db.collection(Collections.apiKeys).findOne({ _id: id as never });
    expect(stored?.secretHash).toBe(hashApiKeySecret(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('verifies a good key and refuses malformed, unknown, tampered and revoked ones', async () => {
    const repo = new ApiKeyRepository(db);
    const { key, doc } = await repo.create({ tenantId: 't1', rateLimitPerMinute: 60 });
    expect((await repo.verify(key))?._id).toBe(doc._id);

    const { id, secret } = parseApiKey(key)!;
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    expect(await repo.verify(`nk_${id}_${flipped}`)).toBeNull();
    expect(await repo.verify(`nk_0000000000000000_${secret}`)).toBeNull();
    expect(await repo.verify('nk_short_x')).toBeNull();
    expect(await repo.verify('')).toBeNull();

    expect(await repo.revoke(doc._id)).toBe(true);
    expect(await repo.revoke(doc._id)).toBe(false);
    expect(await repo.verify(key)).toBeNull();
    expect((await repo.listForTenant('t1')).length).toBeGreaterThanOrEqual(2);
  });

  it('reuses a verified key for its cache time, checks the secret every time, and forgets a key it revokes', async () => {
    let now = 1_000_000;
    const repo = new ApiKeyRepository(db, { verifiedCacheMs: 10_000, now: () => now });
    const elsewhere = new ApiKeyRepository(db);
    const { key, doc } = await repo.create({ tenantId: 't-cache' });
    const { id, secret } = parseApiKey(key)!;
    expect((await repo.verify(key))?._id).toBe(doc._id);
    expect(await repo.verify(`nk_${id}_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBeNull();

    await elsewhere.revoke(doc._id);
    expect((await repo.verify(key))?._id).toBe(doc._id); // revoked on another replica: within the cache time
    now += 10_001;
    expect(await repo.verify(key)).toBeNull();

    const second = await repo.create({ tenantId: 't-cache' });
    expect(await repo.verify(second.key)).not.toBeNull();
    await repo.revoke(second.doc._id);
    expect(await repo.verify(second.key)).toBeNull(); // revoked here: at once
  });

  it('keeps secret hashes unique', async () => {
    const keys = db.collection(Collections.apiKeys);
    const base = {
      tenantId: 't1',
      secretHash: 'h',
      rateLimitPerMinute: 1,
      scopes: [],
      createdAt: new Date(),
    };
    await keys.insertOne({ _id: 'dup-1' as never, ...base });
    await expect(keys.insertOne({ _id: 'dup-2' as never, ...base })).rejects.toMatchObject({ code: 11000 });
  });
});
