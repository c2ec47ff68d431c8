import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import type { Redis } from 'ioredis';
import { ensureIndexes } from './indexes.js';
import { Collections } from './documents.js';
import { RecipientRepository, createRecipientCache } from './recipient-repository.js';
import { openTestDb, openTestRedis } from './test-support.js';

let db: Db;
let commandsOn: (collection: string) => () => string[];
let redis: Redis;
let prefix: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const mongo = await openTestDb('recipients');
  ({ db, commandsOn } = mongo);
  const r = openTestRedis('recipients');
  ({ redis, prefix } = r);
  closers.push(mongo.close, r.close);
  await ensureIndexes(db);
});
afterAll(async () => {
  for (const close of closers) await close();
});

const ann = {
  tenantId: 't1',
  userId: 'ann',
  email: 'ann@example.com',
  phone: '+15550001',
  locale: 'en-GB',
  timezone: 'Europe/London',
};

describe('RecipientRepository', () => {
  it('upserts and reads a recipient, scoped by tenant', async () => {
    const repo = new RecipientRepository(db, { now: () => 1_000 });
    await repo.upsert(ann);
    expect(await repo.get('t1', 'ann')).toEqual({
      ...ann,
      deviceTokens: [],
      devices: [],
      updatedAt: new Date(1_000),
    });
    expect(await repo.get('t2', 'ann')).toBeNull();
  });

  it('replaces contact points on upsert but keeps device tokens when omitted', async () => {
    const repo = new RecipientRepository(db);
    await repo.upsert({ ...ann, userId: 'bo' });
    expect(await repo.addDeviceToken('t1', 'bo', 'tok-1')).toBe(true);
    await repo.upsert({
      tenantId: 't1',
      userId: 'bo',
      email: 'bo@example.com',
      locale: 'fr-FR',
      timezone: 'Europe/Paris',
    });
    const bo = await repo.get('t1', 'bo');
    expect(bo).toMatchObject({ email: 'bo@example.com', locale: 'fr-FR', deviceTokens: ['tok-1'] });
    expect(bo).not.toHaveProperty('phone');
    await repo.upsert({ ...ann, userId: 'bo', deviceTokens: ['tok-2', 'tok-2'] });
    expect((await repo.get('t1', 'bo'))?.deviceTokens).toEqual(['tok-2']);
  });

  it('adds a device token once and removes it', async () => {
    const repo = new RecipientRepository(db);
    await repo.upsert({ ...ann, userId: 'cy' });
    await repo.addDeviceToken('t1', 'cy', 'a');
    await repo.addDeviceToken('t1', 'cy', 'a');
    await repo.addDeviceToken('t1', 'cy', 'b');
    expect((await repo.get('t1', 'cy'))?.deviceTokens).toEqual(['a', 'b']);
    expect(await repo.removeDeviceToken('t1', 'cy', 'a')).toBe(true);
    expect((await repo.get('t1', 'cy'))?.deviceTokens).toEqual(['b']);
    expect(await repo.addDeviceToken('t1', 'nobody', 'a')).toBe(false);
    expect(await repo.removeDeviceToken('t1', 'nobody', 'a')).toBe(false);
  });

  it('keeps devices with their platform: replaced when given, kept when omitted, one per token', async () => {
    const repo = new RecipientRepository(db);
    await repo.upsert({
      ...ann,
      userId: 'dev',
      devices: [
        { token: 'i-1', platform: 'ios' },
        { token: 'a-1', platform: 'android' },
        { token: 'i-1', platform: 'web' },
      ],
    });
    expect((await repo.get('t1', 'dev'))?.devices).toEqual([
      { token: 'i-1', platform: 'ios' },
      { token: 'a-1', platform: 'android' },
    ]);
    await repo.upsert({ ...ann, userId: 'dev', deviceTokens: ['legacy'] });
    expect(await repo.get('t1', 'dev')).toMatchObject({
      deviceTokens: ['legacy'],
      devices: [
        { token: 'i-1', platform: 'ios' },
        { token: 'a-1', platform: 'android' },
      ],
    });
    await repo.upsert({ ...ann, userId: 'dev', devices: [{ token: 'w-1', platform: 'web' }] });
    expect((await repo.get('t1', 'dev'))?.devices).toEqual([{ token: 'w-1', platform: 'web' }]);
    await repo.upsert({ ...ann, userId: 'dev', devices: [] });
    expect(await repo.get('t1', 'dev')).toMatchObject({ deviceTokens: ['legacy'], devices: [] });
  });

  it('adds a token with a platform as a device, once, taking the latest platform', async () => {
    const repo = new RecipientRepository(db);
    await repo.upsert({ ...ann, userId: 'dy' });
    expect(await repo.addDeviceToken('t1', 'dy', 'i-1', 'ios')).toBe(true);
    expect(await repo.addDeviceToken('t1', 'dy', 'i-1', 'ios')).toBe(true);
    await repo.addDeviceToken('t1', 'dy', 'x-1', 'android');
    await repo.addDeviceToken('t1', 'dy', 'i-1', 'web');
    expect(await repo.get('t1', 'dy')).toMatchObject({
      deviceTokens: [],
      devices: [
        { token: 'x-1', platform: 'android' },
        { token: 'i-1', platform: 'web' },
      ],
    });
    expect(await repo.addDeviceToken('t1', 'nobody', 'i-1', 'ios')).toBe(false);
  });

  it('removes a token from both the device tokens and the devices', async () => {
    const repo = new RecipientRepository(db);
    await repo.upsert({
      ...ann,
      userId: 'ed',
      deviceTokens: ['gone', 'kept'],
      devices: [
        { token: 'gone', platform: 'ios' },
        { token: 'other', platform: 'android' },
      ],
    });
    expect(await repo.removeDeviceToken('t1', 'ed', 'gone')).toBe(true);
    expect(await repo.get('t1', 'ed')).toMatchObject({
      deviceTokens: ['kept'],
      devices: [{ token: 'other', platform: 'android' }],
    });
  });

  it('reads a recipient stored before devices existed with no devices', async () => {
    const repo = new RecipientRepository(db);
    await db
      .collection(Collections.recipients)
      .insertOne({ ...ann, userId: 'old', deviceTokens: ['t'], updatedAt: new Date() });
    expect((await repo.get('t1', 'old'))?.devices).toEqual([]);
    expect(await repo.removeDeviceToken('t1', 'old', 't')).toBe(true);
    expect(await repo.get('t1', 'old')).toMatchObject({ deviceTokens: [], devices: [] });
  });

  it('survives concurrent first upserts of the same recipient', async () => {
    const repo = new RecipientRepository(db);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        repo.upsert({ ...ann, userId: 'race', email: `r${i}@example.com` }),
      ),
    );
    expect(
      await db.collection(Collections.recipients).countDocuments({ tenantId: 't1', userId: 'race' }),
    ).toBe(1);
  });

  it('getMany looks up many recipients in one query and leaves unknown ones out', async () => {
    const repo = new RecipientRepository(db);
    const ids = Array.from({ length: 300 }, (_, i) => `bulk-${i}`);
    await db
      .collection(Collections.recipients)
      .insertMany(ids.map((userId) => ({ ...ann, userId, deviceTokens: [], updatedAt: new Date() })));
    const finds = commandsOn(Collections.recipients);
    const found = await repo.getMany('t1', [...ids, 'ghost', 'bulk-0']);
    expect(found.size).toBe(300);
    expect(found.get('bulk-7')?.userId).toBe('bulk-7');
    expect(found.has('ghost')).toBe(false);
    expect(finds()).toEqual(['find']);
  });

  it('serves repeated lookups from the cache and invalidates on every write', async () => {
    const cache = createRecipientCache(redis, { prefix: `${prefix}recipient:` });
    const repo = new RecipientRepository(db, { cache });
    await repo.upsert({ ...ann, userId: 'cached' });
    await repo.upsert({ ...ann, userId: 'cached-2' });
    const finds = commandsOn(Collections.recipients);

    const first = await repo.getMany('t1', ['cached', 'cached-2', 'ghost']);
    const second = await repo.getMany('t1', ['cached', 'cached-2']);
    expect(second).toEqual(first);
    expect(second.get('cached')?.updatedAt).toBeInstanceOf(Date);
    expect(finds()).toEqual(['find']);

    await repo.addDeviceToken('t1', 'cached', 'tok');
    expect((await repo.get('t1', 'cached'))?.deviceTokens).toEqual(['tok']);
    await repo.removeDeviceToken('t1', 'cached', 'tok');
    expect((await repo.get('t1', 'cached'))?.deviceTokens).toEqual([]);
    await repo.upsert({ ...ann, userId: 'cached', locale: 'de-DE' });
    expect((await repo.get('t1', 'cached'))?.locale).toBe('de-DE');
  });
});
