import { Redis } from 'ioredis';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEnv, uniqueName } from '../support/stack-env.js';

const env = stackEnv();
const mongo = new MongoClient(env.MONGODB_URI, { serverSelectionTimeoutMS: 10_000 });
const redis = new Redis(env.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });

afterAll(async () => {
  await mongo.close();
  redis.disconnect();
});

describe('MongoDB-wire database', () => {
  it('enforces a unique index', async () => {
    const coll = mongo.db().collection(uniqueName('infra_unique'));
    await coll.createIndex({ notificationId: 1, channel: 1 }, { unique: true });
    await coll.insertOne({ notificationId: 'n1', channel: 'EMAIL' });
    const err = await coll.insertOne({ notificationId: 'n1', channel: 'EMAIL' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(11000);
    await coll.drop();
  });

  it('upserts with findOneAndUpdate and applies bulkWrite', async () => {
    const coll = mongo.db().collection<{ _id: string; count: number }>(uniqueName('infra_upsert'));
    const first = await coll.findOneAndUpdate({ _id: 'k' }, { $inc: { count: 1 } }, { upsert: true, returnDocument: 'after' });
    expect(first?.count).toBe(1);
    const second = await coll.findOneAndUpdate({ _id: 'k' }, { $inc: { count: 1 } }, { upsert: true, returnDocument: 'after' });
    expect(second?.count).toBe(2);
    const res = await coll.bulkWrite([
      { insertOne: { document: { _id: 'a', count: 0 } } },
      { updateOne: { filter: { _id: 'k' }, update: { $set: { count: 10 } } } },
    ]);
    expect(res.insertedCount).toBe(1);
    expect(res.modifiedCount).toBe(1);
    await coll.drop();
  });

  it("answers a filter on a unique index's fields and more by both: the document must match every condition", async () => {
    const coll = mongo.db().collection<{ _id: string; claimId: string; state?: string }>(uniqueName('infra_narrow'));
    await coll.insertMany([
      { _id: 'k1', claimId: 'c1' },
      { _id: 'k2', claimId: 'c2' },
    ]);
    expect((await coll.updateOne({ _id: 'k1', claimId: 'c2' }, { $set: { state: 'DONE' } })).matchedCount).toBe(0);
    expect((await coll.updateOne({ _id: 'k1', claimId: 'c1' }, { $set: { state: 'DONE' } })).matchedCount).toBe(1);
    expect(await coll.countDocuments({ _id: { $in: ['k1', 'k2'] }, state: 'DONE' })).toBe(1);
    expect(await coll.findOne({ _id: 'k2', claimId: 'c2', state: { $exists: false } })).toEqual({ _id: 'k2', claimId: 'c2' });
    await coll.drop();
  });

  it('returns what it stored, BSON type for type', async () => {
    const coll = mongo.db().collection<{ _id: string } & Record<string, unknown>>(uniqueName('infra_types'));
    const doc = {
      _id: 'd1',
      at: new Date('2026-12-04T10:00:00.123Z'),
      count: 3,
      big: 2 ** 53 - 1,
      ratio: 0.25,
      flag: true,
      none: null,
      tags: ['a', 'b'],
      nested: { list: [1, { deep: 'x' }], empty: {} },
    };
    await coll.insertOne(doc);
    expect(await coll.findOne({ _id: 'd1' })).toEqual(doc);
    await coll.drop();
  });

  // MongoDB and mongo-java-server both accept and list a TTL index; only MongoDB expires documents by it,
  // which is why the stores ask serverProfile whether a sweeper must do it.
  it('accepts and lists a TTL index', async () => {
    const coll = mongo.db().collection(uniqueName('infra_ttl'));
    await coll.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    const indexes = await coll.indexes();
    expect(indexes.some((i) => i.expireAfterSeconds === 0)).toBe(true);
    await coll.drop().catch(() => undefined);
  });
});

describe('Redis', () => {
  it('claims with SET NX once', async () => {
    const key = uniqueName('infra:claim');
    expect(await redis.set(key, 'a', 'PX', 10_000, 'NX')).toBe('OK');
    expect(await redis.set(key, 'b', 'PX', 10_000, 'NX')).toBeNull();
    expect(await redis.get(key)).toBe('a');
  });

  it('runs a pipeline', async () => {
    const key = uniqueName('infra:counter');
    const results = await redis.pipeline().incr(key).incr(key).pexpire(key, 10_000).exec();
    expect(results?.map(([err, v]) => [err, v])).toEqual([
      [null, 1],
      [null, 2],
      [null, 1],
    ]);
  });
});
