import { DeliveryRecords, NotificationRepository } from '@notify/stores';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationLookup } from './notification-lookup.js';

const client = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify', { serverSelectionTimeoutMS: 5_000 });
let db: Db;
let lookup: NotificationLookup;

beforeAll(async () => {
  await client.connect();
  db = client.db(`test_status_lookup_${randomUUID().slice(0, 8)}`);
  lookup = new NotificationLookup(db);
  await new NotificationRepository(db).appendStatus({
    notificationId: 'n-1',
    tenantId: 't-1',
    userId: 'u-1',
    status: 'ACCEPTED',
    stage: 'ingest',
    channel: null,
    provider: null,
    reason: null,
    providerMessageId: null,
    occurredAt: 1_000,
    attributes: {},
  });
  await new DeliveryRecords(db).record({ notificationId: 'n-1', channel: 'SMS', provider: 'twilio', providerMessageId: 'SM1', sentAt: new Date() });
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

describe('NotificationLookup (MongoDB)', () => {
  it('finds a notification by the provider message id in the deliveries ledger', async () => {
    expect(await lookup.byProviderMessageId('twilio', 'SM1')).toEqual({ subject: { notificationId: 'n-1', tenantId: 't-1', userId: 'u-1' }, channel: 'SMS' });
    expect(await lookup.byProviderMessageId('sendgrid', 'SM1')).toBeNull();
    expect(await lookup.byProviderMessageId('twilio', 'SM2')).toBeNull();
  });

  it('finds a notification by id, only within the tenant named', async () => {
    expect(await lookup.byNotificationId('n-1', 't-1')).toEqual({ notificationId: 'n-1', tenantId: 't-1', userId: 'u-1' });
    expect(await lookup.byNotificationId('n-1', null)).toEqual({ notificationId: 'n-1', tenantId: 't-1', userId: 'u-1' });
    expect(await lookup.byNotificationId('n-1', 't-2')).toBeNull();
    expect(await lookup.byNotificationId('n-9', null)).toBeNull();
  });


});
