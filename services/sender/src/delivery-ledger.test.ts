import { DeliveryRecords } from '@notify/stores';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryLedger } from './delivery-ledger.js';
import type { DeliveryRef } from './domain/ports.js';

const prefix = `ledger-test-${Date.now()}-`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379', { keyPrefix: prefix });
const mongo = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify');
let db: Db;

beforeAll(async () => {
  await mongo.connect();
  db = mongo.db(`ledger_test_${Date.now()}`);
});

afterAll(async () => {
  await db.dropDatabase();
  await mongo.close();
  redis.disconnect();
});

let n = 0;
const ref = (): DeliveryRef => ({ notificationId: `n-${Date.now()}-${n++}`, channel: 'EMAIL' });
const markKey = (r: DeliveryRef) => `notify:delivery:${r.notificationId}:${r.channel}`;
const ledger = (owner = 'me') => new DeliveryLedger(redis, db, owner, 30_000);

describe('DeliveryLedger (real Redis and MongoDB)', () => {
  it('claims free deliveries, keeps its own, and tells one in flight elsewhere from one sent', async () => {
    const [free, mine, theirs, sent] = [ref(), ref(), ref(), ref()];
    await ledger().claim([mine]);
    await ledger('other').claim([theirs]);
    await ledger('other').recordSent([{ ...sent, provider: 'sendgrid', providerMessageId: 'pm-1', sentAt: new Date() }]);
    expect(await ledger().claim([free, mine, theirs, sent])).toEqual([{ kind: 'claimed' }, { kind: 'claimed' }, { kind: 'busy' }, { kind: 'sent', providerMessageId: 'pm-1' }]);
    expect(await redis.get(markKey(free))).toBe('me');
  });

  it('releases only its own claims', async () => {
    const [mine, theirs] = [ref(), ref()];
    await ledger().claim([mine]);
    await ledger('other').claim([theirs]);
    expect(await ledger().release([mine, theirs])).toEqual([undefined, undefined]);
    expect(await redis.mget(markKey(mine), markKey(theirs))).toEqual([null, 'other']);
  });

  it('answers from the marks, from MongoDB for deliveries without one, and records a mark whose record is missing', async () => {
    const [marked, older, durable, unsent, corrupt] = [ref(), ref(), ref(), ref(), ref()];
    const sentAt = Date.now() - 1_000;
    await redis.set(markKey(marked), `sent:${JSON.stringify({ providerMessageId: 'pm-marked', provider: 'sendgrid', sentAt })}`);
    await redis.set(markKey(older), 'sent:pm-older');
    await redis.set(markKey(corrupt), 'sent:{not json');
    const records = new DeliveryRecords(db);
    await records.record({ ...durable, provider: 'smtp', providerMessageId: 'pm-durable', sentAt: new Date() });
    const answers = await ledger().sentAs([marked, older, durable, unsent, corrupt]);
    expect(answers.slice(0, 4)).toEqual(['pm-marked', 'pm-older', 'pm-durable', undefined]);
    expect(answers[4]).toBeInstanceOf(Error);
    expect(await records.find(marked.notificationId, 'EMAIL')).toMatchObject({ provider: 'sendgrid', providerMessageId: 'pm-marked', sentAt: new Date(sentAt) });
    expect(await records.byProviderMessage('sendgrid', 'pm-marked')).toEqual(marked);
    expect(await records.find(older.notificationId, 'EMAIL')).toBeNull();
  });

  it('records the marks (for a day) and the durable records of every delivery sent', async () => {
    const ds = [ref(), ref()].map((r, i) => ({ ...r, provider: 'sendgrid' as const, providerMessageId: `pm-${i}`, sentAt: new Date() }));
    await ledger().claim(ds);
    await ledger().recordSent(ds);
    expect(await ledger().sentAs(ds)).toEqual(['pm-0', 'pm-1']);
    const found = await new DeliveryRecords(db).findAll(ds);
    expect([...found.values()].map((d) => d.providerMessageId).sort()).toEqual(['pm-0', 'pm-1']);
    expect(await redis.pttl(markKey(ds[0]!))).toBeGreaterThan(23 * 60 * 60 * 1000);
  });
});
